// How POST /v3/auth/tokens authenticates: the password, token and application_credential methods, and the
// scope asked for; each failure with Keystone's status and wording.
import type Koa from 'koa';
import { MockError } from '../../control.js';
import type { AppCredential, KeystoneStore, Scope, TokenRecord } from '../store.js';
import { NOT_COMPLY, UNAUTHENTICATED, type MockKeystoneOptions } from './shared.js';

export interface AuthRequest {
  auth?: { identity?: Record<string, unknown>; scope?: unknown };
}

interface Identity {
  methods?: unknown;
  password?: { user?: Record<string, unknown> };
  token?: { id?: unknown };
  application_credential?: unknown;
}

/** Who authenticated, before the scope: the user, the methods the token will list, and a cap on its expiry. */
interface Authenticated {
  userId: string;
  methods: string[];
  expiresAt?: number | undefined;
}

/** The token to issue; undefined when the answer is already written (the application credential's scope error). */
export function authenticate(
  ctx: Koa.Context,
  options: MockKeystoneOptions,
  body: AuthRequest | null,
): TokenRecord | undefined {
  const { store } = options;
  const identity = body?.auth?.identity as Identity | undefined;
  if (!identity || !Array.isArray(identity.methods) || identity.methods.length === 0) {
    throw new MockError(400, "Invalid input for field 'identity': 'methods' is a required property");
  }
  for (const method of identity.methods) {
    if (typeof method === 'string' && !(method in identity))
      throw new MockError(400, `Expecting to find ${method} in identity. ${NOT_COMPLY}`);
  }
  if (identity.methods.includes('application_credential')) {
    const scoped = body?.auth !== undefined && 'scope' in body.auth;
    return appCredAuth(ctx, options, identity.application_credential, scoped);
  }
  let who: Authenticated;
  if (identity.methods.includes('password')) who = passwordAuth(store, identity);
  else if (identity.methods.includes('token')) who = tokenAuth(store, identity);
  else throw new MockError(401, 'Attempted to authenticate with an unsupported method.');
  const scope = resolveScope(store, body?.auth?.scope);
  if (!('unscoped' in scope) && store.rolesOn(who.userId, scope).length === 0) {
    const what = 'project' in scope ? `project ${scope.project}` : `domain ${scope.domain}`;
    throw new MockError(401, `User ${who.userId} has no access to ${what}.`);
  }
  return store.issue(who.userId, who.methods, scope, who.expiresAt);
}

function passwordAuth(store: KeystoneStore, identity: Identity): Authenticated {
  const u = identity.password?.user;
  if (!u || typeof u.password !== 'string')
    throw new MockError(400, "Invalid input for field 'identity/password/user': 'password' is a required property");
  const user = store.findUser(u);
  if (!user || user.password !== u.password) throw new MockError(401, UNAUTHENTICATED);
  return { userId: user.id, methods: ['password'] };
}

function tokenAuth(store: KeystoneStore, identity: Identity): Authenticated {
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
  return {
    userId: original.userId,
    methods: [...new Set([...original.methods, 'token'])],
    expiresAt: original.expiresAt, // a rescoped token never outlives the one it came from
  };
}

/**
 * The application_credential method: by id, or by name with the user (id, or name and domain). Returns
 * undefined when it has answered itself (the scope error, which carries an extra `identity` key).
 */
function appCredAuth(
  ctx: Koa.Context,
  { store, publicUrl }: MockKeystoneOptions,
  raw: unknown,
  scoped: boolean,
): TokenRecord | undefined {
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
    ctx.set('WWW-Authenticate', `Keystone uri="${publicUrl()}"`);
    return undefined;
  }
  const cred = findAppCred(store, raw);
  if (cred.expiresAt !== null && cred.expiresAt <= store.now()) throw new MockError(401, UNAUTHENTICATED);
  const scope: Scope = cred.projectId === null ? { unscoped: true } : { project: cred.projectId };
  const expiresAt = cred.expiresAt === null ? undefined : Math.min(cred.expiresAt, store.now() + store.tokenTtlMs);
  return store.issue(cred.userId, ['application_credential'], scope, expiresAt, cred.id);
}

/** The application credential named by the request, if its secret matches. */
function findAppCred(store: KeystoneStore, raw: unknown): AppCredential {
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
  return cred;
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
