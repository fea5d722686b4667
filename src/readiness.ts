// Readiness: fails while shutting down, when a critical check fails, or when any check finds this replica
// misconfigured. A check that fails because a dependency is out (Keystone down, slow or answering 5xx) is
// reported but takes the replica out of the load balancer only if it is critical: an outage must not take
// every replica out (a clear 503 from us beats a connection error). A misconfiguration (Keystone refusing
// the service user's credentials) always does: it never ends on its own, and a rollout must stall on it.
// Anyone who reaches the port can read /readyz, so it says only "available", "unavailable" or
// "misconfigured" per check; why a check fails (URLs, error codes, upstream statuses) goes to the log, once
// per change, not on every probe.
import type { Logger } from './common/logger.js';
import { UpstreamError } from './keystoneauth/errors.js';

export interface CheckResult {
  ok: boolean;
  /** Why it failed, for the log only: never shown to callers. */
  reason?: string;
}

/** A check passes, returns `{ ok: false, reason }` or throws; a throw's message is the reason. */
export type Check = () => Promise<CheckResult>;

export interface CheckOptions {
  /** Whether the check being unavailable fails readiness (true when undefined). */
  critical?: boolean;
  /** Which of the check's errors mean this replica is misconfigured: those fail readiness, critical or not. */
  isMisconfiguration?: (err: unknown) => boolean;
}

/** What /readyz shows of one check. */
export interface CheckReport {
  ok: boolean;
  detail: 'available' | 'unavailable' | 'misconfigured';
  /** Whether it being unavailable fails readiness; being misconfigured always does. */
  critical: boolean;
}

export interface ReadinessReport {
  status: 'ready' | 'not_ready' | 'shutting_down';
  checks: Record<string, CheckReport>;
}

export interface ReadinessOptions {
  /** Where a check's failure, and its recovery, are logged. */
  log: Logger;
  /** A check that has not answered by then has failed (2000 when undefined). */
  checkTimeoutMs?: number | undefined;
}

/** A failed check's outcome: its reason, and for an upstream failure what the operator needs to find it. */
interface Failure {
  reason: string;
  detail: 'unavailable' | 'misconfigured';
  fields: Record<string, unknown>;
}

function failureOf(err: unknown, misconfigured: boolean): Failure {
  const detail = misconfigured ? 'misconfigured' : 'unavailable';
  if (!(err instanceof UpstreamError))
    return { reason: (err as Error | undefined)?.message ?? String(err), detail, fields: {} };
  const fields = { code: err.code, upstream_status: err.status, url: err.url, upstream_request_id: err.requestId };
  return { reason: err.message, detail, fields };
}

interface Registered {
  check: Check;
  critical: boolean;
  isMisconfiguration: (err: unknown) => boolean;
}

export class Readiness {
  private shuttingDown = false;
  private readonly checks = new Map<string, Registered>();
  /** Each failing check's last reason; a passing (or not yet run) check has none. */
  private readonly failing = new Map<string, string>();
  private readonly checkTimeoutMs: number;

  constructor(private readonly options: ReadinessOptions) {
    this.checkTimeoutMs = options.checkTimeoutMs ?? 2000;
  }

  register(name: string, check: Check, { critical = true, isMisconfiguration = () => false }: CheckOptions = {}): void {
    this.checks.set(name, { check, critical, isMisconfiguration });
  }

  markShuttingDown(): void {
    this.shuttingDown = true;
  }

  get isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  async report(): Promise<ReadinessReport> {
    const entries = await Promise.all(
      [...this.checks].map(async ([name, registered]) => {
        const failure = await this.run(name, registered);
        const ok = failure === undefined;
        const report: CheckReport = { ok, detail: failure?.detail ?? 'available', critical: registered.critical };
        return [name, report] as const;
      }),
    );
    const checks = Object.fromEntries(entries);
    if (this.shuttingDown) return { status: 'shutting_down', checks };
    const failed = entries.some(([, r]) => (r.critical && !r.ok) || r.detail === 'misconfigured');
    return { status: failed ? 'not_ready' : 'ready', checks };
  }

  private async run(name: string, { check, isMisconfiguration }: Registered): Promise<Failure | undefined> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<Failure>((resolve) => {
      timer = setTimeout(
        () => resolve({ reason: `no answer within ${this.checkTimeoutMs} ms`, detail: 'unavailable', fields: {} }),
        this.checkTimeoutMs,
      );
    });
    const outcome = check().then(
      (r): Failure | undefined =>
        r.ok ? undefined : { reason: r.reason ?? 'failed', detail: 'unavailable', fields: {} },
      (err: unknown) => failureOf(err, isMisconfiguration(err)),
    );
    try {
      const failure = await Promise.race([outcome, timeout]);
      this.note(name, failure);
      return failure;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Logs a check that starts failing, fails for another reason, or passes again; a probe that changes nothing is silent. */
  private note(name: string, failure: Failure | undefined): void {
    const before = this.failing.get(name);
    if (failure === undefined) {
      if (before === undefined) return;
      this.failing.delete(name);
      this.options.log.info({ check: name }, 'readiness check passes again');
      return;
    }
    if (before === failure.reason) return;
    this.failing.set(name, failure.reason);
    const fields = { check: name, detail: failure.detail, reason: failure.reason, ...failure.fields };
    // A misconfiguration takes the replica out until someone fixes it: an error, not a warning.
    if (failure.detail === 'misconfigured') this.options.log.error(fields, 'readiness check failing');
    else this.options.log.warn(fields, 'readiness check failing');
  }
}
