// Admission control for token validations (beyond keystonemiddleware, which sends every uncached token to
// Keystone at once). At most `maxInflight` validations run; the rest wait in one queue per client, served
// round-robin, so one client's flood of garbage tokens delays another client by at most one turn. Queues are
// bounded per client and in total, and a wait is bounded in time: a request that cannot be admitted is shed
// at once (the caller answers 503 + Retry-After) and never reaches Keystone.
import { ValidationOverloadedError, type OverloadReason } from './errors.js';

/** Cancels a pending timer. */
type Cancel = () => void;

export interface AdmissionOptions {
  /** Validations in flight to Keystone at once (validation_concurrency). */
  maxInflight: number;
  /** Validations one client may have waiting (validation_queue_per_client). */
  maxQueuedPerClient: number;
  /** Validations waiting in all (validation_queue_size). */
  maxQueued: number;
  /** Longest wait for a turn, in ms (validation_queue_timeout). */
  maxWaitMs: number;
  /** Injected in tests; defaults to an unref'd setTimeout. */
  setTimer?: (fn: () => void, ms: number) => Cancel;
}

interface Waiter {
  client: string;
  admit: () => void;
  shed: (err: ValidationOverloadedError) => void;
  cancelTimer: Cancel;
}

export interface AdmissionStats {
  inflight: number;
  queued: number;
  clients: number;
}

function defaultTimer(fn: () => void, ms: number): Cancel {
  const t = setTimeout(fn, ms);
  t.unref();
  return () => clearTimeout(t);
}

export class AdmissionControl {
  private inflight = 0;
  private queued = 0;
  // Insertion order is the round-robin order: a served client moves to the back.
  private readonly queues = new Map<string, Waiter[]>();
  private readonly setTimer: (fn: () => void, ms: number) => Cancel;

  constructor(private readonly options: AdmissionOptions) {
    if (options.maxInflight < 1) throw new RangeError('maxInflight must be at least 1');
    this.setTimer = options.setTimer ?? defaultTimer;
  }

  get stats(): AdmissionStats {
    return { inflight: this.inflight, queued: this.queued, clients: this.queues.size };
  }

  /** Run `task` once admitted; throws ValidationOverloadedError without running it when it cannot be. */
  async run<T>(client: string, task: () => Promise<T>): Promise<T> {
    await this.acquire(client);
    try {
      return await task();
    } finally {
      this.inflight--;
      this.dispatch();
    }
  }

  private acquire(client: string): Promise<void> {
    // Nobody waiting and a free slot: go (the common case costs no promise juggling beyond this one).
    if (this.queued === 0 && this.inflight < this.options.maxInflight) {
      this.inflight++;
      return Promise.resolve();
    }
    const queue = this.queues.get(client);
    const reason: OverloadReason | undefined =
      this.queued >= this.options.maxQueued
        ? 'queue_full'
        : (queue?.length ?? 0) >= this.options.maxQueuedPerClient
          ? 'client_queue_full'
          : undefined;
    if (reason) return Promise.reject(new ValidationOverloadedError(reason));
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        client,
        admit: resolve,
        shed: reject,
        cancelTimer: this.setTimer(() => this.expire(waiter), this.options.maxWaitMs),
      };
      if (queue) queue.push(waiter);
      else this.queues.set(client, [waiter]);
      this.queued++;
    });
  }

  /** Hand free slots to waiting clients, one waiter per client per turn. */
  private dispatch(): void {
    while (this.inflight < this.options.maxInflight && this.queued > 0) {
      const [client, queue] = this.queues.entries().next().value as [string, Waiter[]];
      const waiter = queue.shift()!;
      this.queues.delete(client);
      if (queue.length > 0) this.queues.set(client, queue);
      this.queued--;
      this.inflight++;
      waiter.cancelTimer();
      waiter.admit();
    }
  }

  private expire(waiter: Waiter): void {
    const queue = this.queues.get(waiter.client);
    const at = queue?.indexOf(waiter) ?? -1;
    if (!queue || at < 0) return; // already admitted
    queue.splice(at, 1);
    if (queue.length === 0) this.queues.delete(waiter.client);
    this.queued--;
    waiter.shed(new ValidationOverloadedError('wait_timeout'));
  }
}
