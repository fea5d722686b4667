// Where validated tokens are remembered. The interface takes the raw token so each backend derives its
// own key: the in-process LRU uses sha256(token); a shared memcached derives HMAC keys like
// keystonemiddleware. A raw token is never stored as a key.
import { LRUCache } from 'lru-cache';
import { sha256Hex } from '../common/redact.js';
import type { AccessInfo } from '../keystoneauth/access-info.js';

export interface TokenCache {
  get(token: string): Promise<AccessInfo | undefined>;
  /** Remember a validated token for ttlMs (callers never pass more than the time to expiry). */
  set(token: string, access: AccessInfo, ttlMs: number): Promise<void>;
  close?(): Promise<void>;
}

export interface MemoryTokenCacheOptions {
  /** Most tokens held (token_cache_size). */
  maxEntries: number;
  /** Most estimated heap bytes held (token_cache_memory_mb); subjects and catalogs count once however shared. */
  maxBytes: number;
  /** The clock entry lifetimes run on (tests inject the one the validator uses); performance.now by default. */
  now?: (() => number) | undefined;
}

/**
 * Bounded in-process LRU, in entries and in bytes: whatever the tokens seen and whatever their catalogs, it
 * holds at most maxEntries tokens and about maxBytes of heap. A token's subject and catalog are shared with
 * the other tokens that carry the same ones (AccessSharing), so they are counted once, while some entry
 * still refers to them; the least recently used tokens go first when either bound is reached.
 */
export class MemoryTokenCache implements TokenCache {
  private readonly lru: LRUCache<string, AccessInfo>;
  private readonly maxBytes: number;
  private heldBytes = 0;
  /** How many cached entries refer to each shared part (subject or catalog). */
  private readonly holders = new Map<object, number>();

  constructor({ maxEntries, maxBytes, now }: MemoryTokenCacheOptions) {
    this.maxBytes = maxBytes;
    this.lru = new LRUCache<string, AccessInfo>({
      max: Math.max(1, maxEntries),
      ttlAutopurge: false,
      allowStale: false,
      // An injected clock is read on every check (lru-cache otherwise reuses a reading for 1 ms).
      ...(now ? { perf: { now }, ttlResolution: 0 } : {}),
      // Every way out of the cache (eviction, expiry, replacement) gives back the entry's bytes.
      dispose: (access) => this.release(access),
    });
  }

  get size(): number {
    return this.lru.size;
  }

  /** Estimated heap bytes held: the entries' own parts plus each shared part once. */
  get bytes(): number {
    return this.heldBytes;
  }

  async get(token: string): Promise<AccessInfo | undefined> {
    return this.lru.get(sha256Hex(token));
  }

  async set(token: string, access: AccessInfo, ttlMs: number): Promise<void> {
    if (ttlMs <= 0) return;
    // A token that could not fit even alone is not kept, and costs the others nothing.
    if (this.bytesAlone(access) > this.maxBytes) return;
    const key = sha256Hex(token);
    // Setting the entry it already holds only renews the TTL (lru-cache disposes nothing then).
    const renewal = this.lru.peek(key, { allowStale: true }) === access;
    this.lru.set(key, access, { ttl: Math.ceil(ttlMs) });
    if (!renewal) this.hold(access);
    // Least recently used first, until it fits.
    while (this.heldBytes > this.maxBytes && this.lru.size > 1) this.lru.pop();
  }

  private bytesAlone(access: AccessInfo): number {
    return access.ownBytes + access.subject.approxBytes + access.catalog.approxBytes;
  }

  private hold(access: AccessInfo): void {
    this.heldBytes += access.ownBytes;
    for (const part of [access.subject, access.catalog]) {
      const count = this.holders.get(part) ?? 0;
      if (count === 0) this.heldBytes += part.approxBytes;
      this.holders.set(part, count + 1);
    }
  }

  private release(access: AccessInfo): void {
    this.heldBytes -= access.ownBytes;
    for (const part of [access.subject, access.catalog]) {
      const count = (this.holders.get(part) ?? 1) - 1;
      if (count > 0) {
        this.holders.set(part, count);
      } else {
        this.holders.delete(part);
        this.heldBytes -= part.approxBytes;
      }
    }
  }
}

/** token_cache_time = 0 or token_cache_size = 0: every request asks Keystone. */
export class NoTokenCache implements TokenCache {
  async get(): Promise<undefined> {
    return undefined;
  }
  async set(): Promise<void> {}
}

export interface InvalidTokenCacheOptions {
  /** invalid_token_cache_time in ms; 0 disables it. */
  ttlMs: number;
  /** Most rejected tokens remembered (LRU). */
  max: number;
  /** Clock in ms (tests inject one). */
  now?: (() => number) | undefined;
}

/**
 * Tokens Keystone definitively rejected (404) a moment ago, so a replayed bad token costs one Keystone call
 * per TTL instead of one per request. Keys are built by the validator from sha256(token) and the
 * allow_expired flag; only a "no" is remembered, never a "yes", and never a failure to get an answer.
 */
export class InvalidTokenCache {
  private readonly lru: LRUCache<string, true> | undefined;

  constructor(options: InvalidTokenCacheOptions) {
    if (options.ttlMs <= 0 || options.max <= 0) return;
    const now = options.now;
    this.lru = new LRUCache<string, true>({
      max: options.max,
      ttl: Math.ceil(options.ttlMs),
      ttlResolution: 0,
      ttlAutopurge: false,
      ...(now ? { perf: { now } } : {}),
    });
  }

  has(key: string): boolean {
    return this.lru?.get(key) === true;
  }

  add(key: string): void {
    this.lru?.set(key, true);
  }
}
