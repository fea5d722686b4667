// A mock Keystone v3 that real clients (keystoneauth, the openstack CLI, this project) cannot tell from the
// real one for the calls a service like this makes: version discovery, token issue/validate/check/revoke,
// the caller's catalog and projects, application credentials with access rules. Errors use Keystone's JSON
// shape. One router per resource, under routes/.
import Koa from 'koa';
import Router from '@koa/router';
import { mockErrors, type RenderError } from '../control.js';
import { applicationCredentialsRouter } from './routes/application-credentials.js';
import { authScopesRouter } from './routes/auth-scopes.js';
import { authTokensRouter } from './routes/tokens.js';
import { useControl } from './routes/control.js';
import { render, type MockKeystoneOptions } from './routes/shared.js';
import { versionsRouter } from './routes/versions.js';

export type { MockKeystoneOptions } from './routes/shared.js';

export function createMockKeystone(options: MockKeystoneOptions): Koa {
  const app = new Koa();
  app.silent = true;
  const renderError: RenderError = (ctx, status, message) => render(ctx, status, message, options.publicUrl());
  app.use(
    mockErrors(renderError, {
      notFound: 'The resource could not be found.',
      notAllowed: 'The method is not allowed for the requested URL.',
      internal: 'An unexpected error prevented the server from fulfilling your request.',
    }),
  );
  if (options.control) useControl(app, options.control, renderError);

  const router = new Router();
  for (const resource of [versionsRouter, authTokensRouter, applicationCredentialsRouter, authScopesRouter])
    router.use(resource(options).routes());
  app.use(router.routes()).use(router.allowedMethods());
  return app;
}
