// A mock Glance v2: version documents, image listing with Glance's parameters and paging, single images and
// schemas. Errors use webob's JSON shape, as Glance's do. Callers are identified by identity.ts, never by
// this project's own auth_token: the mock must not share the code it tests. One router per resource, under
// routes/.
import Koa from 'koa';
import Router from '@koa/router';
import { mockErrors } from '../control.js';
import { authenticate } from './routes/authenticate.js';
import { imagesRouter } from './routes/images.js';
import { schemasRouter } from './routes/schemas.js';
import { renderError, type GlanceState, type MockGlanceOptions } from './routes/shared.js';
import { versionsRouter } from './routes/versions.js';

export type { MockGlanceOptions } from './routes/shared.js';

export function createMockGlance(options: MockGlanceOptions): Koa<GlanceState> {
  const { store, control } = options;
  const app = new Koa<GlanceState>();
  app.silent = true;
  app.use(
    mockErrors(renderError, {
      notFound: 'The resource could not be found.',
      notAllowed: 'The method is not allowed for this resource.',
      internal: 'The server encountered an error.',
    }),
  );
  if (control) {
    app.use(control.faultMiddleware(renderError));
    const mockRoutes = control.routes(() => ({ images: store.images.length }));
    app.use(mockRoutes.routes()).use(mockRoutes.allowedMethods());
  }
  app.use(versionsRouter(options).routes());
  app.use(authenticate(options));
  const router = new Router<GlanceState>();
  for (const resource of [imagesRouter(options), schemasRouter()]) router.use(resource.routes());
  app.use(router.routes()).use(router.allowedMethods());
  return app;
}
