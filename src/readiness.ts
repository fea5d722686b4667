// Readiness: fails while shutting down, or when a critical check fails. Non-critical checks (Keystone) are
// reported but never take the replica out of the load balancer: a clear 503 from us beats a connection error.
// Anyone who reaches the port can read /readyz, so it says only "available" or "unavailable" per check; why
// a check fails (URLs, error codes, upstream statuses) goes to the log, once per change, not on every probe.
import type { Logger } from './common/logger.js';
import { UpstreamError } from './keystoneauth/errors.js';

export interface CheckResult {
  ok: boolean;
  /** Why it failed, for the log only: never shown to callers. */
  reason?: string;
}

/** A check passes, returns `{ ok: false, reason }` or throws; a throw's message is the reason. */
export type Check = () => Promise<CheckResult>;

/** What /readyz shows of one check. */
export interface CheckReport {
  ok: boolean;
  detail: 'available' | 'unavailable';
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
  fields: Record<string, unknown>;
}

function failureOf(err: unknown): Failure {
  if (!(err instanceof UpstreamError))
    return { reason: (err as Error | undefined)?.message ?? String(err), fields: {} };
  const fields = { code: err.code, upstream_status: err.status, url: err.url, upstream_request_id: err.requestId };
  return { reason: err.message, fields };
}

export class Readiness {
  private shuttingDown = false;
  private readonly checks = new Map<string, { check: Check; critical: boolean }>();
  /** Each failing check's last reason; a passing (or not yet run) check has none. */
  private readonly failing = new Map<string, string>();
  private readonly checkTimeoutMs: number;

  constructor(private readonly options: ReadinessOptions) {
    this.checkTimeoutMs = options.checkTimeoutMs ?? 2000;
  }

  register(name: string, check: Check, { critical = true }: { critical?: boolean } = {}): void {
    this.checks.set(name, { check, critical });
  }

  markShuttingDown(): void {
    this.shuttingDown = true;
  }

  get isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  async report(): Promise<ReadinessReport> {
    const entries = await Promise.all(
      [...this.checks].map(async ([name, { check, critical }]) => {
        const ok = await this.run(name, check);
        return [name, { ok, detail: ok ? 'available' : 'unavailable', critical } satisfies CheckReport] as const;
      }),
    );
    const checks = Object.fromEntries(entries);
    if (this.shuttingDown) return { status: 'shutting_down', checks };
    const failed = entries.some(([, r]) => r.critical && !r.ok);
    return { status: failed ? 'not_ready' : 'ready', checks };
  }

  private async run(name: string, check: Check): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<Failure>((resolve) => {
      timer = setTimeout(
        () => resolve({ reason: `no answer within ${this.checkTimeoutMs} ms`, fields: {} }),
        this.checkTimeoutMs,
      );
    });
    const outcome = check().then(
      (r): Failure | undefined => (r.ok ? undefined : { reason: r.reason ?? 'failed', fields: {} }),
      failureOf,
    );
    try {
      const failure = await Promise.race([outcome, timeout]);
      this.note(name, failure);
      return failure === undefined;
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
    this.options.log.warn({ check: name, reason: failure.reason, ...failure.fields }, 'readiness check failing');
  }
}
