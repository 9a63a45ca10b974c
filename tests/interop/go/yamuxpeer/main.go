// Command yamuxpeer is Go's side of the interop tests: hashicorp/yamux and gorilla/websocket,
// the libraries Go Piko is built on, wrapped exactly as Go Piko wraps a WebSocket (binary
// messages as one byte stream).
//
// Usage: yamuxpeer <mode> [flags]. Every mode prints line-oriented results on stdout.
//
//	tcp-server  -listen 127.0.0.1:0       yamux SERVER on each accepted TCP conn; serves streams (below).
//	ws-server   -listen 127.0.0.1:0       same, over a WebSocket accepted at any path.
//	                                      Both print "listening <addr>" first.
//	tcp-client  -addr HOST:PORT           yamux CLIENT: runs the client checks (below) against a peer
//	ws-client   -url ws://HOST:PORT/path  that serves streams, prints "ok <check>" lines, then "done";
//	            -streams N -bytes N       exits 1 after printing "FAIL <reason>" on any failure.
//	            -checks echo,source,sink,goaway
//	piko-agent  -url ws://HOST:PORT/piko/v1/upstream/<id> [-token T]
//	            A Go Piko agent stand-in: yamux CLIENT over the WebSocket, serving HTTP/1.1 on every
//	            stream the server opens: 200, body "go-agent:<method> <path>". Prints "connected <url>"
//	            per connection and reconnects (every 100ms) until killed.
//	piko-server -upstream 127.0.0.1:0 -proxy 127.0.0.1:0
//	            A Go Piko server stand-in: upstream WebSockets at /piko/v1/upstream/<id> (yamux SERVER);
//	            the proxy port forwards each HTTP request (endpoint from x-piko-endpoint or the Host's
//	            first label) on a new yamux stream, like Go Piko's httpproxy (DisableKeepAlives).
//	            No upstream: 502 {"error":"no available upstreams"}. Prints "upstream listening <addr>",
//	            "proxy listening <addr>", then "upstream connected <id>" / "upstream disconnected <id>".
//
// Stream protocol served by the *-server modes (the TS test peers serve the same): the opener
// writes one command line, then:
//
//	echo\n            the peer copies everything back until the opener's FIN, then closes.
//	sink\n            the peer reads to FIN, then replies "<count> <sha256hex>\n" and closes.
//	source <n>\n      the peer writes n pattern bytes (byte i = i % 251), then closes.
//	goaway\n          the peer sends a session go-away, replies "ok\n", then echoes like echo.
package main

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
	"github.com/hashicorp/yamux"
)

func main() {
	if len(os.Args) < 2 {
		fail("usage: yamuxpeer <mode> [flags]")
	}
	mode, args := os.Args[1], os.Args[2:]
	fs := flag.NewFlagSet(mode, flag.ExitOnError)
	listen := fs.String("listen", "127.0.0.1:0", "listen address")
	addr := fs.String("addr", "", "TCP address to dial")
	url := fs.String("url", "", "WebSocket URL to dial")
	token := fs.String("token", "", "bearer token")
	streams := fs.Int("streams", 10, "concurrent streams per check")
	size := fs.Int("bytes", 1<<20, "bytes per stream")
	checks := fs.String("checks", "echo,source,sink", "client checks")
	upstreamAddr := fs.String("upstream", "127.0.0.1:0", "piko-server upstream listen address")
	proxyAddr := fs.String("proxy", "127.0.0.1:0", "piko-server proxy listen address")
	_ = fs.Parse(args)

	switch mode {
	case "tcp-server":
		ln, err := net.Listen("tcp", *listen)
		check(err)
		fmt.Println("listening", ln.Addr())
		for {
			conn, err := ln.Accept()
			check(err)
			go serveSession(conn)
		}
	case "ws-server":
		ln, err := net.Listen("tcp", *listen)
		check(err)
		fmt.Println("listening", ln.Addr())
		upgrader := websocket.Upgrader{}
		check(http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ws, err := upgrader.Upgrade(w, r, nil)
			if err != nil {
				return
			}
			serveSession(newWSConn(ws))
		})))
	case "tcp-client":
		conn, err := net.Dial("tcp", *addr)
		check(err)
		runClient(conn, *streams, *size, *checks)
	case "ws-client":
		ws, _, err := websocket.DefaultDialer.Dial(*url, nil)
		check(err)
		runClient(newWSConn(ws), *streams, *size, *checks)
	case "piko-agent":
		runAgent(*url, *token)
	case "piko-server":
		runPikoServer(*upstreamAddr, *proxyAddr)
	default:
		fail("unknown mode " + mode)
	}
}

func muxConfig() *yamux.Config {
	c := yamux.DefaultConfig()
	c.LogOutput = os.Stderr
	return c
}

// ---- stream server ------------------------------------------------------------------------

func serveSession(conn net.Conn) {
	sess, err := yamux.Server(conn, muxConfig())
	check(err)
	for {
		stream, err := sess.AcceptStream()
		if err != nil {
			return
		}
		go serveStream(sess, stream)
	}
}

func serveStream(sess *yamux.Session, stream *yamux.Stream) {
	defer stream.Close()
	r := bufio.NewReader(stream)
	line, err := r.ReadString('\n')
	if err != nil {
		return
	}
	cmd := strings.Fields(line)
	switch cmd[0] {
	case "echo":
		_, _ = io.Copy(stream, r)
	case "sink":
		h := sha256.New()
		n, _ := io.Copy(h, r)
		fmt.Fprintf(stream, "%d %s\n", n, hex.EncodeToString(h.Sum(nil)))
	case "source":
		n, _ := strconv.Atoi(cmd[1])
		_, _ = stream.Write(pattern(n))
	case "goaway":
		_ = sess.GoAway()
		_, _ = stream.Write([]byte("ok\n"))
		_, _ = io.Copy(stream, r)
	}
}

func pattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i % 251)
	}
	return b
}

// ---- client checks ------------------------------------------------------------------------

func runClient(conn net.Conn, streams, size int, checks string) {
	sess, err := yamux.Client(conn, muxConfig())
	check(err)
	for _, name := range strings.Split(checks, ",") {
		var err error
		switch name {
		case "echo":
			err = parallel(streams, func(int) error { return checkEcho(sess, size) })
		case "source":
			err = parallel(streams, func(int) error { return checkSource(sess, size) })
		case "sink":
			err = parallel(streams, func(i int) error { return checkSink(sess, size, i) })
		case "goaway":
			err = checkGoAway(sess)
		default:
			err = errors.New("unknown check " + name)
		}
		if err != nil {
			fail(name + ": " + err.Error())
		}
		fmt.Println("ok", name)
	}
	_ = sess.Close()
	fmt.Println("done")
}

func parallel(n int, f func(int) error) error {
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			if err := f(i); err != nil {
				errs <- err
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	return <-errs
}

// checkEcho writes and reads concurrently: this yamux version cannot read after its own Close.
func checkEcho(sess *yamux.Session, size int) error {
	s, err := sess.OpenStream()
	if err != nil {
		return err
	}
	defer s.Close()
	data := pattern(size)
	go func() {
		_, _ = s.Write([]byte("echo\n"))
		_, _ = s.Write(data)
	}()
	got := make([]byte, size)
	if _, err := io.ReadFull(s, got); err != nil {
		return fmt.Errorf("read echo: %w", err)
	}
	if !bytes.Equal(got, data) {
		return errors.New("echo mismatch")
	}
	return nil
}

func checkSource(sess *yamux.Session, size int) error {
	s, err := sess.OpenStream()
	if err != nil {
		return err
	}
	defer s.Close()
	fmt.Fprintf(s, "source %d\n", size)
	got, err := io.ReadAll(s) // the peer's FIN ends it
	if err != nil {
		return err
	}
	if !bytes.Equal(got, pattern(size)) {
		return fmt.Errorf("source mismatch: got %d bytes", len(got))
	}
	return nil
}

// checkSink sends then half-closes; the peer checks what it got, we print what we sent.
func checkSink(sess *yamux.Session, size, i int) error {
	s, err := sess.OpenStream()
	if err != nil {
		return err
	}
	data := pattern(size + i)
	_, _ = s.Write([]byte("sink\n"))
	if _, err := s.Write(data); err != nil {
		return err
	}
	sum := sha256.Sum256(data)
	fmt.Printf("sink sent %d %s\n", len(data), hex.EncodeToString(sum[:]))
	return s.Close()
}

func checkGoAway(sess *yamux.Session) error {
	s, err := sess.OpenStream()
	if err != nil {
		return err
	}
	defer s.Close()
	_, _ = s.Write([]byte("goaway\n"))
	r := bufio.NewReader(s)
	if line, err := r.ReadString('\n'); err != nil || line != "ok\n" {
		return fmt.Errorf("goaway reply %q %v", line, err)
	}
	if _, err := sess.OpenStream(); err != yamux.ErrRemoteGoAway {
		return fmt.Errorf("open after go away: want ErrRemoteGoAway, got %v", err)
	}
	// The existing stream keeps working.
	_, _ = s.Write([]byte("still here"))
	got := make([]byte, len("still here"))
	if _, err := io.ReadFull(r, got); err != nil || string(got) != "still here" {
		return fmt.Errorf("echo after go away: %q %v", got, err)
	}
	return nil
}

// ---- Piko stand-ins -----------------------------------------------------------------------

func runAgent(url, token string) {
	header := http.Header{}
	if token != "" {
		header.Set("Authorization", "Bearer "+token)
	}
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		_, _ = fmt.Fprintf(w, "go-agent:%s %s", r.Method, r.URL.RequestURI())
	})
	for {
		ws, _, err := websocket.DefaultDialer.Dial(url, header)
		if err != nil {
			fmt.Fprintln(os.Stderr, "dial:", err)
			time.Sleep(100 * time.Millisecond)
			continue
		}
		sess, err := yamux.Client(newWSConn(ws), muxConfig())
		check(err)
		fmt.Println("connected", url)
		// yamux.Session is a net.Listener: every stream the server opens is one HTTP conn.
		_ = http.Serve(sess, handler)
		fmt.Println("disconnected", url)
		time.Sleep(100 * time.Millisecond)
	}
}

type pikoServer struct {
	mu       sync.Mutex
	sessions map[string][]*yamux.Session
}

func runPikoServer(upstreamAddr, proxyAddr string) {
	ps := &pikoServer{sessions: map[string][]*yamux.Session{}}
	upLn, err := net.Listen("tcp", upstreamAddr)
	check(err)
	proxyLn, err := net.Listen("tcp", proxyAddr)
	check(err)
	fmt.Println("upstream listening", upLn.Addr())
	fmt.Println("proxy listening", proxyLn.Addr())
	go func() { check(http.Serve(upLn, http.HandlerFunc(ps.upstream))) }()
	check(http.Serve(proxyLn, http.HandlerFunc(ps.proxy)))
}

func (ps *pikoServer) upstream(w http.ResponseWriter, r *http.Request) {
	id := strings.TrimPrefix(r.URL.Path, "/piko/v1/upstream/")
	if id == r.URL.Path || id == "" {
		http.NotFound(w, r)
		return
	}
	ws, err := (&websocket.Upgrader{}).Upgrade(w, r, nil)
	if err != nil {
		return
	}
	sess, err := yamux.Server(newWSConn(ws), muxConfig())
	check(err)
	ps.mu.Lock()
	ps.sessions[id] = append(ps.sessions[id], sess)
	ps.mu.Unlock()
	fmt.Println("upstream connected", id)
	for {
		// Upstreams never open streams; Accept returns when the session ends.
		if _, err := sess.Accept(); err != nil {
			break
		}
	}
	ps.mu.Lock()
	list := ps.sessions[id]
	for i, s := range list {
		if s == sess {
			ps.sessions[id] = append(list[:i], list[i+1:]...)
			break
		}
	}
	ps.mu.Unlock()
	fmt.Println("upstream disconnected", id)
}

func (ps *pikoServer) proxy(w http.ResponseWriter, r *http.Request) {
	id := r.Header.Get("x-piko-endpoint")
	if id == "" {
		id = strings.Split(strings.Split(r.Host, ":")[0], ".")[0]
	}
	ps.mu.Lock()
	var sess *yamux.Session
	if list := ps.sessions[id]; len(list) > 0 {
		sess = list[len(list)-1]
	}
	ps.mu.Unlock()
	if sess == nil {
		writeError(w, http.StatusBadGateway, "no available upstreams")
		return
	}
	rp := &httputil.ReverseProxy{
		Director: func(req *http.Request) {
			req.URL.Scheme = "http"
			req.URL.Host = id
		},
		Transport: &http.Transport{
			Dial:              func(string, string) (net.Conn, error) { return sess.Open() },
			DisableKeepAlives: true,
		},
		ErrorHandler: func(w http.ResponseWriter, _ *http.Request, err error) {
			fmt.Fprintln(os.Stderr, "proxy:", err)
			writeError(w, http.StatusBadGateway, "upstream unreachable")
		},
	}
	rp.ServeHTTP(w, r)
}

func writeError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprintf(w, "{\"error\":%q}\n", msg)
}

// ---- WebSocket as net.Conn (as Go Piko's pkg/websocket.Conn) ------------------------------

type wsConn struct {
	*websocket.Conn
	reader io.Reader
	wmu    sync.Mutex
}

func newWSConn(ws *websocket.Conn) *wsConn { return &wsConn{Conn: ws} }

func (c *wsConn) Read(b []byte) (int, error) {
	for {
		if c.reader == nil {
			mt, r, err := c.Conn.NextReader()
			if err != nil {
				var closeErr *websocket.CloseError
				if errors.As(err, &closeErr) {
					return 0, net.ErrClosed
				}
				return 0, err
			}
			if mt != websocket.BinaryMessage {
				return 0, fmt.Errorf("unexpected message type: %d", mt)
			}
			c.reader = r
		}
		n, err := c.reader.Read(b)
		if n > 0 {
			if err != nil {
				c.reader = nil
				if err == io.EOF {
					err = nil
				}
			}
			return n, err
		}
		if err != io.EOF {
			return 0, err
		}
		c.reader = nil
	}
}

func (c *wsConn) Write(b []byte) (int, error) {
	// yamux writes from one goroutine, but keep gorilla's one-writer rule explicit.
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if err := c.Conn.WriteMessage(websocket.BinaryMessage, b); err != nil {
		return 0, err
	}
	return len(b), nil
}

func (c *wsConn) SetDeadline(t time.Time) error {
	if err := c.Conn.SetReadDeadline(t); err != nil {
		return err
	}
	return c.Conn.SetWriteDeadline(t)
}

// ---- helpers ------------------------------------------------------------------------------

func check(err error) {
	if err != nil {
		fail(err.Error())
	}
}

func fail(msg string) {
	fmt.Println("FAIL", msg)
	os.Exit(1)
}
