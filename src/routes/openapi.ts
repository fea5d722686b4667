// GET /openapi.json: the OpenAPI document (openapi-document.ts), serialized once. Served without a token, like the
// probes: it describes only what any caller can learn by calling the API, and holds no configuration (no
// Keystone or Glance URL, no option values), so it reveals nothing an unauthenticated caller should not know.
import Router from '@koa/router';
import { openApiDocument } from './openapi-document.js';

export const OPENAPI_PATH = '/openapi.json';

export function openApiRoutes(): Router {
  const body = JSON.stringify(openApiDocument());
  const router = new Router();
  router.get(OPENAPI_PATH, (ctx) => {
    ctx.set('Content-Type', 'application/json; charset=utf-8');
    ctx.body = body;
  });
  return router;
}
