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

/** Bounded in-process LRU: memory is bounded by `max` entries, whatever the number of tokens seen. */
export class MemoryTokenCache implements TokenCache {
  private readonly lru: LRUCache<string, AccessInfo>;

  constructor(max: number) {
    this.lru = new LRUCache<string, AccessInfo>({ max: Math.max(1, max), ttlAutopurge: false, allowStale: false });
  }

  get size(): number {
    return this.lru.size;
  }

  async get(token: string): Promise<AccessInfo | undefined> {
    return this.lru.get(sha256Hex(token));
  }

  async set(token: string, access: AccessInfo, ttlMs: number): Promise<void> {
    if (ttlMs > 0) this.lru.set(sha256Hex(token), access, { ttl: Math.ceil(ttlMs) });
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
  now?: () => number;
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
