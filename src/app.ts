// Builds the Koa app from its dependencies. It never listens and never reads the environment: server.ts
// does that, and tests build apps with their own config, session and logger.
import Koa from 'koa';
import type { Config } from './config.js';
import { PasswordPlugin } from './keystoneauth/password.js';
import type { SecurityStrategy } from './auth-token/memcache-crypt.js';
import { MemcacheTokenCache } from './auth-token/memcache.js';
import { AdmissionControl } from './auth-token/admission.js';
import { InvalidTokenCache, MemoryTokenCache, NoTokenCache, type TokenCache } from './auth-token/cache.js';
import { TokenValidator } from './auth-token/validator.js';
import type { Logger } from './common/logger.js';
import { createMetrics, type Metrics } from './metrics.js';
import { authChallenge, authToken } from './auth-token/middleware.js';
import { errorHandler } from './middleware/error-handler.js';
import { requestContext } from './middleware/request-context.js';
import { Readiness } from './readiness.js';
import type { RequestContext } from './common/request-scope.js';
import { PROBE_PATHS, healthRoutes } from './routes/health.js';
import { imageRoutes } from './routes/images.js';
import type { Session } from './keystoneauth/session.js';

export interface AppDependencies {
  config: Config;
  /** The global session: one per process, shared by every request. */
  session: Session;
  logger: Logger;
  context: RequestContext;
  /** The service's own Keystone identity; built from keystone_authtoken when absent. */
  serviceAuth?: PasswordPlugin;
  tokenCache?: TokenCache;
  metrics?: Metrics;
  readiness?: Readiness;
}

export function passwordPluginFromConfig(config: Config): PasswordPlugin {
  const ka = config.keystone_authtoken;
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

export function tokenCacheFromConfig(config: Config, context: RequestContext): TokenCache {
  const ka = config.keystone_authtoken;
  if (ka.token_cache_time <= 0 || ka.token_cache_size <= 0) return new NoTokenCache();
  if (ka.memcached_servers.length === 0) return new MemoryTokenCache(ka.token_cache_size);
  return new MemcacheTokenCache({
    servers: ka.memcached_servers,
    strategy: ka.memcache_security_strategy as SecurityStrategy,
    secret: ka.memcache_secret_key,
    timeoutSeconds: ka.memcache_pool_socket_timeout,
    // A small first level in front of the shared cache.
    localSize: Math.min(ka.token_cache_size, 1000),
    context,
  });
}

/** The bounds on validations that reach Keystone (beyond keystonemiddleware: see the README). */
export function admissionFromConfig(config: Config): AdmissionControl {
  const ka = config.keystone_authtoken;
  return new AdmissionControl({
    maxInflight: ka.validation_concurrency,
    maxQueuedPerClient: ka.validation_queue_per_client,
    maxQueued: ka.validation_queue_size,
    maxWaitMs: ka.validation_queue_timeout * 1000,
  });
}

export function invalidTokenCacheFromConfig(config: Config): InvalidTokenCache {
  const ka = config.keystone_authtoken;
  return new InvalidTokenCache({ ttlMs: ka.invalid_token_cache_time * 1000, max: Math.max(1000, ka.token_cache_size) });
}

export function createApp(deps: AppDependencies): Koa {
  const { config, session, logger, context } = deps;
  const ka = config.keystone_authtoken;
  const serviceAuth = deps.serviceAuth ?? passwordPluginFromConfig(config);
  const metrics = deps.metrics ?? (config.server.metrics_enabled ? createMetrics() : undefined);
  const readiness = deps.readiness ?? new Readiness();

  readiness.register(
    'keystone',
    async () => {
      const access = await serviceAuth.getAccess(session);
      return { ok: true, detail: `service user authenticated until ${access.expiresAt.toISOString()}` };
    },
    { critical: false },
  );

  const validator = new TokenValidator({
    session,
    serviceAuth,
    cache: deps.tokenCache ?? tokenCacheFromConfig(config, context),
    invalidCache: invalidTokenCacheFromConfig(config),
    admission: admissionFromConfig(config),
    context,
    metrics,
    identityFilter: { serviceType: 'identity', interface: ka.interface, regionName: ka.region_name },
    includeCatalog: ka.include_service_catalog,
    cacheTimeMs: ka.token_cache_time * 1000,
    timeoutMs: ka.timeout * 1000,
    connectRetries: ka.http_request_max_retries,
  });

  const app = new Koa();
  app.on('error', (err: Error) => context.log.warn({ err: err.message }, 'error outside the request pipeline'));

  const health = healthRoutes({ readiness, metrics });
  const images = imageRoutes({
    session,
    image: { interface: config.image.interface, regionName: config.image.region_name, pageSize: config.image.page_size },
  });

  app.use(requestContext({ context, logger, quietPaths: PROBE_PATHS }));
  app.use(async (ctx, next) => {
    const started = performance.now();
    // While draining, tell keep-alive clients to reconnect elsewhere.
    if (readiness.isShuttingDown) ctx.set('Connection', 'close');
    try {
      await next();
    } finally {
      const route = (ctx as { _matchedRoute?: string })._matchedRoute ?? 'unmatched';
      metrics?.httpRequestDuration.observe({ method: ctx.method, route, status: String(ctx.status) }, (performance.now() - started) / 1000);
    }
  });
  const wwwAuthenticateUri = ka.www_authenticate_uri || ka.auth_url;
  // Outside the error handler, like keystonemiddleware's process_response: every 401 gets the challenge.
  app.use(authChallenge(wwwAuthenticateUri));
  app.use(errorHandler(context));
  app.use(
    authToken({
      validator,
      wwwAuthenticateUri,
      delayAuthDecision: ka.delay_auth_decision,
      includeServiceCatalog: ka.include_service_catalog,
      serviceTokenRoles: ka.service_token_roles,
      serviceTokenRolesRequired: ka.service_token_roles_required,
      serviceType: ka.service_type,
      trustedProxies: config.server.trusted_proxies,
      context,
      serviceAuth,
      publicPaths: PROBE_PATHS,
      metrics,
    }),
  );
  app.use(health.routes());
  app.use(images.routes());
  app.use(images.allowedMethods());
  app.use(health.allowedMethods());
  return app;
}
