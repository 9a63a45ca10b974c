import { randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import WebSocket from 'ws';

/**
 * What a stack test sends through proxy → gateway → agent, with real clients: an HTTP request
 * (its echo compared with the same request sent straight to the service), a WebSocket message
 * echoed by the service, and bytes over the raw TCP route (`/_piko/v1/tcp/<endpoint>`, as
 * `piko forward` carries them) echoed by a TcpTestService in `echo` mode.
 */
export interface StackTraffic {
  /** The proxy's echo of GET /probe?… vs the direct one (method, url, body; headers differ by the forwarding ones). */
  http: { tunnelled: EchoBody; direct: EchoBody };
  /** The text the WebSocket got back. */
  webSocket: string;
  /** The bytes the TCP route echoed, as hex. */
  tcp: string;
}

export interface EchoBody {
  name: string;
  method: string;
  url: string;
  body: string;
}

/** The endpoints and services one pass of traffic uses. */
export interface StackTargets {
  /** http://127.0.0.1:<proxy port> */
  proxyUrl: string;
  /** An HTTP endpoint served by an UpstreamService (echo, WebSocket echo). */
  httpEndpoint: string;
  /** http://127.0.0.1:<port> of that UpstreamService, for the direct comparison. */
  directUrl: string;
  /** A TCP endpoint served by a TcpTestService. */
  tcpEndpoint: string;
  /** For an https:// proxyUrl: the CA (PEM) to trust and the name its certificate carries. */
  tls?: { ca: string; servername: string };
}

/** Sends one HTTP request, one WebSocket message and one TCP exchange; throws on any failure. */
export async function sendStackTraffic(t: StackTargets): Promise<{ sent: { ws: string; tcp: string }; got: StackTraffic }> {
  const path = `/probe?n=${randomBytes(4).toString('hex')}`;
  const post = async (base: string, headers: Record<string, string>, tls?: StackTargets['tls']): Promise<EchoBody> => {
    const { status, text } = await postText(`${base}${path}`, 'hello through piko', headers, tls);
    if (status !== 200) throw new Error(`POST ${base}${path}: ${status} ${text}`);
    const { name, method, url, body } = JSON.parse(text) as EchoBody;
    return { name, method, url, body };
  };
  const tunnelled = await post(t.proxyUrl, { 'x-piko-endpoint': t.httpEndpoint }, t.tls);
  const direct = await post(t.directUrl, {});
  const wsText = `ws-${randomBytes(6).toString('hex')}`;
  const webSocket = await echoOnce(`${t.proxyUrl.replace(/^http/, 'ws')}/ws`, { 'x-piko-endpoint': t.httpEndpoint }, wsText, false, t.tls);
  const tcpBytes = randomBytes(32);
  const tcp = await echoOnce(`${t.proxyUrl.replace(/^http/, 'ws')}/_piko/v1/tcp/${t.tcpEndpoint}`, {}, Buffer.concat([Buffer.from('echo\n'), tcpBytes]), true, t.tls);
  return { sent: { ws: wsText, tcp: tcpBytes.toString('hex') }, got: { http: { tunnelled, direct }, webSocket, tcp } };
}

/**
 * Opens a WebSocket, sends `message`, and resolves with what comes back: text, or (binary) the
 * bytes as hex once as many as were sent after the mode line came back.
 */
function echoOnce(url: string, headers: Record<string, string>, message: string | Buffer, binary: boolean, tls?: StackTargets['tls']): Promise<string> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers, handshakeTimeout: 10_000, ...tls });
    const timer = setTimeout(() => fail(new Error(`${url}: no echo within 10 s`)), 10_000);
    let received = Buffer.alloc(0);
    const expected = binary ? (message as Buffer).length - 'echo\n'.length : 0;
    const fail = (err: Error) => {
      clearTimeout(timer);
      ws.terminate();
      reject(err);
    };
    ws.on('open', () => ws.send(message, { binary }));
    ws.on('unexpected-response', (_req, res) => fail(new Error(`${url}: upgrade refused with ${res.statusCode}`)));
    ws.on('error', fail);
    ws.on('message', (data: Buffer, isBinary) => {
      if (!binary) {
        clearTimeout(timer);
        ws.close();
        return resolve(isBinary ? data.toString('hex') : data.toString());
      }
      received = Buffer.concat([received, data]);
      if (received.length < expected) return;
      clearTimeout(timer);
      ws.close();
      resolve(received.toString('hex'));
    });
  });
}

/** POSTs `body` to `url` (http or https, trusting `tls.ca` for `tls.servername`); resolves with the status and body text. */
export function postText(url: string, body: string, headers: Record<string, string>, tls?: StackTargets['tls']): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const send = url.startsWith('https:') ? httpsRequest : httpRequest;
    const req = send(url, { method: 'POST', headers: { ...headers, 'content-length': Buffer.byteLength(body) }, timeout: 10_000, ...tls }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${url}: no response within 10 s`)));
    req.on('error', reject);
    req.end(body);
  });
}
