// A mock Keystone v3 that real clients (keystoneauth, the openstack CLI, this project) cannot tell from the
// real one for the calls a service like this makes: version discovery, token issue/validate/check/revoke,
// the caller's catalog and projects, application credentials with access rules. Errors use Keystone's JSON
// shape.
import Koa from 'koa';
import Router from '@koa/router';
import { STATUS_CODES } from 'node:http';
import { sha256Hex } from '../../common/redact.js';
import { MockError, mockErrors, readJson, type MockControl } from '../control.js';
import type { AccessRule, KeystoneStore, Scope, TokenRecord } from './store.js';

export interface MockKeystoneOptions {
  store: KeystoneStore;
  /** Serve /__mock/ (counters, fault injection). */
  control?: MockControl;
  /** The URL clients use to reach this Keystone (for version links and WWW-Authenticate). */
  publicUrl: () => string;
}

const UNAUTHENTICATED = 'The request you have made requires authentication.';
const BODY_LIMIT = 64 * 1024;
const NOT_COMPLY =
  'The server could not comply with the request since it is either malformed or otherwise incorrect. The client is assumed to be in error.';
/** Sent by keystonemiddleware (value "1") to say it enforces access rules; without it Keystone refuses such tokens. */
const ACCESS_RULES_HEADER = 'openstack-identity-access-rules';
/** GET /v3/auth/tokens, the validations counted in flight. */
const VALIDATE_PATH = /^\/v3\/auth\/tokens\/?$/;

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
    // Validations in flight and their peak since the last reset. Before the fault middleware, so that the
    // window includes injected latency; the peak lives in the counters, so POST /__mock/reset clears it.
    let inflight = 0;
    app.use(async (ctx, next) => {
      if (ctx.method !== 'GET' || !VALIDATE_PATH.test(ctx.path)) {
        await next();
        return;
      }
      inflight++;
      if (inflight > control.get('validations_inflight_peak'))
        control.counters.set('validations_inflight_peak', inflight);
      try {
        await next();
      } finally {
        inflight--;
      }
    });
    app.use(control.faultMiddleware((ctx, status, message) => render(ctx, status, message, options.publicUrl())));
    const mockRoutes = control.routes(() => ({ validations_inflight: inflight }));
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
    // Before policy, as Keystone validates the subject token while building the policy target.
    if (store.accessRulesOf(record) && !accessRulesSupported(ctx.get(ACCESS_RULES_HEADER)))
      throw new MockError(404, 'Failed to validate token');
    const privileged = store.rolesOn(me.userId, me.scope).some((r) => allowedRoles.includes(r.name));
    if (!privileged && me.userId !== record.userId) {
      const action =
        { GET: 'validate_token', HEAD: 'check_token', DELETE: 'revoke_token' }[ctx.method] ?? 'validate_token';
      throw new MockError(403, `You are not authorized to perform the requested action: identity:${action}.`);
    }
    return record;
  };

  router.post('/v3/auth/tokens', async (ctx) => {
    const body = (await readJson(ctx.req, BODY_LIMIT)) as {
      auth?: { identity?: Record<string, unknown>; scope?: unknown };
    } | null;
    const identity = body?.auth?.identity as
      | {
          methods?: unknown;
          password?: { user?: Record<string, unknown> };
          token?: { id?: unknown };
          application_credential?: unknown;
        }
      | undefined;
    if (!identity || !Array.isArray(identity.methods) || identity.methods.length === 0) {
      throw new MockError(400, "Invalid input for field 'identity': 'methods' is a required property");
    }
    for (const method of identity.methods) {
      if (typeof method === 'string' && !(method in identity))
        throw new MockError(400, `Expecting to find ${method} in identity. ${NOT_COMPLY}`);
    }
    if (identity.methods.includes('application_credential')) {
      const record = appCredAuth(
        ctx,
        identity.application_credential,
        body?.auth !== undefined && 'scope' in body.auth,
      );
      if (!record) return;
      control?.count('tokens_issued');
      ctx.status = 201;
      ctx.set('X-Subject-Token', record.id);
      ctx.body = store.render(record, { catalog: ctx.query.nocatalog === undefined });
      return;
    }
    let userId: string;
    let methods: string[];
    let expiresAt: number | undefined;
    if (identity.methods.includes('password')) {
      const u = identity.password?.user;
      if (!u || typeof u.password !== 'string')
        throw new MockError(400, "Invalid input for field 'identity/password/user': 'password' is a required property");
      const user = store.findUser(u);
      if (!user || user.password !== u.password) throw new MockError(401, UNAUTHENTICATED);
      userId = user.id;
      methods = ['password'];
    } else if (identity.methods.includes('token')) {
      const original = store.lookup(typeof identity.token?.id === 'string' ? identity.token.id : undefined);
      if (!original) throw new MockError(401, UNAUTHENTICATED);
      if (original.appCredId !== undefined) {
        // Keystone validates the old token without the access-rules header, then refuses delegation.
        if (store.accessRulesOf(original)) throw new MockError(404, 'Failed to validate token');
        throw new MockError(
          403,
          'You are not authorized to perform the requested action: Using a delegated token to create another token is not allowed..',
        );
      }
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
    const record = subject(ctx, ctx.query.allow_expired === '1' || ctx.query.allow_expired === 'true', [
      'admin',
      'service',
    ]);
    ctx.set('X-Subject-Token', record.id);
    ctx.body = store.render(record, { catalog: ctx.query.nocatalog === undefined });
  });

  router.delete('/v3/auth/tokens', (ctx) => {
    const record = subject(ctx, false, ['admin']);
    // Keystone's revoke_token validates the token again without the access-rules header: always refused.
    if (store.accessRulesOf(record)) throw new MockError(404, 'Failed to validate token');
    store.revoke(record.id);
    control?.count('revocations');
    ctx.status = 204;
  });

  /**
   * The application_credential method: by id, or by name with the user (id, or name and domain). Returns
   * undefined when it has answered itself (the scope error, which carries an extra `identity` key).
   */
  const appCredAuth = (ctx: Koa.Context, raw: unknown, scoped: boolean): TokenRecord | undefined => {
    if (scoped) {
      ctx.status = 401;
      ctx.body = {
        error: {
          code: 401,
          identity: {},
          message: 'Error authenticating with application credential: Application credentials cannot request a scope.',
          title: 'Unauthorized',
        },
      };
      ctx.set('WWW-Authenticate', `Keystone uri="${options.publicUrl()}"`);
      return undefined;
    }
    const ac = (raw && typeof raw === 'object' ? raw : {}) as {
      id?: unknown;
      name?: unknown;
      secret?: unknown;
      user?: { id?: unknown; name?: unknown; domain?: { id?: unknown; name?: unknown } };
    };
    let cred;
    if (typeof ac.id === 'string' && ac.id) {
      cred = store.appCred(ac.id);
      if (!cred) throw new MockError(404, `Could not find Application Credential: ${ac.id}.`);
    } else if (typeof ac.name === 'string' && ac.name) {
      if (!ac.user || typeof ac.user !== 'object')
        throw new MockError(400, `Expecting to find user in application credential. ${NOT_COMPLY}`);
      const user = store.findUser(ac.user);
      cred = user && store.appCredByName(user.id, ac.name);
      if (!cred) throw new MockError(401, UNAUTHENTICATED);
    } else {
      throw new MockError(400, `Expecting to find name or ID in application credential. ${NOT_COMPLY}`);
    }
    if (typeof ac.secret !== 'string' || ac.secret !== cred.secret) throw new MockError(401, UNAUTHENTICATED);
    if (cred.expiresAt !== null && cred.expiresAt <= store.now()) throw new MockError(401, UNAUTHENTICATED);
    const scope: Scope = cred.projectId === null ? { unscoped: true } : { project: cred.projectId };
    const expiresAt = cred.expiresAt === null ? undefined : Math.min(cred.expiresAt, store.now() + store.tokenTtlMs);
    return store.issue(cred.userId, ['application_credential'], scope, expiresAt, cred.id);
  };

  router.post('/v3/users/:userId/application_credentials', async (ctx) => {
    const me = caller(ctx);
    const body = (await readJson(ctx.req, BODY_LIMIT)) as { application_credential?: unknown } | null;
    const data = (body?.application_credential ?? {}) as Record<string, unknown>;
    validateAppCred(data);
    if (me.userId !== ctx.params.userId)
      throw new MockError(
        403,
        'You are not authorized to perform the requested action: identity:create_application_credential.',
      );
    if (me.appCredId !== undefined && !store.appCred(me.appCredId)?.unrestricted) {
      throw new MockError(
        403,
        "You are not authorized to perform the requested action: Using method 'application_credential' is not allowed for managing additional application credentials..",
      );
    }
    const name = data.name as string;
    if (store.appCredByName(me.userId, name))
      throw new MockError(
        409,
        `Conflict occurred attempting to store application_credential - Duplicate entry found with name ${name}.`,
      );
    const held = store.tokenRoles(me);
    let roles = held;
    if (Array.isArray(data.roles) && data.roles.length > 0) {
      roles = (data.roles as { id?: string; name?: string }[]).map((ref) => {
        const role = store.seed.roles.find((r) => (ref.id !== undefined ? r.id === ref.id : r.name === ref.name));
        if (!role) throw new MockError(404, `Could not find role: ${ref.id ?? ref.name}.`);
        if (!held.some((h) => h.id === role.id))
          throw new MockError(
            400,
            'Invalid application credential: Cannot create an application credential with unassigned role',
          );
        return role;
      });
    }
    const rules = data.access_rules as { id?: string; service?: string; method?: string; path?: string }[] | undefined;
    for (const rule of rules ?? []) {
      // The real Keystone fails with a 500 here; the mock says why.
      if (
        (rule.id === undefined || !store.accessRule(rule.id)) &&
        (rule.service === undefined || rule.method === undefined || rule.path === undefined)
      ) {
        throw new MockError(
          400,
          "Invalid input for field 'access_rules': a new access rule needs service, method and path.",
        );
      }
    }
    let expiresAt: number | null = null;
    if (typeof data.expires_at === 'string') {
      expiresAt = Date.parse(data.expires_at);
      if (Number.isNaN(expiresAt)) throw new MockError(400, `Invalid input for field 'expires_at': ${data.expires_at}`);
    }
    const cred = store.createAppCred({
      name,
      description: typeof data.description === 'string' ? data.description : null,
      userId: me.userId,
      projectId: 'project' in me.scope ? me.scope.project : null,
      secret: typeof data.secret === 'string' && data.secret ? data.secret : undefined,
      expiresAt,
      roles,
      unrestricted: typeof data.unrestricted === 'boolean' ? data.unrestricted : null,
      accessRules: rules,
    });
    ctx.status = 201;
    ctx.body = {
      application_credential: {
        id: cred.id,
        name: cred.name,
        description: cred.description,
        user_id: cred.userId,
        project_id: cred.projectId,
        system: null,
        expires_at: cred.expiresAt === null ? null : new Date(cred.expiresAt).toISOString().replace(/Z$/, '000'),
        unrestricted: cred.unrestricted,
        roles: cred.roles.map((r) => ({ id: r.id, name: r.name, domain_id: null, description: null, options: {} })),
        ...(cred.accessRules ? { access_rules: cred.accessRules } : {}),
        secret: cred.secret,
        links: { self: `${options.publicUrl()}/v3/application_credentials/${cred.id}` },
      },
    };
  });

  router.get('/v3/auth/catalog', (ctx) => {
    const me = caller(ctx);
    if ('unscoped' in me.scope) throw new MockError(403, 'The service catalog is empty.');
    ctx.body = {
      catalog: store.catalog(),
      links: { self: `${options.publicUrl()}/v3/auth/catalog`, previous: null, next: null },
    };
  });

  router.get('/v3/auth/projects', (ctx) => {
    const me = caller(ctx);
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
        links: { self: `${options.publicUrl()}/v3/projects/${p.id}` },
      })),
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
    const project = store.findProject(scope.project);
    if (!project) throw new MockError(401, UNAUTHENTICATED);
    return { project: project.id };
  }
  if (scope.domain) {
    const domain = store.domain(scope.domain);
    if (!domain) throw new MockError(401, UNAUTHENTICATED);
    return { domain: domain.id };
  }
  throw new MockError(
    400,
    "Invalid input for field 'scope': only project and domain scope are supported by this mock.",
  );
}

/**
 * Whether an OpenStack-Identity-Access-Rules value lets Keystone hand out a token with access rules: present
 * and, read as a Python float, not below 1.0 ("1" is what keystonemiddleware sends; "nan" passes too, as in
 * Python). A value Python cannot read as a float makes the real Keystone fail with a 500, and the mock too.
 */
export function accessRulesSupported(header: string): boolean {
  if (!header) return false;
  const value = pythonFloat(header);
  if (value === undefined) throw new Error(`could not convert string to float: '${header}'`);
  return !(value < 1.0);
}

function pythonFloat(text: string): number | undefined {
  const t = text.trim();
  if (/^[+-]?(inf|infinity)$/i.test(t)) return t.startsWith('-') ? -Infinity : Infinity;
  if (/^[+-]?nan$/i.test(t)) return NaN;
  const digits = String.raw`\d(?:_?\d)*`;
  if (!new RegExp(String.raw`^[+-]?(?:${digits}(?:\.(?:${digits})?)?|\.${digits})(?:[eE][+-]?${digits})?$`).test(t))
    return undefined;
  return Number(t.replaceAll('_', ''));
}

const ID_STRING = /^[a-zA-Z0-9-]+$/;
const RULE_KEYS = new Set(['id', 'service', 'method', 'path']);

/** Keystone's JSON schema for a new application credential (the parts a client can get wrong). */
function validateAppCred(data: Record<string, unknown>): void {
  const bad = (field: string, why: string) => new MockError(400, `Invalid input for field '${field}': ${why}`);
  if (typeof data !== 'object' || Array.isArray(data)) throw bad('application_credential', "is not of type 'object'");
  if (!('name' in data)) throw new MockError(400, "'name' is a required property");
  if (typeof data.name !== 'string' || data.name.length > 255 || !/\S/.test(data.name))
    throw bad('name', 'must be a non-blank string of at most 255 characters');
  if (data.unrestricted !== undefined && typeof data.unrestricted !== 'boolean')
    throw bad('unrestricted', "is not of type 'boolean'");
  if (data.roles !== undefined) {
    if (!Array.isArray(data.roles)) throw bad('roles', "is not of type 'array'");
    data.roles.forEach((r: unknown, i) => {
      const keys = r && typeof r === 'object' ? Object.keys(r) : [];
      if (
        keys.length !== 1 ||
        !['id', 'name'].includes(keys[0]!) ||
        typeof (r as Record<string, unknown>)[keys[0]!] !== 'string'
      )
        throw bad(`roles/${i}`, 'needs exactly one of id or name');
    });
  }
  if (data.access_rules !== undefined) {
    if (!Array.isArray(data.access_rules))
      throw bad('access_rules', `${JSON.stringify(data.access_rules)} is not of type 'array'`);
    data.access_rules.forEach((raw: unknown, i) => {
      if (!raw || typeof raw !== 'object' || Array.isArray(raw))
        throw bad(`access_rules/${i}`, "is not of type 'object'");
      const rule = raw as Partial<Record<keyof AccessRule, unknown>>;
      const extra = Object.keys(rule).filter((k) => !RULE_KEYS.has(k));
      if (extra.length > 0)
        throw bad(
          `access_rules/${i}`,
          `Additional properties are not allowed (${extra.map((k) => `'${k}'`).join(', ')} was unexpected)`,
        );
      if (
        rule.method !== undefined &&
        (typeof rule.method !== 'string' || !/^(POST|GET|HEAD|PATCH|PUT|DELETE)$/.test(rule.method))
      ) {
        throw bad(
          `access_rules/${i}/method`,
          `${JSON.stringify(rule.method)} does not match '^(POST|GET|HEAD|PATCH|PUT|DELETE)$'`,
        );
      }
      if (
        rule.path !== undefined &&
        (typeof rule.path !== 'string' || !rule.path.startsWith('/') || rule.path.length > 225)
      ) {
        throw bad(`access_rules/${i}/path`, `${JSON.stringify(rule.path)} does not match '^\\/.*'`);
      }
      for (const key of ['service', 'id'] as const) {
        const v = rule[key];
        if (v !== undefined && (typeof v !== 'string' || v.length > 64 || !ID_STRING.test(v)))
          throw bad(`access_rules/${i}/${key}`, `${JSON.stringify(v)} does not match '^[a-zA-Z0-9-]+$'`);
      }
    });
  }
}
