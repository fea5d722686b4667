// Readiness: fails while shutting down, or when a critical check fails. Non-critical checks (Keystone) are
// reported but never take the replica out of the load balancer: a clear 503 from us beats a connection error.
export interface CheckResult {
  ok: boolean;
  detail?: string;
}

export type Check = () => Promise<CheckResult>;

export interface ReadinessReport {
  status: 'ready' | 'not_ready' | 'shutting_down';
  checks: Record<string, CheckResult & { critical: boolean }>;
}

export class Readiness {
  private shuttingDown = false;
  private readonly checks = new Map<string, { check: Check; critical: boolean }>();

  constructor(private readonly checkTimeoutMs = 2000) {}

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
      [...this.checks].map(
        async ([name, { check, critical }]) => [name, { ...(await this.run(check)), critical }] as const,
      ),
    );
    const checks = Object.fromEntries(entries);
    if (this.shuttingDown) return { status: 'shutting_down', checks };
    const failed = entries.some(([, r]) => r.critical && !r.ok);
    return { status: failed ? 'not_ready' : 'ready', checks };
  }

  private async run(check: Check): Promise<CheckResult> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<CheckResult>((resolve) => {
      timer = setTimeout(
        () => resolve({ ok: false, detail: `no answer within ${this.checkTimeoutMs} ms` }),
        this.checkTimeoutMs,
      );
    });
    try {
      return await Promise.race([
        check().catch((err: unknown) => ({ ok: false, detail: (err as Error).message })),
        timeout,
      ]);
    } finally {
      clearTimeout(timer);
    }
  }
}
