// Probes and metrics: unauthenticated, never access-logged. /metrics is served either here, on the API port,
// or alone on a listener of its own ([server] metrics_port; createMetricsApp).
import Router from '@koa/router';
import type { Metrics } from '../common/metrics.js';
import type { Readiness } from '../readiness.js';

export const PROBE_PATHS = ['/healthz', '/readyz', '/metrics'] as const;

export interface HealthRouteOptions {
  readiness: Readiness;
  metrics: Metrics;
  /** Serve /metrics here too (false when it has a listener of its own). */
  serveMetrics: boolean;
}

export function healthRoutes({ readiness, metrics, serveMetrics }: HealthRouteOptions): Router {
  const router = new Router();
  router.get('/healthz', (ctx) => {
    ctx.body = { status: 'ok' };
  });
  router.get('/readyz', async (ctx) => {
    const report = await readiness.report();
    ctx.status = report.status === 'ready' ? 200 : 503;
    ctx.body = report;
  });
  return serveMetrics ? withMetrics(router, metrics) : router;
}

/** /metrics alone (createMetricsApp). */
export function metricsRoutes(metrics: Metrics): Router {
  return withMetrics(new Router(), metrics);
}

/** GET /metrics in Prometheus' text format; no route at all when metrics are off. */
function withMetrics(router: Router, metrics: Metrics): Router {
  const registry = metrics.registry;
  if (registry) {
    router.get('/metrics', async (ctx) => {
      ctx.type = registry.contentType;
      ctx.body = await registry.metrics();
    });
  }
  return router;
}
