// Builds the Koa app from the process's long-lived dependencies (createServices). It never listens and never
// reads the environment: server.ts does that, and tests build apps from their own config.
import Koa from 'koa';
import { authChallenge, authToken } from './auth-token/middleware.js';
import { errorHandler } from './middleware/error-handler.js';
import { requestScope } from './middleware/request-scope.js';
import { serverSpans } from './middleware/tracing.js';
import { PROBE_PATHS, healthRoutes } from './routes/health.js';
import { imageRoutes } from './routes/images.js';
import type { Services } from './services.js';

/**
 * keystonemiddleware's AuthProtocol as two Koa middlewares: `challenge` adds WWW-Authenticate to every 401
 * (process_response; mount it outside the error handler) and `authToken` is process_request (mount it inside).
 */
export function authTokenMiddlewares(services: Services, publicPaths: readonly string[] = []) {
  const { config, validator, scope, serviceAuth, metrics } = services;
  const ka = config.keystone_authtoken;
  const wwwAuthenticateUri = ka.www_authenticate_uri || ka.auth_url;
  return {
    challenge: authChallenge(wwwAuthenticateUri),
    authToken: authToken({
      validator,
      wwwAuthenticateUri,
      delayAuthDecision: ka.delay_auth_decision,
      includeServiceCatalog: ka.include_service_catalog,
      serviceTokenRoles: ka.service_token_roles,
      serviceTokenRolesRequired: ka.service_token_roles_required,
      serviceType: ka.service_type,
      trustedProxies: config.server.trusted_proxies,
      context: scope,
      // keystone.token_auth carries our own token only when asked ([service_user] send_service_user_token).
      serviceAuth: config.service_user.send_service_user_token ? serviceAuth : undefined,
      publicPaths,
      metrics,
    }),
  };
}

/** The service: probes, metrics and the image-names route behind auth_token. */
export function createApp(services: Services): Koa {
  const { config, session, logger, scope, metrics, readiness } = services;
  const auth = authTokenMiddlewares(services, PROBE_PATHS);
  const health = healthRoutes({ readiness, metrics });
  const images = imageRoutes({
    session,
    image: {
      interface: config.image.interface,
      regionName: config.image.region_name,
      pageSize: config.image.page_size,
    },
  });

  const app = new Koa();
  app.on('error', (err: Error) => scope.log.warn({ err: err.message }, 'error outside the request pipeline'));
  app.use(requestScope({ context: scope, logger, quietPaths: PROBE_PATHS }));
  app.use(serverSpans());
  app.use(async (ctx, next) => {
    const started = performance.now();
    // While draining, tell keep-alive clients to reconnect elsewhere.
    if (readiness.isShuttingDown) ctx.set('Connection', 'close');
    try {
      await next();
    } finally {
      const route = (ctx as { _matchedRoute?: string })._matchedRoute ?? 'unmatched';
      metrics.httpRequestDuration.observe(
        { method: ctx.method, route, status: String(ctx.status) },
        (performance.now() - started) / 1000,
      );
    }
  });
  // Outside the error handler, like keystonemiddleware's process_response: every 401 gets the challenge.
  app.use(auth.challenge);
  app.use(errorHandler(scope));
  app.use(auth.authToken);
  app.use(health.routes());
  app.use(images.routes());
  app.use(images.allowedMethods());
  app.use(health.allowedMethods());
  return app;
}
