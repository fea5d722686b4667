// Version discovery: GET / (300 Multiple Choices, as Keystone answers) and GET /v3.
import Router from '@koa/router';
import type { MockKeystoneOptions } from './shared.js';

export function versionsRouter({ publicUrl }: MockKeystoneOptions): Router {
  const versionDoc = () => ({
    id: 'v3.14',
    status: 'stable',
    updated: '2020-04-07T00:00:00Z',
    links: [{ rel: 'self', href: `${publicUrl()}/v3/` }],
    'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.identity-v3+json' }],
  });
  const router = new Router();
  router.get('/', (ctx) => {
    ctx.status = 300;
    ctx.set('Location', `${publicUrl()}/v3/`);
    ctx.body = { versions: { values: [versionDoc()] } };
  });
  router.get(['/v3', '/v3/'], (ctx) => {
    ctx.body = { version: versionDoc() };
  });
  return router;
}
