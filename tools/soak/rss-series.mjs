// Resident memory over time, per process incarnation (a restarted gateway is a new pid, so a new
// series), and the soak's verdict on it: growth between the first window after warm-up and the
// last window of the run, each window averaged so one GC cycle does not decide the figure.
import { readRss } from '../bench/lib/processes.mjs';

export class RssSeries {
  /** name -> { pid, startedAt, samples: [{ t, rss }] }[] (one entry per incarnation) */
  #series = new Map();
  #targets = new Map(); // name -> pid to sample now
  #timer = null;

  constructor(intervalMs) {
    this.intervalMs = intervalMs;
  }

  /** Samples `name` at `pid` from now on (a new pid starts a new incarnation). */
  track(name, pid) {
    this.#targets.set(name, pid);
    const list = this.#series.get(name) ?? [];
    list.push({ pid, startedAt: Date.now(), samples: [] });
    this.#series.set(name, list);
  }

  /** Stops sampling `name` (a process retired for good). */
  untrack(name) {
    this.#targets.delete(name);
  }

  start() {
    this.sample();
    this.#timer = setInterval(() => this.sample(), this.intervalMs);
    return this;
  }

  stop() {
    clearInterval(this.#timer);
    this.sample();
  }

  /** Every sample of every incarnation: [{ name, pid, startedAt, samples: [{ t, rss }] }]. */
  toJSON() {
    return [...this.#series].flatMap(([name, list]) => list.map((inc) => ({ name, ...inc })));
  }

  sample() {
    const t = Date.now();
    for (const [name, pid] of this.#targets) {
      const rss = readRss(pid);
      if (rss === null) continue;
      const list = this.#series.get(name);
      const current = list[list.length - 1];
      if (current.pid === pid) current.samples.push({ t, rss });
    }
  }

  /**
   * One row per incarnation: { name, pid, startedAt, baselineBytes, endBytes, peakBytes,
   * growthPct, note }. The baseline is the mean of the samples in [start + warmupMs,
   * start + warmupMs + windowMs); the end, the mean of the samples in the incarnation's last
   * windowMs. growthPct is null (with a note) when the incarnation was too short for both.
   */
  growth({ warmupMs, windowMs }) {
    const rows = [];
    for (const [name, list] of this.#series) {
      for (const inc of list) {
        const samples = inc.samples;
        const peakBytes = samples.reduce((m, s) => Math.max(m, s.rss), 0);
        const from = inc.startedAt + warmupMs;
        const base = samples.filter((s) => s.t >= from && s.t < from + windowMs);
        const lastT = samples.length ? samples[samples.length - 1].t : 0;
        const end = samples.filter((s) => s.t > lastT - windowMs && s.t >= from + windowMs);
        const mean = (xs) => xs.reduce((sum, s) => sum + s.rss, 0) / xs.length;
        if (base.length === 0 || end.length === 0) {
          rows.push({ name, pid: inc.pid, startedAt: inc.startedAt, peakBytes, growthPct: null, note: 'ran too briefly after warm-up to compare' });
          continue;
        }
        const baselineBytes = mean(base);
        const endBytes = mean(end);
        rows.push({ name, pid: inc.pid, startedAt: inc.startedAt, baselineBytes, endBytes, peakBytes, growthPct: ((endBytes - baselineBytes) / baselineBytes) * 100 });
      }
    }
    return rows;
  }
}
