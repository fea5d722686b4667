// What every route of the mock Keystone shares: the options it answers with, Keystone's error texts and JSON
// error shape, the body limit, and the caller's own token.
import { STATUS_CODES } from 'node:http';
import type Koa from 'koa';
import { MockError, type MockControl } from '../../control.js';
import type { KeystoneStore, TokenRecord } from '../store.js';

export interface MockKeystoneOptions {
  store: KeystoneStore;
  /** Serve /__mock/ (counters, fault injection). */
  control?: MockControl | undefined;
  /** The URL clients use to reach this Keystone (for version links and WWW-Authenticate). */
  publicUrl: () => string;
}

export const UNAUTHENTICATED = 'The request you have made requires authentication.';
export const BODY_LIMIT = 64 * 1024;
export const NOT_COMPLY =
  'The server could not comply with the request since it is either malformed or otherwise incorrect. The client is assumed to be in error.';

/** Keystone's error body; a 401 carries its WWW-Authenticate challenge. */
export function render(ctx: Koa.Context, status: number, message: string, publicUrl: string): void {
  ctx.status = status;
  ctx.body = { error: { code: status, message, title: STATUS_CODES[status] ?? 'Error' } };
  if (status === 401) ctx.set('WWW-Authenticate', `Keystone uri="${publicUrl}"`);
}

/** The caller's own token (X-Auth-Token): missing or bad is 401. */
export function callerOf(store: KeystoneStore, ctx: Koa.Context): TokenRecord {
  const record = store.lookup(ctx.get('x-auth-token') || undefined);
  if (!record) throw new MockError(401, UNAUTHENTICATED);
  return record;
}
