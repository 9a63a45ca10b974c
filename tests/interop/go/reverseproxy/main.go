// The reference for the proxy's request hygiene: Go's net/http server in front of
// httputil.ReverseProxy, set up as Go Piko's server/proxy/httpproxy.go sets it up (the Director
// only points the URL at the upstream; Host, the path and X-Forwarded-For are ReverseProxy's).
// Standard library only. Prints "listening <port>" once it accepts connections.
//
//	reverseproxy -target 127.0.0.1:8080
package main

import (
	"flag"
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"os"
)

func main() {
	target := flag.String("target", "", "host:port of the service")
	flag.Parse()

	proxy := &httputil.ReverseProxy{
		Director: func(req *http.Request) {
			req.URL.Scheme = "http"
			req.URL.Host = *target
		},
		Transport: &http.Transport{DisableKeepAlives: true},
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("listening %d\n", ln.Addr().(*net.TCPAddr).Port)
	if err := http.Serve(ln, proxy); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
