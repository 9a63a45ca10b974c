import { ConfigError } from './config-error';

// Go's time.ParseDuration units, in milliseconds: config files written for Go Piko must parse here.
const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  'µs': 1e-3,
  'μs': 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/**
 * The longest delay Node's timers accept: setTimeout/setInterval store the delay as a signed
 * 32-bit millisecond count and treat anything larger as 1 ms (with a TimeoutOverflowWarning), so
 * `timeout: 720h` would fire after 1 ms (every request a 504) and a 720h keepalive would ping in
 * a loop. Every duration option is validated against it (option.decorators.ts).
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

// µs (U+00B5 micro sign) and μs (U+03BC Greek mu), as Go's time.ParseDuration, written as escapes:
// one non-ASCII character makes V8 hold the whole bundle's source as two-byte text (2 MB, not 1).
const PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|\u00b5s|\u03bcs|ms|s|m|h)/y;

/**
 * Parses a Go-style duration ("30s", "1m30s", "500ms", "1.5h", "0") into milliseconds.
 * Returns undefined when the text is not a duration; `parseDuration` throws instead.
 */
export function tryParseDuration(text: string): number | undefined {
  let s = text.trim();
  let sign = 1;
  if (s.startsWith('-') || s.startsWith('+')) {
    sign = s.startsWith('-') ? -1 : 1;
    s = s.slice(1);
  }
  if (s === '0') return 0;
  if (s === '') return undefined;
  let total = 0;
  PART.lastIndex = 0;
  while (PART.lastIndex < s.length) {
    const match = PART.exec(s);
    if (!match) return undefined;
    total += Number(match[1]) * UNIT_MS[match[2]];
  }
  return sign * total;
}

/** Parses a Go-style duration into milliseconds; throws ConfigError if it is not one. */
export function parseDuration(text: string): number {
  const ms = tryParseDuration(text);
  if (ms === undefined) throw new ConfigError([`invalid duration ${JSON.stringify(text)} (want e.g. 30s, 1m, 500ms, 1h)`]);
  return ms;
}

/** Formats milliseconds compactly in Go's notation: 90000 -> "1m30s", 300000 -> "5m", 500 -> "500ms". */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  if (ms < 0) return `-${formatDuration(-ms)}`;
  if (ms < 1000) return ms >= 1 ? `${trimFloat(ms)}ms` : `${trimFloat(ms * 1000)}us`;
  let rest = ms;
  let out = '';
  const h = Math.floor(rest / 3_600_000);
  rest -= h * 3_600_000;
  const m = Math.floor(rest / 60_000);
  rest -= m * 60_000;
  if (h) out += `${h}h`;
  if (m) out += `${m}m`;
  if (rest) out += `${trimFloat(rest / 1000)}s`;
  return out;
}

function trimFloat(n: number): string {
  return String(Number(n.toFixed(6)));
}
