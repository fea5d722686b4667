// Like Glance's paste pipeline: auth_token with delay_auth_decision, then Glance's context middleware answers
// an unconfirmed identity (or one its access rules do not allow here) with webob's 401, which keystonemiddleware
// gives a WWW-Authenticate. Version discovery needs no token.
import type Koa from 'koa';
import { allowedByAccessRules } from '../identity.js';
import { renderError, type GlanceState, type MockGlanceOptions } from './shared.js';
import { VERSION_PATHS } from './versions.js';

// webob's 401 text, which Glance sends when keystonemiddleware (delay_auth_decision = true) marks a request Invalid.
const UNAUTHORIZED_TEXT =
  'This server could not verify that you are authorized to access the document you requested. Either you supplied the wrong credentials (e.g., bad password), or your browser does not understand how to supply the credentials required.';

export function authenticate({ identity, wwwAuthenticateUri }: MockGlanceOptions): Koa.Middleware<GlanceState> {
  return async (ctx, next) => {
    if (VERSION_PATHS.includes(ctx.path)) {
      await next();
      return;
    }
    const token = (ctx.get('x-auth-token') || ctx.get('x-storage-token')).trim();
    const caller = token ? await identity.caller(token) : undefined;
    if (caller && allowedByAccessRules(caller, ctx.method, ctx.path, ctx.get('x-service-token') !== '')) {
      ctx.state.viewer = { projectId: caller.projectId, isAdmin: caller.roles.includes('admin') };
      await next();
      return;
    }
    ctx.set('WWW-Authenticate', `Keystone uri="${wwwAuthenticateUri}"`);
    renderError(ctx, 401, UNAUTHORIZED_TEXT);
  };
}
