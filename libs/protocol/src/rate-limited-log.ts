/** The logging calls RateLimitedLog needs (ProtocolLogger and the observability Logger both fit). */
export interface LevelLogger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

export interface RateLimitedLogOptions {
  /** Lines of one message logged as they come before suppression starts. Default 5. */
  first?: number;
  /** While suppressing, one summary line per this many ms with the count held back. Default 10 000. */
  intervalMs?: number;
}

type Level = keyof LevelLogger;

interface MessageState {
  level: Level;
  /** Lines logged since the last quiet interval. */
  logged: number;
  /** Lines held back since the last summary. */
  suppressed: number;
  /** Fields of the last line held back: a summary shows what the flood looked like. */
  lastFields?: Record<string, unknown>;
  timer: NodeJS.Timeout | null;
}

/**
 * Keeps a message that a peer can trigger once per frame (a refused stream, a bad relay header)
 * from flooding the log: per message text, the first `first` lines go out as they come; after
 * that one summary per `intervalMs` says how many were held back
 * (`<msg> (N more suppressed)`, with the last held-back line's fields and `suppressed: N`). An interval
 * with nothing suppressed resets the message, so a later, separate burst is logged again.
 * Timers are unref'd; flush() writes a pending summary at once (call it when the owner closes).
 */
export class RateLimitedLog {
  private readonly first: number;
  private readonly intervalMs: number;
  private readonly messages = new Map<string, MessageState>();

  constructor(
    private readonly logger: LevelLogger,
    options: RateLimitedLogOptions = {},
  ) {
    this.first = options.first ?? 5;
    this.intervalMs = options.intervalMs ?? 10_000;
  }

  warn(msg: string, fields?: Record<string, unknown>): void {
    this.log('warn', msg, fields);
  }

  debug(msg: string, fields?: Record<string, unknown>): void {
    this.log('debug', msg, fields);
  }

  /** Writes every pending summary now and forgets all state (e.g. the session closed). */
  flush(): void {
    for (const [msg, state] of this.messages) {
      if (state.timer) clearTimeout(state.timer);
      this.summarise(msg, state);
    }
    this.messages.clear();
  }

  private log(level: Level, msg: string, fields?: Record<string, unknown>): void {
    let state = this.messages.get(msg);
    if (!state) {
      state = { level, logged: 0, suppressed: 0, timer: null };
      this.messages.set(msg, state);
    }
    if (state.logged < this.first) {
      state.logged++;
      this.logger[level](msg, fields);
      this.arm(msg, state);
      return;
    }
    state.suppressed++;
    state.lastFields = fields;
    this.arm(msg, state);
  }

  /** One timer per message and interval: it writes the summary, or forgets a quiet message. */
  private arm(msg: string, state: MessageState): void {
    if (state.timer) return;
    state.timer = setTimeout(() => {
      state.timer = null;
      if (state.suppressed === 0) {
        this.messages.delete(msg);
        return;
      }
      this.summarise(msg, state);
      this.arm(msg, state); // keep summarising while the flood lasts
    }, this.intervalMs);
    state.timer.unref();
  }

  private summarise(msg: string, state: MessageState): void {
    if (state.suppressed === 0) return;
    this.logger[state.level](`${msg} (${state.suppressed} more suppressed)`, {
      ...state.lastFields,
      suppressed: state.suppressed,
    });
    state.suppressed = 0;
    state.lastFields = undefined;
  }
}
