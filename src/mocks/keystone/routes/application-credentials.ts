// POST /v3/users/{user_id}/application_credentials: a credential made with the caller's own token, with
// Keystone's policy (only for oneself; an application-credential token only when unrestricted), roles the
// caller holds, and access rules new or reused.
import Router from '@koa/router';
import { MockError, readJson } from '../../control.js';
import type { AppCredential, KeystoneStore, TokenRecord } from '../store.js';
import { validateAppCred } from './application-credential-schema.js';
import { BODY_LIMIT, callerOf, type MockKeystoneOptions } from './shared.js';

type NewRule = { id?: string; service?: string; method?: string; path?: string };

export function applicationCredentialsRouter({ store, publicUrl }: MockKeystoneOptions): Router {
  const router = new Router();
  router.post('/v3/users/:userId/application_credentials', async (ctx) => {
    const me = callerOf(store, ctx);
    const body = (await readJson(ctx.req, BODY_LIMIT)) as { application_credential?: unknown } | null;
    const data = (body?.application_credential ?? {}) as Record<string, unknown>;
    validateAppCred(data);
    mayCreate(store, me, ctx.params.userId);
    const name = data.name as string;
    if (store.appCredByName(me.userId, name))
      throw new MockError(
        409,
        `Conflict occurred attempting to store application_credential - Duplicate entry found with name ${name}.`,
      );
    const roles = grantedRoles(store, me, data.roles);
    const rules = data.access_rules as NewRule[] | undefined;
    checkNewRules(store, rules ?? []);
    const cred = store.createAppCred({
      name,
      description: typeof data.description === 'string' ? data.description : null,
      userId: me.userId,
      projectId: 'project' in me.scope ? me.scope.project : null,
      secret: typeof data.secret === 'string' && data.secret ? data.secret : undefined,
      expiresAt: expiry(data.expires_at),
      roles,
      unrestricted: typeof data.unrestricted === 'boolean' ? data.unrestricted : null,
      accessRules: rules,
    });
    ctx.status = 201;
    ctx.body = { application_credential: credentialBody(cred, publicUrl()) };
  });
  return router;
}

/** Keystone's policy: a credential only for oneself, and not from a restricted application credential's token. */
function mayCreate(store: KeystoneStore, me: TokenRecord, userId: string | undefined): void {
  if (me.userId !== userId)
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
}

/** The roles asked for (by id or name), each one the caller's token holds; all of them when none is asked. */
function grantedRoles(store: KeystoneStore, me: TokenRecord, asked: unknown): { id: string; name: string }[] {
  const held = store.tokenRoles(me);
  if (!Array.isArray(asked) || asked.length === 0) return held;
  return (asked as { id?: string; name?: string }[]).map((ref) => {
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

/** Each rule either names a known one by id or is complete. */
function checkNewRules(store: KeystoneStore, rules: readonly NewRule[]): void {
  for (const rule of rules) {
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
}

function expiry(raw: unknown): number | null {
  if (typeof raw !== 'string') return null;
  const expiresAt = Date.parse(raw);
  if (Number.isNaN(expiresAt)) throw new MockError(400, `Invalid input for field 'expires_at': ${raw}`);
  return expiresAt;
}

/** The credential as Keystone answers its creation: the only time the secret is shown. */
function credentialBody(cred: AppCredential, publicUrl: string) {
  return {
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
    links: { self: `${publicUrl}/v3/application_credentials/${cred.id}` },
  };
}
