export type LifecycleState = 'starting' | 'ready' | 'shutting_down';

export interface CheckResult {
  ok: boolean;
  detail?: string;
}

export interface CheckOptions {
  /**
   * Whether a failing check makes the process not ready. Off by default: Piko degrades rather
   * than fails when Redis or NATS is down, so their state is reported without taking the pod
   * out of its Service.
   */
  critical?: boolean;
}

export interface ReadinessReport {
  ready: boolean;
  state: LifecycleState;
  checks: Record<string, CheckResult>;
}

interface Check {
  run: () => CheckResult;
  critical: boolean;
}

/**
 * The state behind GET /ready: not ready while starting, ready once every part is up, not
 * ready again from the start of shutdown (so the load balancer stops sending traffic while
 * in-flight work drains), plus named dependency checks reported in the body.
 */
export class Readiness {
  private state: LifecycleState = 'starting';
  private readonly checks = new Map<string, Check>();

  markStarting(): void {
    this.state = 'starting';
  }

  markReady(): void {
    // Shutdown is final: a late markReady from a start-up path must not undo it.
    if (this.state !== 'shutting_down') this.state = 'ready';
  }

  markShuttingDown(): void {
    this.state = 'shutting_down';
  }

  get lifecycle(): LifecycleState {
    return this.state;
  }

  get isReady(): boolean {
    return this.report().ready;
  }

  setCheck(name: string, run: () => CheckResult, options: CheckOptions = {}): void {
    this.checks.set(name, { run, critical: options.critical ?? false });
  }

  removeCheck(name: string): void {
    this.checks.delete(name);
  }

  report(): ReadinessReport {
    const checks: Record<string, CheckResult> = {};
    let criticalOk = true;
    for (const [name, check] of this.checks) {
      const result = runCheck(check.run);
      checks[name] = result;
      if (check.critical && !result.ok) criticalOk = false;
    }
    return { ready: this.state === 'ready' && criticalOk, state: this.state, checks };
  }
}

// A check that throws is reported as failed, with its error, rather than breaking /ready.
function runCheck(run: () => CheckResult): CheckResult {
  try {
    const result = run();
    return result.detail === undefined ? { ok: result.ok } : { ok: result.ok, detail: result.detail };
  } catch (err) {
    return { ok: false, detail: `check failed: ${err instanceof Error ? err.message : String(err)}` };
  }
}
