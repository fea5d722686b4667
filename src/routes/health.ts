// Probes and metrics: unauthenticated, never access-logged.
import Router from '@koa/router';
import type { Metrics } from '../common/metrics.js';
import type { Readiness } from '../readiness.js';

export const PROBE_PATHS = ['/healthz', '/readyz', '/metrics'] as const;

export function healthRoutes({ readiness, metrics }: { readiness: Readiness; metrics: Metrics }): Router {
  const router = new Router();
  router.get('/healthz', (ctx) => {
    ctx.body = { status: 'ok' };
  });
  router.get('/readyz', async (ctx) => {
    const report = await readiness.report();
    ctx.status = report.status === 'ready' ? 200 : 503;
    ctx.body = report;
  });
  const registry = metrics.registry;
  if (registry) {
    router.get('/metrics', async (ctx) => {
      ctx.type = registry.contentType;
      ctx.body = await registry.metrics();
    });
  }
  return router;
}
