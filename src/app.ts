// Builds the Koa app from the process's long-lived dependencies (createServices). It never listens and reads
// no configuration: server.ts does both, and tests build apps from their own options.
import type Router from '@koa/router';
import Koa from 'koa';
import { authChallenge, authToken } from './auth-token/middleware.js';
import { errorHandler } from './middleware/error-handler.js';
import { requireHost } from './middleware/host-header.js';
import { noStore } from './middleware/no-store.js';
import { requestScope } from './middleware/request-scope.js';
import { serverSpans } from './middleware/tracing.js';
import { PROBE_PATHS, healthRoutes, metricsRoutes } from './routes/health.js';
import { imageRoutes } from './routes/images.js';
import { OPENAPI_PATH, openApiRoutes } from './routes/openapi.js';
import type { Services } from './services.js';

/**
 * keystonemiddleware's AuthProtocol as two Koa middlewares: `challenge` adds WWW-Authenticate to every 401
 * (process_response; mount it outside the error handler) and `authToken` is process_request (mount it inside).
 */
export function authTokenMiddlewares(services: Services, publicPaths: readonly string[] = []) {
  const { validator, scope, serviceAuth, metrics } = services;
  const { sendServiceToken, ...settings } = services.options.authToken;
  return {
    challenge: authChallenge(settings.wwwAuthenticateUri),
    authToken: authToken({
      ...settings,
      validator,
      scope,
      // keystone.token_auth carries our own token only when asked ([service_user] send_service_user_token).
      serviceAuth: sendServiceToken ? serviceAuth : undefined,
      publicPaths,
      metrics,
    }),
  };
}

/**
 * Every router the app serves, each built from `services`: a new route goes here, and into the OpenAPI document
 * (routes/openapi-document.ts), which test/routes/openapi-document.unit.test.ts compares with this list.
 */
export function appRouters(services: Services): Router[] {
  const { metrics, readiness } = services;
  const { maxLimit, pageSize } = services.options.image;
  return [
    healthRoutes({ readiness, metrics, serveMetrics: !services.options.metricsOnOwnPort }),
    openApiRoutes(),
    imageRoutes({ imageClient: services.imageClient, limits: { maxLimit, defaultLimit: pageSize } }),
  ];
}

/** The service: probes, metrics, the OpenAPI document and the image route behind auth_token. */
export function createApp(services: Services): Koa {
  const { logger, scope, metrics, readiness } = services;
  // The OpenAPI document is public like the probes (it holds no secret), but its requests are access-logged.
  const auth = authTokenMiddlewares(services, [...PROBE_PATHS, OPENAPI_PATH]);
  const routers = appRouters(services);

  const app = new Koa();
  app.on('error', (err: Error) => scope.log.warn({ err: err.message }, 'error outside the request pipeline'));
  // server.ts's shutdown abandons the session's calls as it cuts the connections off: not the clients' aborts.
  app.use(requestScope({ scope, logger, quietPaths: PROBE_PATHS, cutOff: () => services.session.abandoned }));
  // Outside the error handler: errors are the caller's own too.
  app.use(noStore());
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
  // Before any token is looked at: a request HTTP/1.1 refuses costs no validation.
  app.use(requireHost());
  app.use(auth.authToken);
  for (const router of routers) app.use(router.routes());
  // 405 (with Allow) and 501 for a path a router serves, by what every router matched.
  for (const router of routers) app.use(router.allowedMethods());
  return app;
}

/**
 * /metrics alone, for the listener of its own that server.ts opens on [server] metrics_port: anything else is
 * a 404, so the port can be opened to the monitoring system only, and the API port no longer serves it.
 */
export function createMetricsApp(services: Services): Koa {
  const { scope, metrics } = services;
  const routes = metricsRoutes(metrics);
  const app = new Koa();
  app.on('error', (err: Error) => scope.log.warn({ err: err.message }, 'error serving /metrics'));
  app.use(routes.routes());
  app.use(routes.allowedMethods());
  return app;
}
