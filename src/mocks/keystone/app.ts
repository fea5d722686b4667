// A mock Keystone v3 that real clients (keystoneauth, the openstack CLI, this project) cannot tell from the
// real one for the calls a service like this makes: version discovery, token issue/validate/check/revoke,
// the caller's catalog and projects. Errors use Keystone's JSON shape.
import Koa from 'koa';
import Router from '@koa/router';
import { STATUS_CODES } from 'node:http';
import { sha256Hex } from '../../redact.js';
import { MockError, mockErrors, readJson, type MockControl } from '../control.js';
import type { KeystoneStore, Scope, TokenRecord } from './store.js';

export interface MockKeystoneOptions {
  store: KeystoneStore;
  /** Serve /__mock/ (counters, fault injection). */
  control?: MockControl;
  /** The URL clients use to reach this Keystone (for version links and WWW-Authenticate). */
  publicUrl: () => string;
}

const UNAUTHENTICATED = 'The request you have made requires authentication.';
const BODY_LIMIT = 64 * 1024;

function render(ctx: Koa.Context, status: number, message: string, publicUrl: string): void {
  ctx.status = status;
  ctx.body = { error: { code: status, message, title: STATUS_CODES[status] ?? 'Error' } };
  if (status === 401) ctx.set('WWW-Authenticate', `Keystone uri="${publicUrl}"`);
}

export function createMockKeystone(options: MockKeystoneOptions): Koa {
  const { store, control } = options;
  const app = new Koa();
  app.silent = true;
  const versionDoc = () => ({
    id: 'v3.14',
    status: 'stable',
    updated: '2020-04-07T00:00:00Z',
    links: [{ rel: 'self', href: `${options.publicUrl()}/v3/` }],
    'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.identity-v3+json' }],
  });

  app.use(
    mockErrors((ctx, status, message) => render(ctx, status, message, options.publicUrl()), {
      notFound: 'The resource could not be found.',
      notAllowed: 'The method is not allowed for the requested URL.',
      internal: 'An unexpected error prevented the server from fulfilling your request.',
    }),
  );
  if (control) {
    app.use(control.faultMiddleware((ctx, status, message) => render(ctx, status, message, options.publicUrl())));
    const mockRoutes = control.routes();
    app.use(mockRoutes.routes()).use(mockRoutes.allowedMethods());
  }

  const router = new Router();
  router.get('/', (ctx) => {
    ctx.status = 300;
    ctx.set('Location', `${options.publicUrl()}/v3/`);
    ctx.body = { versions: { values: [versionDoc()] } };
  });
  router.get(['/v3', '/v3/'], (ctx) => {
    ctx.body = { version: versionDoc() };
  });

  /** The caller's own token (X-Auth-Token): missing or bad is 401. */
  const caller = (ctx: Koa.Context): TokenRecord => {
    const record = store.lookup(ctx.get('x-auth-token') || undefined);
    if (!record) throw new MockError(401, UNAUTHENTICATED);
    return record;
  };

  /**
   * The token asked about (X-Subject-Token), if the caller may act on it. Keystone's default policies:
   * validate (GET) allows admin, service and the token's owner; check (HEAD) and revoke (DELETE) only admin
   * and the owner.
   */
  const subject = (ctx: Koa.Context, allowExpired: boolean, allowedRoles: readonly string[]): TokenRecord => {
    const me = caller(ctx);
    const id = ctx.get('x-subject-token');
    if (!id) throw new MockError(404, 'No token in the request');
    const record = store.lookup(id, { allowExpired });
    // Keystone's Fernet wording; it never echoes the token back.
    if (!record) throw new MockError(404, 'Could not recognize Fernet token');
    const privileged = store.rolesOn(me.userId, me.scope).some((r) => allowedRoles.includes(r.name));
    if (!privileged && me.userId !== record.userId) {
      const action = { GET: 'validate_token', HEAD: 'check_token', DELETE: 'revoke_token' }[ctx.method] ?? 'validate_token';
      throw new MockError(403, `You are not authorized to perform the requested action: identity:${action}.`);
    }
    return record;
  };

  router.post('/v3/auth/tokens', async (ctx) => {
    const body = (await readJson(ctx.req, BODY_LIMIT)) as { auth?: { identity?: Record<string, unknown>; scope?: unknown } } | null;
    const identity = body?.auth?.identity as { methods?: unknown; password?: { user?: Record<string, unknown> }; token?: { id?: unknown } } | undefined;
    if (!identity || !Array.isArray(identity.methods) || identity.methods.length === 0) {
      throw new MockError(400, "Invalid input for field 'identity': 'methods' is a required property");
    }
    let userId: string;
    let methods: string[];
    let expiresAt: number | undefined;
    if (identity.methods.includes('password')) {
      const u = identity.password?.user;
      if (!u || typeof u.password !== 'string') throw new MockError(400, "Invalid input for field 'identity/password/user': 'password' is a required property");
      const user = store.findUser(u as { id?: unknown; name?: unknown; domain?: { id?: unknown; name?: unknown } });
      if (!user || user.password !== u.password) throw new MockError(401, UNAUTHENTICATED);
      userId = user.id;
      methods = ['password'];
    } else if (identity.methods.includes('token')) {
      const original = store.lookup(typeof identity.token?.id === 'string' ? identity.token.id : undefined);
      if (!original) throw new MockError(401, UNAUTHENTICATED);
      userId = original.userId;
      methods = [...new Set([...original.methods, 'token'])];
      expiresAt = original.expiresAt; // a rescoped token never outlives the one it came from
    } else {
      throw new MockError(401, 'Attempted to authenticate with an unsupported method.');
    }
    const scope = resolveScope(store, body?.auth?.scope);
    if (!('unscoped' in scope) && store.rolesOn(userId, scope).length === 0) {
      const what = 'project' in scope ? `project ${scope.project}` : `domain ${scope.domain}`;
      throw new MockError(401, `User ${userId} has no access to ${what}.`);
    }
    const record = store.issue(userId, methods, scope, expiresAt);
    control?.count('tokens_issued');
    ctx.status = 201;
    ctx.set('X-Subject-Token', record.id);
    ctx.body = store.render(record, { catalog: ctx.query.nocatalog === undefined });
  });

  // Before the GET route: @koa/router answers HEAD with a GET route registered first.
  router.head('/v3/auth/tokens', (ctx) => {
    control?.count('checks');
    subject(ctx, false, ['admin']);
    ctx.status = 200;
  });

  router.get('/v3/auth/tokens', (ctx) => {
    const subjectId = ctx.get('x-subject-token');
    control?.count('validations');
    if (subjectId) control?.count(`validations:${sha256Hex(subjectId)}`);
    const record = subject(ctx, ctx.query.allow_expired === '1' || ctx.query.allow_expired === 'true', ['admin', 'service']);
    ctx.set('X-Subject-Token', record.id);
    ctx.body = store.render(record, { catalog: ctx.query.nocatalog === undefined });
  });

  router.delete('/v3/auth/tokens', (ctx) => {
    const record = subject(ctx, false, ['admin']);
    store.revoke(record.id);
    control?.count('revocations');
    ctx.status = 204;
  });

  router.get('/v3/auth/catalog', (ctx) => {
    const me = caller(ctx);
    if ('unscoped' in me.scope) throw new MockError(403, 'The service catalog is empty.');
    ctx.body = { catalog: store.catalog(), links: { self: `${options.publicUrl()}/v3/auth/catalog`, previous: null, next: null } };
  });

  router.get('/v3/auth/projects', (ctx) => {
    const me = caller(ctx);
    const projects = store.seed.projects.filter((p) => store.rolesOn(me.userId, { project: p.id }).length > 0);
    ctx.body = {
      projects: projects.map((p) => ({ id: p.id, name: p.name, domain_id: p.domain_id, enabled: true, is_domain: false, description: '', parent_id: p.domain_id, links: { self: `${options.publicUrl()}/v3/projects/${p.id}` } })),
      links: { self: `${options.publicUrl()}/v3/auth/projects`, previous: null, next: null },
    };
  });

  app.use(router.routes()).use(router.allowedMethods());
  return app;
}

function resolveScope(store: KeystoneStore, raw: unknown): Scope {
  if (raw === undefined || raw === null || raw === 'unscoped') return { unscoped: true };
  const scope = raw as { project?: Record<string, unknown>; domain?: Record<string, unknown>; system?: unknown };
  if (scope.project) {
    const project = store.findProject(scope.project as { id?: unknown; name?: unknown; domain?: { id?: unknown; name?: unknown } });
    if (!project) throw new MockError(401, UNAUTHENTICATED);
    return { project: project.id };
  }
  if (scope.domain) {
    const domain = store.domain(scope.domain as { id?: unknown; name?: unknown });
    if (!domain) throw new MockError(401, UNAUTHENTICATED);
    return { domain: domain.id };
  }
  throw new MockError(400, 'Invalid input for field \'scope\': only project and domain scope are supported by this mock.');
}
