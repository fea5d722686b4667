// The shared token cache for many replicas: memcached servers (consistent hashing), entries protected with
// memcache_security_strategy, and a small in-process LRU in front. memcached being down or slow never fails
// a request: the cache is skipped (a miss) and retried after a short pause.
//
// A token entry holds the token's own fields and the content hash of its catalog; the catalog, the same for
// every token of a project and most of an entry's size, is stored once under its own key (derived from the
// hash and the secret, protected the same way, and checked against the hash when read back).
import { LRUCache } from 'lru-cache';
import memjs from 'memjs';
import type { Logger } from '../common/logger.js';
import { AccessInfo, type AccessSharing, type TokenData } from '../keystoneauth/access-info.js';
import { contentHash } from '../keystoneauth/interner.js';
import type { CatalogEntry } from '../keystoneauth/service-catalog.js';
import {
  deriveKeys,
  protect,
  TamperedEntryError,
  unprotect,
  type DerivedKeys,
  type SecurityStrategy,
} from './memcache-crypt.js';
import { HashRing } from './memcache-ring.js';
import type { TokenCache } from './cache.js';
import { MemoryTokenCache, type MemoryTokenCacheOptions } from './cache.js';

export interface MemcacheTokenCacheOptions {
  servers: readonly string[];
  strategy: SecurityStrategy;
  secret: string;
  /** Seconds one memcached operation may take. */
  timeoutSeconds: number;
  /** Bounds of the in-process first level. */
  local: MemoryTokenCacheOptions;
  /** Where tokens read back share their subjects and catalogs. */
  sharing?: AccessSharing;
  /** token_cache_time in ms: no entry read back is kept longer, whatever it says. */
  maxTtlMs: number;
  /** Where warnings go: the request's logger when there is one (RequestScope), so they carry request_id. */
  scope: { readonly log: Logger };
  /** How long a failing server is skipped before it is tried again. */
  retryAfterMs?: number;
  now?: (() => number) | undefined;
}

interface StoredToken {
  /** Epoch ms until which the entry may be used (the writer's TTL), so the first level never outlives it. */
  until: number;
  /** The token body without a non-empty catalog. */
  token: TokenData;
  /** Content hash of the catalog, stored under its own key. */
  catalogHash?: string;
}

interface Server {
  name: string;
  client: memjs.Client;
  downUntil: number;
}

export class MemcacheTokenCache implements TokenCache {
  private readonly local: MemoryTokenCache;
  /** Until when this process knows each catalog it wrote to be stored (epoch ms), so it is written once a while. */
  private readonly catalogsWritten = new LRUCache<string, number>({ max: 1000 });
  private readonly ring: HashRing<Server>;
  private readonly servers: Server[];
  private readonly retryAfterMs: number;
  private readonly maxTtlMs: number;
  private readonly now: () => number;

  constructor(private readonly options: MemcacheTokenCacheOptions) {
    this.local = new MemoryTokenCache({ ...options.local, now: options.now });
    this.retryAfterMs = options.retryAfterMs ?? 5000;
    this.maxTtlMs = options.maxTtlMs;
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
    const found = await this.read(keys);
    if (!found) return undefined;
    try {
      const stored = JSON.parse(found.plain.toString('utf8')) as StoredToken;
      if (!Number.isFinite(stored.until)) throw new Error('entry without a valid lifetime');
      const ttl = Math.min(stored.until - this.now(), this.maxTtlMs);
      if (ttl <= 0) return undefined;
      let body: { token: TokenData } = { token: stored.token };
      if (stored.catalogHash !== undefined) {
        const catalog = await this.catalog(stored.catalogHash);
        if (catalog === undefined) {
          // Its catalog gone (evicted, memcached restarted): a miss, and the catalog is written again with
          // the validation that follows, even if this process wrote it not long ago.
          this.catalogsWritten.delete(stored.catalogHash);
          return undefined;
        }
        body = { token: { ...stored.token, catalog } };
      }
      const access = AccessInfo.fromBody(body, token, this.options.sharing);
      await this.local.set(token, access, ttl);
      return access;
    } catch (err) {
      this.ignore(found.server, err);
      return undefined;
    }
  }

  async set(token: string, access: AccessInfo, ttlMs: number): Promise<void> {
    if (ttlMs <= 0) return;
    await this.local.set(token, access, ttlMs);
    const body = access.body.token;
    const { catalog, ...own } = body;
    const shared = catalog !== undefined && catalog.length > 0;
    const stored: StoredToken = shared
      ? { until: this.now() + ttlMs, token: own, catalogHash: access.catalog.contentHash }
      : { until: this.now() + ttlMs, token: body };
    const keys = deriveKeys(token, this.options.secret, this.options.strategy);
    // The catalog first, so that no replica reads a token entry whose catalog is not there yet; no token
    // entry at all when the catalog could not be stored.
    if (shared && !(await this.writeCatalog(access.catalog.contentHash, access.catalog.entries, ttlMs))) return;
    await this.write(keys, Buffer.from(JSON.stringify(stored)), ttlMs);
  }

  /** A catalog by content hash: the one this process shares already, or memcached's, verified. */
  private async catalog(hash: string): Promise<readonly CatalogEntry[] | undefined> {
    const known = this.options.sharing?.catalogs.get(hash);
    if (known) return known.entries;
    const found = await this.read(deriveKeys(hash, this.options.secret, this.options.strategy, 'catalog'));
    if (!found) return undefined;
    const text = found.plain.toString('utf8');
    // The key is derived from the hash, the value from the content: both must agree.
    if (contentHash(text) !== hash) {
      this.ignore(found.server, new TamperedEntryError('catalog does not match its hash'));
      return undefined;
    }
    return JSON.parse(text) as CatalogEntry[];
  }

  /** Store a catalog for twice the token's TTL, unless this process stored it recently enough. */
  private async writeCatalog(hash: string, entries: readonly CatalogEntry[], ttlMs: number): Promise<boolean> {
    const now = this.now();
    if ((this.catalogsWritten.get(hash) ?? 0) >= now + ttlMs) return true;
    const keys = deriveKeys(hash, this.options.secret, this.options.strategy, 'catalog');
    const written = await this.write(keys, Buffer.from(JSON.stringify(entries)), 2 * ttlMs);
    if (written) this.catalogsWritten.set(hash, now + 2 * ttlMs);
    return written;
  }

  /** An entry's verified plaintext, or undefined (absent, server down, or failing verification: logged). */
  private async read(keys: DerivedKeys): Promise<{ plain: Buffer; server: Server } | undefined> {
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
      return { plain: unprotect(raw, keys, this.options.strategy), server };
    } catch (err) {
      this.ignore(server, err);
      return undefined;
    }
  }

  /** Store an entry for ttlMs; false when memcached could not take it (the server is then skipped a while). */
  private async write(keys: DerivedKeys, plain: Buffer, ttlMs: number): Promise<boolean> {
    const server = this.available(keys.cacheKey);
    if (!server) return false;
    const value = protect(plain, keys, this.options.strategy);
    // memcached counts whole seconds, and 0 would mean "never expires".
    const expires = Math.max(1, Math.ceil(ttlMs / 1000));
    try {
      await this.bounded(server.client.set(keys.cacheKey, value, { expires }));
      return true;
    } catch (err) {
      this.markDown(server, err);
      return false;
    }
  }

  /** Never trust an entry that does not verify: a miss, and a warning for the operator. */
  private ignore(server: Server, err: unknown): void {
    const reason = err instanceof TamperedEntryError ? err.message : `unreadable entry: ${(err as Error).message}`;
    this.options.scope.log.warn({ memcached: server.name, reason }, 'ignoring a token cache entry');
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
      this.options.scope.log.warn(
        { memcached: server.name, reason: (err as Error)?.message ?? String(err), retry_in_ms: this.retryAfterMs },
        'memcached unavailable; validating with Keystone meanwhile',
      );
    }
    server.downUntil = this.now() + this.retryAfterMs;
  }
}
