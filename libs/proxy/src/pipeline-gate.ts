import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';

/** Node's HTTP server's own pause state on a client socket (see pauseReading). */
interface ServerSocket extends Socket {
  _paused?: boolean;
  parser?: { resume(): void } | null;
}

interface ConnectionState {
  /** A request of this connection is being handled (its response has not closed yet). */
  busy: boolean;
  /** Requests read while another was in progress, in arrival order. */
  queue: Array<() => void>;
  /** The gate holds reading paused while requests wait (see shareNodePauseFlag). */
  paused: boolean;
  /** Node's header timeout fired while the gate held reading (see excuseHeaderTimeout). */
  headerTimeoutExcused: boolean;
  /** The header timeout of our own that replaces it once reading resumes. */
  headerTimer?: NodeJS.Timeout;
}

/** What the gate reports when a connection pipelined more than `maxQueued` requests (then it is closed). */
export type PipelineOverflow = (socket: Duplex & { remoteAddress?: string }, queued: number) => void;

/**
 * Handles the requests of one client connection one at a time, as Go's net/http server does: a
 * pipelined request is not routed (no upstream stream opened, no auth check) until the response
 * before it has finished. Node's HTTP server instead hands over every request it parses at once,
 * so 5,000 GETs pipelined in one write became 5,000 concurrent upstream streams.
 *
 * While requests wait, the connection is not read from: the gate holds Node's own pause flag
 * for it (see shareNodePauseFlag; Node 20 `_http_server.js`: `parserOnIncoming`,
 * `onParserExecuteCommon`, `socketOnDrain`, `onSocketResume`), so Node's parser stops after the
 * chunk it is in. What waits is bounded by that one socket read (64 KiB: at most a few thousand
 * tiny requests, about 2 KB of heap each). Should more ever queue up, more than `maxQueued`
 * (`proxy.http.max_pipelined_requests`) closes the connection; the client retries what was not
 * answered (RFC 9112 §9.3.2). tests/system/hostile-load.test.ts pins this on the Node in use.
 *
 * Responses go out in order anyway: Node queues a pipelined response until the one before it ends.
 */
export class PipelineGate {
  private readonly connections = new WeakMap<Duplex, ConnectionState>();

  /**
   * `maxQueued`: `proxy.http.max_pipelined_requests`. `headerTimeoutMs`: `proxy.http.read_header_timeout`
   * (ms; 0 = none), restarted for a connection whose header timeout was excused.
   */
  constructor(
    private readonly maxQueued: number,
    private readonly headerTimeoutMs: number,
    private readonly onOverflow: PipelineOverflow,
  ) {}

  /**
   * Node's server times out a request head that is not complete within `headersTimeout`,
   * counting from the head's first byte. A pipelined head the gate has not let Node read on yet
   * is not late: the client sent it; the gate is holding it. Returns true (the caller ignores the
   * timeout) while the gate holds `socket`; the head then gets a full `headerTimeoutMs` again from
   * when reading resumes, after which the connection is closed unless a request arrived (Node
   * does not time the same head twice). False when the gate does not hold it: a real timeout.
   */
  excuseHeaderTimeout(socket: Duplex): boolean {
    const state = this.connections.get(socket);
    if (!state?.paused) return false;
    state.headerTimeoutExcused = true;
    return true;
  }

  /** Runs `handle` once every earlier request of `req`'s connection has had its response closed. */
  admitRequest(req: IncomingMessage, res: ServerResponse, handle: () => void): void {
    // The request's socket: a pipelined response has none until its turn to be written.
    const socket = req.socket;
    this.admit(socket, () => {
      // 'close' follows the end of the response, or the connection's loss.
      res.once('close', () => this.next(socket));
      handle();
    });
  }

  /**
   * Runs `handle` (an upgrade request, after which Node's parser leaves the connection) once the
   * requests before it on the connection are answered, so an upgrade's answer never goes out in
   * the middle of an earlier response. The connection is not held busy afterwards: if the upgrade
   * is declined and the connection goes back to the HTTP server, its next request is admitted.
   */
  admitUpgrade(socket: Duplex, handle: () => void): void {
    this.admit(socket, () => {
      this.next(socket);
      handle();
    });
  }

  private admit(socket: Duplex, run: () => void): void {
    let state = this.connections.get(socket);
    if (!state) {
      state = { busy: false, queue: [], paused: false, headerTimeoutExcused: false };
      this.connections.set(socket, state);
      shareNodePauseFlag(socket, state);
      const dropped = state;
      socket.once('close', () => {
        dropped.queue.length = 0;
        clearTimeout(dropped.headerTimer);
      });
    }
    // A request arrived: the head an excused timeout was about is complete.
    clearTimeout(state.headerTimer);
    if (!state.busy) {
      state.busy = true;
      return run();
    }
    state.queue.push(run);
    if (state.queue.length > this.maxQueued) {
      this.onOverflow(socket, state.queue.length);
      state.queue.length = 0;
      socket.destroy();
      return;
    }
    pauseReading(socket, state);
  }

  /** The connection's current request is over: start the next one, and read again once none waits. */
  private next(socket: Duplex): void {
    const state = this.connections.get(socket);
    if (!state) return;
    const run = state.queue.shift();
    if (state.queue.length === 0) {
      resumeReading(socket, state);
      if (state.headerTimeoutExcused && this.headerTimeoutMs > 0) {
        state.headerTimeoutExcused = false;
        state.headerTimer = setTimeout(() => socket.destroy(), this.headerTimeoutMs);
      }
    }
    if (!run) {
      state.busy = false;
      return;
    }
    run();
  }
}

/**
 * Makes the gate's pause a reason of its own in Node's pause flag (`socket._paused`), which Node's
 * server reads before it reads on: Node clears the flag each time a response writes
 * (`socketOnDrain`) and reading would resume with the next chunk of pipelined requests parsed.
 * With the flag true while the gate holds, Node's own resume paths (`onSocketResume`, the
 * request body's `readStart`) pause again at once, and its parser stays paused after each chunk.
 */
function shareNodePauseFlag(socket: Duplex, state: ConnectionState): void {
  const server = socket as ServerSocket;
  let nodePaused = server._paused ?? false;
  Object.defineProperty(server, '_paused', {
    configurable: true,
    enumerable: true,
    get: () => nodePaused || state.paused,
    set: (value: boolean) => {
      nodePaused = value;
    },
  });
}

/** Stops reading the client connection (see shareNodePauseFlag): Node's parser stops after the chunk it is in. */
function pauseReading(socket: Duplex, state: ConnectionState): void {
  if (state.paused || socket.destroyed) return;
  state.paused = true;
  socket.pause();
}

/** Undoes pauseReading, as Node's `socketOnDrain` does (the parser, then the socket), unless Node holds its own pause. */
function resumeReading(socket: Duplex, state: ConnectionState): void {
  if (!state.paused) return;
  state.paused = false;
  const server = socket as ServerSocket;
  if (server._paused || socket.destroyed) return;
  server.parser?.resume();
  socket.resume();
}
