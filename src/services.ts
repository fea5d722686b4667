// The one place that wires the long-lived dependencies of a process (what oslo.config + keystonemiddleware's
// AuthProtocol.__init__ do in Python): the global session, the service user, the token caches, admission
// control, the validator, metrics and readiness, all from one validated config. server.ts, the demo, the
// benchmarks and the tests all build them here, and close them with `close()`.
import { AdmissionControl } from './auth-token/admission.js';
import { InvalidTokenCache, MemoryTokenCache, NoTokenCache, type TokenCache } from './auth-token/cache.js';
import { MemcacheTokenCache } from './auth-token/memcache.js';
import { TokenValidator } from './auth-token/validator.js';
import type { Logger } from './common/logger.js';
import { RequestScope } from './common/request-scope.js';
import type { Config } from './config/schema.js';
import { createAccessSharing, type AccessSharing } from './keystoneauth/access-info.js';
import { PasswordPlugin } from './keystoneauth/password.js';
import { sessionOptionsFromConfig } from './keystoneauth/conf.js';
import { Session } from './keystoneauth/session.js';
import { NO_METRICS, createMetrics, type Metrics } from './common/metrics.js';
import { Readiness } from './readiness.js';

export interface Services {
  readonly config: Config;
  readonly logger: Logger;
  /** Carries the request id and the request's logger to code far from Koa's ctx. */
  readonly scope: RequestScope;
  /** The global session (keystoneauth's Session.load_from_conf_options(CONF, 'communication')). */
  readonly session: Session;
  /** The service's own Keystone identity (keystone_authtoken's auth plugin). */
  readonly serviceAuth: PasswordPlugin;
  readonly tokenCache: TokenCache;
  readonly validator: TokenValidator;
  readonly metrics: Metrics;
  readonly readiness: Readiness;
  /** Release connections (session, memcached). */
  close(): Promise<void>;
}

export interface ServiceOverrides {
  /** Clock for token expiry and the caches (tests inject one). */
  now?: () => number;
}

function passwordPlugin(ka: Config['keystone_authtoken']): PasswordPlugin {
  return new PasswordPlugin(
    {
      authUrl: ka.auth_url,
      username: ka.username,
      password: ka.password,
      userDomainName: ka.user_domain_name,
      projectName: ka.project_name,
      projectDomainName: ka.project_domain_name,
    },
    { timeoutMs: ka.timeout * 1000 },
  );
}

function tokenCache(
  ka: Config['keystone_authtoken'],
  scope: RequestScope,
  sharing: AccessSharing,
  now: (() => number) | undefined,
): TokenCache {
  if (ka.token_cache_time <= 0 || ka.token_cache_size <= 0) return new NoTokenCache();
  const maxBytes = ka.token_cache_memory_mb * 1024 * 1024;
  if (ka.memcached_servers.length === 0)
    return new MemoryTokenCache({ maxEntries: ka.token_cache_size, maxBytes, now });
  return new MemcacheTokenCache({
    servers: ka.memcached_servers,
    strategy: ka.memcache_security_strategy,
    secret: ka.memcache_secret_key,
    timeoutSeconds: ka.memcache_pool_socket_timeout,
    // A small first level in front of the shared cache.
    local: { maxEntries: Math.min(ka.token_cache_size, 1000), maxBytes },
    sharing,
    maxTtlMs: ka.token_cache_time * 1000,
    context: scope,
    // Entry lifetimes and the pause after a memcached failure.
    now,
  });
}

export function createServices(config: Config, logger: Logger, overrides: ServiceOverrides = {}): Services {
  const ka = config.keystone_authtoken;
  const scope = new RequestScope(logger);
  const session = new Session(sessionOptionsFromConfig(config.communication), scope);
  const serviceAuth = passwordPlugin(ka);
  // Tokens of one project share one catalog, tokens of one user in one scope one subject: kept once each.
  const sharing = createAccessSharing();
  const cache = tokenCache(ka, scope, sharing, overrides.now);
  const metrics = config.server.metrics_enabled ? createMetrics() : NO_METRICS;
  const validator = new TokenValidator({
    session,
    serviceAuth,
    cache,
    sharing,
    invalidCache: new InvalidTokenCache({
      ttlMs: ka.invalid_token_cache_time * 1000,
      max: Math.max(1000, ka.token_cache_size),
      now: overrides.now,
    }),
    // Beyond keystonemiddleware: bounded, fair validations (README).
    admission: new AdmissionControl({
      maxInflight: ka.validation_concurrency,
      maxInflightPerClient: ka.validation_concurrency_per_client,
      maxQueuedPerClient: ka.validation_queue_per_client,
      maxQueued: ka.validation_queue_size,
      maxWaitMs: ka.validation_queue_timeout * 1000,
    }),
    context: scope,
    metrics,
    identityFilter: { serviceType: 'identity', interface: ka.interface, regionName: ka.region_name },
    includeCatalog: ka.include_service_catalog,
    cacheTimeMs: ka.token_cache_time * 1000,
    timeoutMs: ka.timeout * 1000,
    connectRetries: ka.http_request_max_retries,
    now: overrides.now,
  });
  const readiness = new Readiness({ log: logger });
  // Whether the service user can authenticate (its cached token, or a new one); a failure is logged with its
  // cause, and /readyz says only "unavailable".
  readiness.register(
    'keystone',
    async () => {
      await serviceAuth.getAccess(session);
      return { ok: true };
    },
    { critical: false },
  );
  return {
    config,
    logger,
    scope,
    session,
    serviceAuth,
    tokenCache: cache,
    validator,
    metrics,
    readiness,
    close: async () => {
      await session.close();
      await cache.close?.();
    },
  };
}
