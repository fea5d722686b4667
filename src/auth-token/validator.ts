// Token validation against Keystone (GET /v3/auth/tokens), behind the token cache, with single-flight:
// concurrent requests carrying the same uncached token share one Keystone call (keystonemiddleware makes N).
// Calls that do reach Keystone pass admission control (bounded in flight, fair per client), and a token
// Keystone definitively rejected is remembered for a few seconds (see InvalidTokenCache for why that is safe).
import { IdentityUnavailableError, InvalidTokenError } from './errors.js';
import { NotFoundError, SessionAbandonedError, UnauthorizedError, UpstreamError } from '../keystoneauth/errors.js';
import type { Metrics } from '../common/metrics.js';
import type { RequestScope } from '../common/request-scope.js';
import type { Session } from '../keystoneauth/session.js';
import { AccessInfo, type AccessSharing } from '../keystoneauth/access-info.js';
import { Adapter, IDENTITY_SERVICE, type EndpointOptions } from '../keystoneauth/adapter.js';
import type { AdmissionControl } from './admission.js';
import type { AuthPlugin } from '../keystoneauth/plugin.js';
import type { InvalidTokenCache, TokenCache } from './cache.js';
import { redactToken, sha256Hex } from '../common/redact.js';

export interface TokenValidatorOptions {
  session: Session;
  /** The service's own identity: authenticates the validation calls and finds Keystone in its catalog. */
  serviceAuth: AuthPlugin;
  cache: TokenCache;
  /** Where validated tokens share their subjects and catalogs (createServices makes one per process). */
  sharing?: AccessSharing;
  /** Tokens Keystone rejected (404) a moment ago. */
  invalidCache: InvalidTokenCache;
  /** Bounds and orders the calls that reach Keystone. */
  admission: AdmissionControl;
  scope: RequestScope;
  metrics: Metrics;
  /** Where Keystone is, in the service user's catalog ([keystone_authtoken] interface and region_name). */
  identity: EndpointOptions;
  includeCatalog: boolean;
  /** token_cache_time in ms; 0 disables caching. */
  cacheTimeMs: number;
  /** Deadline of one validation, retries included. */
  timeoutMs: number;
  connectRetries: number;
  /** The clock of token expiry (tests inject one); Date.now when undefined. */
  now?: (() => number) | undefined;
}

export class TokenValidator {
  private readonly inflight = new Map<string, Promise<AccessInfo>>();
  private readonly now: () => number;
  /** Keystone as the service user calls it. */
  private readonly keystone: Adapter;

  constructor(private readonly options: TokenValidatorOptions) {
    this.now = options.now ?? Date.now;
    this.keystone = new Adapter(options.session, options.serviceAuth, { ...IDENTITY_SERVICE, ...options.identity });
  }

  /**
   * The token's access info, from the cache or Keystone. Throws InvalidTokenError (401),
   * IdentityUnavailableError (503) or ValidationOverloadedError (503, shed before reaching Keystone).
   * Expiry is checked on every call, cached or not. `client` is who asks (for fair queuing).
   */
  async validate(token: string, { allowExpired = false, client = 'unknown' } = {}): Promise<AccessInfo> {
    const cached = await this.cacheGet(token);
    // Entries never outlive their token (set below), but clocks can disagree. An expired entry answers nobody
    // with allow_expired: Keystone decides again (its allow_expired window, revocations), where
    // keystonemiddleware would use the entry until token_cache_time.
    let access = cached !== undefined && allowExpired && cached.isExpired(this.now()) ? undefined : cached;
    this.options.metrics.tokenCacheLookups.inc({ result: access ? 'hit' : 'miss' });
    if (access === undefined) {
      const key = `${allowExpired ? 'x' : 'v'}${sha256Hex(token)}`;
      if (this.options.invalidCache.has(key)) throw new InvalidTokenError('rejected by Keystone moments ago');
      access = await this.fetchShared(key, token, allowExpired, client);
    }
    if (!allowExpired && access.isExpired(this.now())) throw new InvalidTokenError('expired');
    return access;
  }

  private async cacheGet(token: string): Promise<AccessInfo | undefined> {
    try {
      return await this.options.cache.get(token);
    } catch (err) {
      // A broken shared cache degrades to asking Keystone; it never fails a request.
      this.options.scope.log.warn({ err: (err as Error).message }, 'token cache read failed');
      return undefined;
    }
  }

  /** One Keystone call per key at a time; the first caller's client waits for admission, the rest join it. */
  private fetchShared(key: string, token: string, allowExpired: boolean, client: string): Promise<AccessInfo> {
    let pending = this.inflight.get(key);
    if (!pending) {
      pending = this.options.admission
        .run(client, () => this.fetch(key, token, allowExpired))
        .finally(() => this.inflight.delete(key));
      this.inflight.set(key, pending);
    }
    return pending;
  }

  private async fetch(key: string, token: string, allowExpired: boolean): Promise<AccessInfo> {
    const o = this.options;
    const log = o.scope.log;
    const started = performance.now();
    const query = new URLSearchParams();
    if (!o.includeCatalog) query.set('nocatalog', '');
    if (allowExpired) query.set('allow_expired', '1');
    let access: AccessInfo;
    try {
      const response = await this.keystone.get('auth/tokens', {
        headers: { 'X-Subject-Token': token, 'OpenStack-Identity-Access-Rules': '1' },
        query,
        timeoutMs: o.timeoutMs,
        connectRetries: o.connectRetries,
        // Like keystonemiddleware: retry only calls that never reached Keystone. A 503 means Keystone is
        // overloaded, and asking again at once would double its load.
        statusCodeRetries: 0,
      });
      access = AccessInfo.fromBody(response.json(), token, o.sharing);
    } catch (err) {
      o.metrics.keystoneValidationDuration.observe((performance.now() - started) / 1000);
      if (err instanceof NotFoundError) {
        o.metrics.keystoneValidations.inc({ outcome: 'invalid' });
        log.info({ token: redactToken(token), keystone_request_id: err.requestId }, 'Keystone does not know the token');
        // Only Keystone's definitive answer is remembered; failures (below) never are.
        o.invalidCache.add(key);
        throw new InvalidTokenError('not found');
      }
      o.metrics.keystoneValidations.inc({ outcome: 'error' });
      // The process is shutting down past its grace period: nothing failed, and nobody waits for an answer.
      if (err instanceof SessionAbandonedError) throw err;
      const upstream = err instanceof UpstreamError ? err : undefined;
      const why =
        err instanceof UnauthorizedError
          ? 'Keystone rejected the service credentials'
          : upstream
            ? `${upstream.code}: ${upstream.message}`
            : (err as Error).message;
      log.error(
        { token: redactToken(token), keystone_request_id: upstream?.requestId, reason: why },
        'token validation failed',
      );
      throw new IdentityUnavailableError(`identity service unavailable (${upstream?.code ?? 'error'})`, { cause: err });
    }
    o.metrics.keystoneValidationDuration.observe((performance.now() - started) / 1000);
    o.metrics.keystoneValidations.inc({ outcome: 'valid' });
    const ttl = Math.min(o.cacheTimeMs, access.expiresAt.getTime() - this.now());
    if (ttl > 0) {
      await o.cache
        .set(token, access, ttl)
        .catch((err: unknown) => log.warn({ err: (err as Error).message }, 'token cache write failed'));
    }
    return access;
  }
}
