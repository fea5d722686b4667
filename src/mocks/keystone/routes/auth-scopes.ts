// What the caller's own token can reach: GET /v3/auth/catalog and GET /v3/auth/projects.
import Router from '@koa/router';
import { MockError } from '../../control.js';
import { callerOf, type MockKeystoneOptions } from './shared.js';

export function authScopesRouter({ store, publicUrl }: MockKeystoneOptions): Router {
  const router = new Router();
  router.get('/v3/auth/catalog', (ctx) => {
    const me = callerOf(store, ctx);
    if ('unscoped' in me.scope) throw new MockError(403, 'The service catalog is empty.');
    ctx.body = {
      catalog: store.catalog(),
      links: { self: `${publicUrl()}/v3/auth/catalog`, previous: null, next: null },
    };
  });

  router.get('/v3/auth/projects', (ctx) => {
    const me = callerOf(store, ctx);
    const projects = store.seed.projects.filter((p) => store.rolesOn(me.userId, { project: p.id }).length > 0);
    ctx.body = {
      projects: projects.map((p) => ({
        id: p.id,
        name: p.name,
        domain_id: p.domain_id,
        enabled: true,
        is_domain: false,
        description: '',
        parent_id: p.domain_id,
        links: { self: `${publicUrl()}/v3/projects/${p.id}` },
      })),
      links: { self: `${publicUrl()}/v3/auth/projects`, previous: null, next: null },
    };
  });
  return router;
}
