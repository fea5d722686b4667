// keystone.token_auth: the caller's identity as an auth plugin, built by the auth_token middleware from the
// validated tokens. Handlers pass it to a client with the global session to act as the caller: it sends the
// caller's X-Auth-Token, and this service's own token as X-Service-Token only when given one to send
// ([service_user] send_service_user_token, off by default; keystonemiddleware's always sends it:
// docs/upstream-differences.md).
import { InvalidTokenError } from './errors.js';
import { ProtocolError } from '../keystoneauth/errors.js';
import { AccessInfo, type TokenBody } from '../keystoneauth/access-info.js';
import type { AuthPlugin, EndpointFilter, PluginSession } from '../keystoneauth/plugin.js';

/** The serialized form: enough for a backend worker to act as the caller. It holds tokens: treat it as a secret. */
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

  toJSON(): SerializedUserAuth {
    const out: SerializedUserAuth = { version: 1 };
    if (this.user) out.user = { token: this.user.authToken, body: this.user.body };
    if (this.service) out.service = { token: this.service.authToken, body: this.service.body };
    return out;
  }

  /**
   * Rebuild in another process; `serviceAuth` is that process's own identity (its credentials never travel), to
   * give only where that process sends a service token (send_service_user_token).
   */
  static fromJSON(data: unknown, serviceAuth?: AuthPlugin): UserAuthPlugin {
    const d = data as Partial<SerializedUserAuth> | null;
    if (!d || d.version !== 1) throw new ProtocolError('not a serialized UserAuthPlugin (version 1)');
    // fromBody takes its body over (freezes it): the caller's data stays the caller's.
    const user = d.user ? AccessInfo.fromBody(structuredClone(d.user.body), d.user.token) : undefined;
    const service = d.service ? AccessInfo.fromBody(structuredClone(d.service.body), d.service.token) : undefined;
    return new UserAuthPlugin(user, service, serviceAuth);
  }
}
