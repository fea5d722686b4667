// keystone.token_auth: the caller's identity as an auth plugin, built by the auth_token middleware from the
// validated tokens. Handlers pass it to a client with the global session to act as the caller: it sends the
// caller's X-Auth-Token, and this service's own token as X-Service-Token only when given one to send
// ([service_user] send_service_user_token, off by default; keystonemiddleware's always sends it:
// docs/upstream-differences.md).
import { inspect, type InspectOptions } from 'node:util';
import { inspectLoggable } from '../common/redact.js';
import { InvalidTokenError, SerializedAuthError } from './errors.js';
import { MAX_TOKEN_LENGTH, isWellFormedToken } from './token-shape.js';
import { AccessInfo, type TokenBody } from '../keystoneauth/access-info.js';
import type { AuthPlugin, EndpointFilter, PluginSession } from '../keystoneauth/plugin.js';

/**
 * The serialized form (serialize, deserialize): enough for a backend worker to act as the caller. It holds
 * tokens: treat it as a secret. JSON.stringify and util.inspect never give it (toJSON shows fingerprints).
 */
export interface SerializedUserAuth {
  version: 1;
  user?: { token: string; body: TokenBody };
  service?: { token: string; body: TokenBody };
}

export class UserAuthPlugin implements AuthPlugin {
  constructor(
    /** The caller's validated user token, when one was sent and confirmed. */
    readonly user: AccessInfo | undefined,
    /** The caller's validated X-Service-Token, when one was sent and confirmed. */
    readonly service: AccessInfo | undefined,
    /** This service's own identity, sent along as X-Service-Token; without it, the caller's token alone. */
    private readonly serviceAuth?: AuthPlugin,
  ) {
    Object.freeze(this);
  }

  get hasUserToken(): boolean {
    return this.user !== undefined;
  }

  get hasServiceToken(): boolean {
    return this.service !== undefined;
  }

  async getHeaders(session: PluginSession, signal?: AbortSignal): Promise<Record<string, string>> {
    if (!this.user) throw new InvalidTokenError('no confirmed user token on this request');
    const headers: Record<string, string> = { 'X-Auth-Token': this.user.authToken };
    if (this.serviceAuth) {
      const own = await this.serviceAuth.getHeaders(session, signal);
      const token = own['X-Auth-Token'] ?? own['x-auth-token'];
      if (token) headers['X-Service-Token'] = token;
    }
    return headers;
  }

  async getEndpoint(_session: PluginSession, filter: EndpointFilter): Promise<string> {
    if (!this.user) throw new InvalidTokenError('no confirmed user token on this request');
    return this.user.catalog.urlFor(filter);
  }

  /** A user's token cannot be renewed on their behalf. */
  invalidate(): boolean {
    return false;
  }

  /**
   * The form a backend worker rebuilds the plugin from (deserialize): the caller's tokens and token bodies, never
   * this service's own credentials. It holds tokens: send it only where the tokens may go, never to a log.
   */
  serialize(): SerializedUserAuth {
    const out: SerializedUserAuth = { version: 1 };
    if (this.user) out.user = { token: this.user.authToken, body: this.user.body };
    if (this.service) out.service = { token: this.service.authToken, body: this.service.body };
    return out;
  }

  /** What a log line or JSON.stringify shows: each token's holder and its {SHA256}<hex>, never a token. */
  toJSON(): Record<string, unknown> {
    return { user: this.user?.toJSON(), service: this.service?.toJSON() };
  }

  [inspect.custom](depth: number, options: InspectOptions): string {
    return inspectLoggable('UserAuthPlugin', this.toJSON(), depth, options);
  }

  /**
   * Rebuild in another process from serialize()'s form; `serviceAuth` is that process's own identity (its
   * credentials never travel), to give only where that process sends a service token (send_service_user_token).
   */
  static deserialize(data: unknown, serviceAuth?: AuthPlugin): UserAuthPlugin {
    const d = data as Partial<SerializedUserAuth> | null;
    if (!d || d.version !== 1) throw new SerializedAuthError('not a serialized UserAuthPlugin (version 1)');
    return new UserAuthPlugin(accessFrom(d.user, 'user'), accessFrom(d.service, 'service'), serviceAuth);
  }
}

/** One token of a serialization, which came from elsewhere: any of its parts may be missing or wrong. */
function accessFrom(
  part: { token?: unknown; body?: unknown } | null | undefined,
  name: string,
): AccessInfo | undefined {
  if (part === undefined) return undefined;
  if (typeof part?.token !== 'string' || part.token === '')
    throw new SerializedAuthError(`the serialized ${name} token is not a non-empty string`);
  // A token the middleware would not have let in (CR/LF, non-ASCII, 100 KB) is not one it serialized.
  if (!isWellFormedToken(part.token))
    throw new SerializedAuthError(
      `the serialized ${name} token is not a token (at most ${MAX_TOKEN_LENGTH} printable ASCII characters)`,
    );
  try {
    // fromBody takes its body over (freezes it): the caller's data stays the caller's.
    return AccessInfo.fromBody(structuredClone(part.body), part.token);
  } catch (err) {
    throw new SerializedAuthError(`the serialized ${name} token body is not a Keystone v3 token`, { cause: err });
  }
}
