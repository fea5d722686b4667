// Version discovery: GET / (300 Multiple Choices, as Glance answers) and GET /versions, no token needed.
import Router from '@koa/router';
import type { MockGlanceOptions } from './shared.js';

/** The paths answered before authentication. */
export const VERSION_PATHS: readonly string[] = ['/', '/versions'];

export function versionsRouter({ publicUrl }: MockGlanceOptions): Router {
  const versions = () => {
    const href = `${publicUrl()}/v2/`;
    const list = [{ id: 'v2.15', status: 'CURRENT', links: [{ rel: 'self', href }] }];
    // Glance lists v2.15 as CURRENT and skips 2.14 (an import-only bump it never advertised).
    for (let minor = 13; minor >= 0; minor--)
      list.push({ id: `v2.${minor}`, status: 'SUPPORTED', links: [{ rel: 'self', href }] });
    return { versions: list };
  };
  const router = new Router();
  router.get('/', (ctx) => {
    ctx.status = 300;
    ctx.body = versions();
  });
  router.get('/versions', (ctx) => {
    ctx.body = versions();
  });
  return router;
}
