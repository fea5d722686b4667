// The shared token cache for many replicas: memcached servers (consistent hashing), entries protected with
// memcache_security_strategy, and a small in-process LRU in front. memcached being down or slow never fails
// a request: the cache is skipped (a miss) and retried after a short pause.
import memjs from 'memjs';
import type { Logger } from '../common/logger.js';
import { AccessInfo, type TokenBody } from '../keystoneauth/access-info.js';
import { deriveKeys, protect, TamperedEntryError, unprotect, type SecurityStrategy } from './memcache-crypt.js';
import { HashRing } from './memcache-ring.js';
import type { TokenCache } from './cache.js';
import { MemoryTokenCache } from './cache.js';

export interface MemcacheTokenCacheOptions {
  servers: readonly string[];
  strategy: SecurityStrategy;
  secret: string;
  /** Seconds one memcached operation may take. */
  timeoutSeconds: number;
  /** Entries of the in-process first level. */
  localSize: number;
  /** Where warnings go: the request's logger when there is one (RequestScope), so they carry request_id. */
  context: { readonly log: Logger };
  /** How long a failing server is skipped before it is tried again. */
  retryAfterMs?: number;
  now?: () => number;
}

interface Stored {
  /** Epoch ms until which the entry may be used (the writer's TTL), so the first level never outlives it. */
  until: number;
  body: TokenBody;
}

interface Server {
  name: string;
  client: memjs.Client;
  downUntil: number;
}

export class MemcacheTokenCache implements TokenCache {
  private readonly local: MemoryTokenCache;
  private readonly ring: HashRing<Server>;
  private readonly servers: Server[];
  private readonly retryAfterMs: number;
  private readonly now: () => number;

  constructor(private readonly options: MemcacheTokenCacheOptions) {
    this.local = new MemoryTokenCache(options.localSize);
    this.retryAfterMs = options.retryAfterMs ?? 5000;
    this.now = options.now ?? Date.now;
    this.servers = options.servers.map((name) => ({
      name,
      downUntil: 0,
      client: memjs.Client.create(name, {
        timeout: options.timeoutSeconds,
        conntimeout: options.timeoutSeconds,
        retries: 0,
        keepAlive: true,
        logger: { log: () => {} }, // failures are logged here, once, with context
      }),
    }));
    this.ring = new HashRing(this.servers.map((server) => ({ name: server.name, node: server })));
  }

  async get(token: string): Promise<AccessInfo | undefined> {
    const local = await this.local.get(token);
    if (local) return local;
    const keys = deriveKeys(token, this.options.secret, this.options.strategy);
    const server = this.available(keys.cacheKey);
    if (!server) return undefined;
    let raw: Buffer | null;
    try {
      raw = (await this.bounded(server.client.get(keys.cacheKey))).value;
    } catch (err) {
      this.markDown(server, err);
      return undefined;
    }
    if (!raw) return undefined;
    try {
      const stored = JSON.parse(unprotect(raw, keys, this.options.strategy).toString('utf8')) as Stored;
      const ttl = stored.until - this.now();
      if (ttl <= 0) return undefined;
      const access = AccessInfo.fromBody(stored.body, token);
      await this.local.set(token, access, ttl);
      return access;
    } catch (err) {
      // Never trust an entry that does not verify: a miss, and a warning for the operator.
      const reason = err instanceof TamperedEntryError ? err.message : `unreadable entry: ${(err as Error).message}`;
      this.options.context.log.warn({ memcached: server.name, reason }, 'ignoring a token cache entry');
      return undefined;
    }
  }

  async set(token: string, access: AccessInfo, ttlMs: number): Promise<void> {
    if (ttlMs <= 0) return;
    await this.local.set(token, access, ttlMs);
    const keys = deriveKeys(token, this.options.secret, this.options.strategy);
    const server = this.available(keys.cacheKey);
    if (!server) return;
    const stored: Stored = { until: this.now() + ttlMs, body: access.body };
    const value = protect(Buffer.from(JSON.stringify(stored)), keys, this.options.strategy);
    try {
      await this.bounded(server.client.set(keys.cacheKey, value, { expires: Math.max(1, Math.ceil(ttlMs / 1000)) }));
    } catch (err) {
      this.markDown(server, err);
    }
  }

  /**
   * memjs's own timeouts do not cover every state of a dying connection (a call on a socket that is closing
   * can stay pending): our own deadline guarantees that memcached never holds a request.
   */
  private bounded<T>(call: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error('memcached did not answer in time')),
        this.options.timeoutSeconds * 1000 + 50,
      );
    });
    return Promise.race([call, deadline]).finally(() => clearTimeout(timer));
  }

  async close(): Promise<void> {
    for (const server of this.servers) server.client.close();
  }

  private available(key: string): Server | undefined {
    const server = this.ring.get(key);
    return server.downUntil > this.now() ? undefined : server;
  }

  private markDown(server: Server, err: unknown): void {
    if (server.downUntil <= this.now()) {
      this.options.context.log.warn(
        { memcached: server.name, reason: (err as Error)?.message ?? String(err), retry_in_ms: this.retryAfterMs },
        'memcached unavailable; validating with Keystone meanwhile',
      );
    }
    server.downUntil = this.now() + this.retryAfterMs;
  }
}
