// /v3/auth/tokens: issue (POST, authenticate.ts), check (HEAD), validate (GET) and revoke (DELETE).
import Router from '@koa/router';
import type Koa from 'koa';
import { sha256Hex } from '../../../common/redact.js';
import { MockError, readJson } from '../../control.js';
import type { TokenRecord } from '../store.js';
import { ACCESS_RULES_HEADER, accessRulesSupported } from './access-rules-header.js';
import { authenticate, type AuthRequest } from './authenticate.js';
import { BODY_LIMIT, callerOf, type MockKeystoneOptions } from './shared.js';
import { tokenBody } from './token-body.js';

export function authTokensRouter(options: MockKeystoneOptions): Router {
  const { store, control } = options;
  const router = new Router();
  router.post('/v3/auth/tokens', async (ctx) => {
    const body = (await readJson(ctx.req, BODY_LIMIT)) as AuthRequest | null;
    const record = authenticate(ctx, options, body);
    if (!record) return;
    control?.count('tokens_issued');
    ctx.status = 201;
    ctx.set('X-Subject-Token', record.id);
    ctx.body = tokenBody(store, record, { catalog: ctx.query.nocatalog === undefined });
  });

  // Before the GET route: @koa/router answers HEAD with a GET route registered first.
  router.head('/v3/auth/tokens', (ctx) => {
    control?.count('checks');
    subjectOf(options, ctx, false, ['admin']);
    ctx.status = 200;
  });

  router.get('/v3/auth/tokens', (ctx) => {
    const subjectId = ctx.get('x-subject-token');
    control?.count('validations');
    if (subjectId) control?.count(`validations:${sha256Hex(subjectId)}`);
    const allowExpired = ctx.query.allow_expired === '1' || ctx.query.allow_expired === 'true';
    const record = subjectOf(options, ctx, allowExpired, ['admin', 'service']);
    ctx.set('X-Subject-Token', record.id);
    ctx.body = tokenBody(store, record, { catalog: ctx.query.nocatalog === undefined });
  });

  router.delete('/v3/auth/tokens', (ctx) => {
    const record = subjectOf(options, ctx, false, ['admin']);
    // Keystone's revoke_token validates the token again without the access-rules header: always refused.
    if (store.accessRulesOf(record)) throw new MockError(404, 'Failed to validate token');
    store.revoke(record.id);
    control?.count('revocations');
    ctx.status = 204;
  });
  return router;
}

const ACTIONS: Readonly<Record<string, string>> = {
  GET: 'validate_token',
  HEAD: 'check_token',
  DELETE: 'revoke_token',
};

/**
 * The token asked about (X-Subject-Token), if the caller may act on it. Keystone's default policies:
 * validate (GET) allows admin, service and the token's owner; check (HEAD) and revoke (DELETE) only admin
 * and the owner.
 */
function subjectOf(
  { store }: MockKeystoneOptions,
  ctx: Koa.Context,
  allowExpired: boolean,
  allowedRoles: readonly string[],
): TokenRecord {
  const me = callerOf(store, ctx);
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
    const action = ACTIONS[ctx.method] ?? 'validate_token';
    throw new MockError(403, `You are not authorized to perform the requested action: identity:${action}.`);
  }
  return record;
}
