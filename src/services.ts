// The one place that wires the long-lived dependencies of a process (what oslo.config + keystonemiddleware's
// AuthProtocol.__init__ do in Python): the global session, the service user, the token caches, admission
// control, the validator, metrics, readiness and the clients routes build per request. They are built from
// one options object; optionsFromConfig is the only place a validated config becomes options. server.ts,
// the demo and the tests all build here, and close with `close()`.
import { AdmissionControl, type AdmissionOptions } from './auth-token/admission.js';
import { InvalidTokenCache, MemoryTokenCache, NoTokenCache, type TokenCache } from './auth-token/cache.js';
import type { SecurityStrategy } from './auth-token/memcache-crypt.js';
import { MemcacheTokenCache } from './auth-token/memcache.js';
import { TokenValidator } from './auth-token/validator.js';
import type { Logger } from './common/logger.js';
import { NO_METRICS, createMetrics, type Metrics } from './common/metrics.js';
import { RequestScope } from './common/request-scope.js';
import type { Config } from './config/schema.js';
import type { ImageClient } from './glance/images.js';
import { imageClientFactory, type ImageOptions } from './glance/images.js';
import { createAccessSharing, type AccessSharing } from './keystoneauth/access-info.js';
import type { EndpointOptions } from './keystoneauth/adapter.js';
import { endpointOptionsFromConf, sessionOptionsFromConfig } from './keystoneauth/conf.js';
import { PasswordPlugin, isCredentialRefusal, type PasswordCredentials } from './keystoneauth/password.js';
import type { AuthPlugin } from './keystoneauth/plugin.js';
import { Session, type SessionOptions } from './keystoneauth/session.js';
import { Readiness } from './readiness.js';

/** keystonemiddleware's request-time settings: createApp mounts auth_token with them. */
export interface AuthTokenSettings {
  /** Advertised in WWW-Authenticate on 401 (www_authenticate_uri, else auth_url). */
  readonly wwwAuthenticateUri: string;
  readonly delayAuthDecision: boolean;
  /** Validate with the catalog and pass it on as X-Service-Catalog (the validator reads it from here too). */
  readonly includeServiceCatalog: boolean;
  readonly serviceTokenRoles: readonly string[];
  readonly serviceTokenRolesRequired: boolean;
  /** This service's type in the catalog (access rules). */
  readonly serviceType: string;
  readonly trustedProxies: readonly string[];
  /** keystone.token_auth sends this service's own token as X-Service-Token ([service_user]). */
  readonly sendServiceToken: boolean;
}

export interface TokenCacheOptions {
  /** token_cache_time in ms; 0 disables the cache. */
  readonly timeMs: number;
  /** Most tokens held in-process; 0 disables the cache, memcached included. */
  readonly size: number;
  readonly memoryBytes: number;
  /** How long a token Keystone rejected is answered 401 without asking again. */
  readonly invalidTimeMs: number;
  /** The shared cache; no servers keeps it in-process. */
  readonly memcached: {
    readonly servers: readonly string[];
    readonly strategy: SecurityStrategy;
    readonly secret: string;
    readonly timeoutSeconds: number;
  };
}

/** Everything createServices and createApp build from, in the shapes their consumers take. */
export interface ServicesOptions {
  /** The global session ([communication]). */
  readonly session: SessionOptions;
  /** The service's own Keystone identity and the deadline of its authentication. */
  readonly serviceUser: { readonly credentials: PasswordCredentials; readonly timeoutMs: number };
  readonly validation: {
    /** Where Keystone is in the service user's catalog. */
    readonly identity: EndpointOptions;
    /** Deadline of one validation, retries included. */
    readonly timeoutMs: number;
    readonly connectRetries: number;
  };
  readonly tokenCache: TokenCacheOptions;
  readonly admission: AdmissionOptions;
  readonly authToken: AuthTokenSettings;
  readonly metricsEnabled: boolean;
  /** /metrics on a listener of its own (server.ts listens on [server] metrics_port), not on the API port. */
  readonly metricsOnOwnPort: boolean;
  /** The Glance client of the image route (routes/images.ts). */
  readonly image: ImageOptions;
}

/**
 * The only place configuration becomes options: each option is read here once, in operators' units (seconds,
 * MiB), and handed on in its consumer's. server.ts reads config.server's listening options and config.log.
 */
export function optionsFromConfig(config: Config): ServicesOptions {
  const ka = config.keystone_authtoken;
  // Options with two consumers are read once: test/services.test.ts counts the reads.
  const authUrl = ka.auth_url;
  const timeoutMs = ka.timeout * 1000;
  const metricsEnabled = config.server.metrics_enabled;
  return {
    session: sessionOptionsFromConfig(config.communication),
    serviceUser: {
      credentials: {
        authUrl,
        username: ka.username,
        password: ka.password,
        userDomainName: ka.user_domain_name,
        userDomainId: ka.user_domain_id,
        projectName: ka.project_name,
        projectDomainName: ka.project_domain_name,
        projectDomainId: ka.project_domain_id,
      },
      timeoutMs,
    },
    validation: { identity: endpointOptionsFromConf(ka), timeoutMs, connectRetries: ka.http_request_max_retries },
    tokenCache: tokenCacheOptions(ka),
    admission: {
      maxInflight: ka.validation_concurrency,
      maxInflightPerClient: ka.validation_concurrency_per_client,
      maxQueuedPerClient: ka.validation_queue_per_client,
      maxQueued: ka.validation_queue_size,
      maxWaitMs: ka.validation_queue_timeout * 1000,
    },
    authToken: {
      wwwAuthenticateUri: ka.www_authenticate_uri || authUrl,
      delayAuthDecision: ka.delay_auth_decision,
      includeServiceCatalog: ka.include_service_catalog,
      serviceTokenRoles: ka.service_token_roles,
      serviceTokenRolesRequired: ka.service_token_roles_required,
      serviceType: ka.service_type,
      trustedProxies: config.server.trusted_proxies,
      sendServiceToken: config.service_user.send_service_user_token,
    },
    metricsEnabled,
    metricsOnOwnPort: metricsEnabled && config.server.metrics_port !== -1,
    image: {
      endpoint: endpointOptionsFromConf(config.image),
      pageSize: config.image.page_size,
      maxLimit: config.image.max_limit,
      maxImages: config.image.max_images,
      listTimeoutMs: config.image.list_timeout * 1000,
    },
  };
}

function tokenCacheOptions(ka: Config['keystone_authtoken']): TokenCacheOptions {
  return {
    timeMs: ka.token_cache_time * 1000,
    size: ka.token_cache_size,
    memoryBytes: ka.token_cache_memory_mb * 1024 * 1024,
    invalidTimeMs: ka.invalid_token_cache_time * 1000,
    memcached: {
      servers: ka.memcached_servers,
      strategy: ka.memcache_security_strategy,
      secret: ka.memcache_secret_key,
      timeoutSeconds: ka.memcache_pool_socket_timeout,
    },
  };
}

export interface Services {
  /** What they were built from (createApp mounts auth_token with options.authToken). Holds secrets: never log it. */
  readonly options: ServicesOptions;
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
  /** A Glance client acting as `auth` (the caller's keystone.token_auth) through the global session. */
  readonly imageClient: (auth: AuthPlugin) => ImageClient;
  /** Release connections (session, memcached). */
  close(): Promise<void>;
}

export interface ServiceOverrides {
  /** Clock for token expiry, the caches and how long a refused password is held (tests inject one). */
  now?: (() => number) | undefined;
}

function tokenCache(
  o: TokenCacheOptions,
  scope: RequestScope,
  sharing: AccessSharing,
  now: (() => number) | undefined,
): TokenCache {
  if (o.timeMs <= 0 || o.size <= 0) return new NoTokenCache();
  if (o.memcached.servers.length === 0)
    return new MemoryTokenCache({ maxEntries: o.size, maxBytes: o.memoryBytes, now });
  return new MemcacheTokenCache({
    ...o.memcached,
    // A small first level in front of the shared cache.
    local: { maxEntries: Math.min(o.size, 1000), maxBytes: o.memoryBytes },
    sharing,
    maxTtlMs: o.timeMs,
    scope,
    // Entry lifetimes and the pause after a memcached failure.
    now,
  });
}

/**
 * Whether the service user can authenticate (its cached token, or a new one); the cause goes to the log.
 * Keystone out (unreachable, slow, 5xx) leaves the replica ready: every replica would fail alike, and an
 * outage must not empty the load balancer. Keystone refusing the credentials (400/401/403) is this
 * deployment's error: not ready, so that a rollout with a bad secret stalls while the old pods serve. A probe
 * costs no call while the token is valid, nor while the plugin holds a refusal (PasswordPlugin).
 */
function keystoneReadiness(logger: Logger, session: Session, serviceAuth: PasswordPlugin): Readiness {
  const readiness = new Readiness({ log: logger });
  readiness.register(
    'keystone',
    async () => {
      await serviceAuth.getAccess(session);
      return { ok: true };
    },
    { critical: false, isMisconfiguration: isCredentialRefusal },
  );
  return readiness;
}

export function createServices(options: ServicesOptions, logger: Logger, overrides: ServiceOverrides = {}): Services {
  const scope = new RequestScope(logger);
  const session = new Session(options.session, scope);
  const serviceAuth = new PasswordPlugin(options.serviceUser.credentials, {
    timeoutMs: options.serviceUser.timeoutMs,
    now: overrides.now,
  });
  // Tokens of one project share one catalog, tokens of one user in one scope one subject: kept once each.
  const sharing = createAccessSharing();
  const cache = tokenCache(options.tokenCache, scope, sharing, overrides.now);
  const metrics = options.metricsEnabled ? createMetrics() : NO_METRICS;
  const validator = new TokenValidator({
    session,
    serviceAuth,
    cache,
    sharing,
    invalidCache: new InvalidTokenCache({
      ttlMs: options.tokenCache.invalidTimeMs,
      max: Math.max(1000, options.tokenCache.size),
      now: overrides.now,
    }),
    // Beyond keystonemiddleware: bounded, fair validations (docs/upstream-differences.md).
    admission: new AdmissionControl(options.admission),
    scope,
    metrics,
    identity: options.validation.identity,
    includeCatalog: options.authToken.includeServiceCatalog,
    cacheTimeMs: options.tokenCache.timeMs,
    timeoutMs: options.validation.timeoutMs,
    connectRetries: options.validation.connectRetries,
    now: overrides.now,
  });
  return {
    options,
    logger,
    scope,
    session,
    serviceAuth,
    tokenCache: cache,
    validator,
    metrics,
    readiness: keystoneReadiness(logger, session, serviceAuth),
    imageClient: imageClientFactory(session, options.image),
    close: async () => {
      await session.close();
      await cache.close?.();
    },
  };
}
