// The soak's client: GET requests at a fixed rate (open loop) spread over the proxies, every one
// accounted for. A request is "failed" when it ends with anything but a 200 and the whole body
// (an error status, a reset, a timeout). The set of requests in flight can be snapshotted, so the
// report can say which failures a gateway restart explains: those already in flight when the
// gateway was signalled.
import http from 'node:http';

const TICK_MS = 10;

/**
 * Starts sending at once; `stop()` stops sending and resolves when every request has ended.
 * Options: targets [{ port }] (proxies on 127.0.0.1, used round-robin), path, headers,
 * rate (requests per second), maxInFlight (beyond it a request is not sent but counted as shed:
 * the generator never queues, so a stall shows as shed requests, not as a growing backlog),
 * connectionsPerTarget (keep-alive sockets per proxy), timeoutMs (a request slower than this fails).
 */
export class LoadGenerator {
  #opts;
  #agents;
  #timer = null;
  #credit = 0;
  #last = 0;
  #next = 0;
  #seq = 0;
  #inFlight = new Map(); // id -> start time (ms since epoch)
  #idle = null;

  sent = 0;
  ok = 0;
  shed = 0;
  /** Every failure: { id, startedAt, endedAt, reason } (reason: "status 502" or an error code). */
  failures = [];

  constructor(opts) {
    this.#opts = { path: '/small', headers: {}, maxInFlight: 512, connectionsPerTarget: 32, timeoutMs: 30_000, ...opts };
    this.#agents = this.#opts.targets.map(() => new http.Agent({ keepAlive: true, maxSockets: this.#opts.connectionsPerTarget }));
  }

  start() {
    this.#last = performance.now();
    this.#timer = setInterval(() => this.#tick(), TICK_MS);
    return this;
  }

  /** The ids of the requests in flight now. */
  inFlightIds() {
    return new Set(this.#inFlight.keys());
  }

  get inFlight() {
    return this.#inFlight.size;
  }

  async stop() {
    clearInterval(this.#timer);
    if (this.#inFlight.size > 0) await new Promise((resolve) => (this.#idle = resolve));
    for (const agent of this.#agents) agent.destroy();
  }

  #tick() {
    const now = performance.now();
    this.#credit += ((now - this.#last) / 1000) * this.#opts.rate;
    this.#last = now;
    while (this.#credit >= 1) {
      this.#credit -= 1;
      if (this.#inFlight.size >= this.#opts.maxInFlight) this.shed++;
      else this.#send();
    }
  }

  #send() {
    const id = ++this.#seq;
    const index = this.#next++ % this.#opts.targets.length;
    const startedAt = Date.now();
    this.#inFlight.set(id, startedAt);
    this.sent++;
    let settled = false;
    const done = (reason) => {
      if (settled) return;
      settled = true;
      this.#inFlight.delete(id);
      if (reason === undefined) this.ok++;
      else this.failures.push({ id, startedAt, endedAt: Date.now(), reason });
      if (this.#inFlight.size === 0 && this.#idle) this.#idle();
    };
    const req = http.request(
      {
        host: '127.0.0.1',
        port: this.#opts.targets[index].port,
        path: this.#opts.path,
        headers: this.#opts.headers,
        agent: this.#agents[index],
        timeout: this.#opts.timeoutMs,
      },
      (res) => {
        res.resume();
        res.on('end', () => done(res.statusCode === 200 ? undefined : `status ${res.statusCode}`));
        res.on('error', (err) => done(err.code ?? err.message));
        res.on('aborted', () => done('aborted'));
      },
    );
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
    req.on('error', (err) => done(err.code ?? err.message));
    req.end();
  }
}
