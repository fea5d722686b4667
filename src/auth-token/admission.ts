// Admission control for token validations (beyond keystonemiddleware, which sends every uncached token to
// Keystone at once). At most `maxInflight` validations run, at most `maxInflightPerClient` of them for one
// client; the rest wait in one queue per client. Queues are bounded per client and in total, and a wait is
// bounded in time: a request that cannot be admitted is shed at once (the caller answers 503 + Retry-After)
// and never reaches Keystone.
//
// Which client goes next when a slot frees: the one with the fewest validations outstanding (waiting or in
// flight), then the one served least recently (never, or not remembered, counts as longest ago), then the one
// that came first. A user with one new token therefore takes the next free slot however many addresses a
// flood comes from: flooding clients all have more outstanding, and a flood that keeps one request per
// address counts as that many users, each served once before any is served again. Round-robin alone would
// put a newcomer behind every flooding address (50 of them, 16 slots, 1 s validations: ~3 s).
//
// When the total queue is full, the newest waiter of the longest queue is shed to make room, not the
// newcomer (unless the newcomer's own queue is as long). The newest rather than the oldest: it has waited
// least, its client's older requests keep their turn, and the outcome is what that client would have had
// with a shorter queue of its own.
import { LRUCache } from 'lru-cache';
import { IndexedHeap } from '../common/indexed-heap.js';
import { ValidationOverloadedError, type OverloadReason } from './errors.js';

/** Cancels a pending timer. */
type Cancel = () => void;

export interface AdmissionOptions {
  /** Validations in flight to Keystone at once (validation_concurrency). */
  maxInflight: number;
  /** Validations in flight for one client (validation_concurrency_per_client); none or >= maxInflight: no cap. */
  maxInflightPerClient?: number;
  /** Validations one client may have waiting (validation_queue_per_client). */
  maxQueuedPerClient: number;
  /** Validations waiting in all (validation_queue_size). */
  maxQueued: number;
  /** Longest wait for a turn, in ms (validation_queue_timeout). */
  maxWaitMs: number;
  /** Idle clients whose last turn is remembered (oldest forgotten first); 4096 by default. */
  rememberedClients?: number;
  /** Injected in tests; defaults to an unref'd setTimeout. */
  setTimer?: (fn: () => void, ms: number) => Cancel;
}

interface Waiter {
  client: Client;
  admit: () => void;
  shed: (err: ValidationOverloadedError) => void;
  cancelTimer: Cancel;
}

/** A client with validations waiting or in flight. */
interface Client {
  key: string;
  /** Oldest first. */
  waiting: Waiter[];
  inflight: number;
  /** Turn number of its last admission; 0: never, or not remembered. */
  lastServed: number;
  /** Turn number when it became active: first come, first served among equals. */
  since: number;
}

export interface AdmissionStats {
  inflight: number;
  queued: number;
  /** Clients with validations waiting. */
  clients: number;
}

function defaultTimer(fn: () => void, ms: number): Cancel {
  const t = setTimeout(fn, ms);
  t.unref();
  return () => clearTimeout(t);
}

const outstanding = (c: Client) => c.inflight + c.waiting.length;

/** Who is admitted first (see the top of the file). */
function servedFirst(a: Client, b: Client): boolean {
  if (outstanding(a) !== outstanding(b)) return outstanding(a) < outstanding(b);
  if (a.lastServed !== b.lastServed) return a.lastServed < b.lastServed;
  return a.since < b.since;
}

/** Who gives up a waiter when the total queue is full: the longest queue; among equals, the one served last. */
function shedFirst(a: Client, b: Client): boolean {
  if (a.waiting.length !== b.waiting.length) return a.waiting.length > b.waiting.length;
  if (a.lastServed !== b.lastServed) return a.lastServed > b.lastServed;
  return a.since > b.since;
}

export class AdmissionControl {
  private inflight = 0;
  private queued = 0;
  /** Counts admissions and activations: the turn numbers in Client. */
  private turn = 0;
  /** Clients with validations waiting or in flight: at most maxQueued + maxInflight. */
  private readonly active = new Map<string, Client>();
  /**
   * lastServed of clients seen lately, so a client that comes back does not count as new; the least recently
   * retired is forgotten first. An entry stays while its client is active again (retire() overwrites it).
   */
  private readonly idle: LRUCache<string, number> | undefined;
  /** Waiting clients under their in-flight cap. Non-empty only while every slot is taken. */
  private readonly ready = new IndexedHeap<Client>(servedFirst);
  /** Waiting clients, the longest queue on top. */
  private readonly longest = new IndexedHeap<Client>(shedFirst);
  private readonly setTimer: (fn: () => void, ms: number) => Cancel;
  private readonly perClient: number;

  constructor(private readonly options: AdmissionOptions) {
    if (options.maxInflight < 1) throw new RangeError('maxInflight must be at least 1');
    this.perClient = options.maxInflightPerClient ?? options.maxInflight;
    if (this.perClient < 1) throw new RangeError('maxInflightPerClient must be at least 1');
    this.setTimer = options.setTimer ?? defaultTimer;
    const remembered = options.rememberedClients ?? 4096;
    this.idle = remembered > 0 ? new LRUCache({ max: remembered }) : undefined;
  }

  get stats(): AdmissionStats {
    return { inflight: this.inflight, queued: this.queued, clients: this.longest.size };
  }

  /** Run `task` once admitted; throws ValidationOverloadedError without running it when it cannot be. */
  async run<T>(client: string, task: () => Promise<T>): Promise<T> {
    const admitted = await this.acquire(client);
    try {
      return await task();
    } finally {
      this.release(admitted);
    }
  }

  private acquire(key: string): Promise<Client> {
    const o = this.options;
    const known = this.active.get(key);
    // Nobody else may go and a slot is free: go (no queue work; `ready` is empty whenever a slot is free).
    if (this.ready.size === 0 && this.inflight < o.maxInflight && (known?.inflight ?? 0) < this.perClient) {
      const client = known ?? this.activate(key);
      this.start(client);
      return Promise.resolve(client);
    }
    const waiting = known?.waiting.length ?? 0;
    const reason: OverloadReason | undefined =
      waiting >= o.maxQueuedPerClient
        ? 'client_queue_full'
        : this.queued >= o.maxQueued && !this.shedLongerThan(waiting)
          ? 'queue_full'
          : undefined;
    if (reason) return Promise.reject(new ValidationOverloadedError(reason));
    // Not the client shedLongerThan may have retired: that one had a longer queue.
    const client = known ?? this.activate(key);
    return new Promise<Client>((resolve, reject) => {
      const waiter: Waiter = {
        client,
        admit: () => resolve(client),
        shed: reject,
        cancelTimer: this.setTimer(() => this.expire(waiter), o.maxWaitMs),
      };
      client.waiting.push(waiter);
      this.queued++;
      this.update(client);
    });
  }

  /** Make room by shedding the newest waiter of the longest queue, if it is longer than `waiting`. */
  private shedLongerThan(waiting: number): boolean {
    const victim = this.longest.peek();
    if (victim === undefined || victim.waiting.length <= waiting) return false;
    const waiter = victim.waiting.pop()!;
    this.queued--;
    waiter.cancelTimer();
    this.update(victim);
    waiter.shed(new ValidationOverloadedError('queue_full'));
    return true;
  }

  private release(client: Client): void {
    this.inflight--;
    client.inflight--;
    this.update(client);
    this.dispatch();
  }

  /** Hand free slots to waiting clients, in servedFirst order. */
  private dispatch(): void {
    while (this.inflight < this.options.maxInflight) {
      const client = this.ready.peek();
      if (client === undefined) return;
      const waiter = client.waiting.shift()!;
      this.queued--;
      waiter.cancelTimer();
      this.start(client);
      this.update(client);
      waiter.admit();
    }
  }

  private start(client: Client): void {
    this.inflight++;
    client.inflight++;
    client.lastServed = ++this.turn;
  }

  private expire(waiter: Waiter): void {
    const client = waiter.client;
    const at = client.waiting.indexOf(waiter);
    if (at < 0) return; // already admitted or shed
    client.waiting.splice(at, 1);
    this.queued--;
    this.update(client);
    waiter.shed(new ValidationOverloadedError('wait_timeout'));
  }

  private activate(key: string): Client {
    const client: Client = { key, waiting: [], inflight: 0, lastServed: this.idle?.get(key) ?? 0, since: ++this.turn };
    this.active.set(key, client);
    return client;
  }

  /** Put a client where its counts now say: in or out of the heaps, active or remembered. */
  private update(client: Client): void {
    if (client.waiting.length === 0) {
      this.longest.delete(client);
      this.ready.delete(client);
      if (client.inflight === 0) this.retire(client);
      return;
    }
    this.longest.set(client);
    if (client.inflight < this.perClient) this.ready.set(client);
    else this.ready.delete(client);
  }

  private retire(client: Client): void {
    this.active.delete(client.key);
    if (client.lastServed > 0) this.idle?.set(client.key, client.lastServed);
  }
}
