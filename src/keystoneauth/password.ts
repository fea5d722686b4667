// The service's own identity: Keystone v3 password authentication (keystoneauth's v3.Password), with the
// token cached, renewed shortly before it expires or after a 401, and one authentication shared by every
// concurrent caller.
import { IDENTITY_SERVICE } from './adapter.js';
import { ProtocolError } from './errors.js';
import { versionedUrl } from './url.js';
import { AccessInfo } from './access-info.js';
import type { AuthPlugin, EndpointFilter, PluginSession } from './plugin.js';

export interface PasswordCredentials {
  authUrl: string;
  username: string;
  password: string;
  userDomainName: string;
  /** The user's domain by ID: when non-empty it is sent and userDomainName is not (keystoneauth's rule). */
  userDomainId?: string;
  projectName: string;
  projectDomainName: string;
  /** The project's domain by ID: when non-empty it is sent and projectDomainName is not. */
  projectDomainId?: string;
}

export interface PasswordPluginOptions {
  /** Re-authenticate when the token has less than this left (keystoneauth uses 30 s). */
  expiryMarginMs?: number;
  /** Deadline of one authentication call. */
  timeoutMs?: number;
  /** Clock, injectable for tests. */
  now?: () => number;
}

export class PasswordPlugin implements AuthPlugin {
  private access: AccessInfo | undefined;
  private inflight: Promise<AccessInfo> | undefined;
  private readonly expiryMarginMs: number;
  private readonly now: () => number;

  constructor(
    private readonly credentials: PasswordCredentials,
    private readonly options: PasswordPluginOptions = {},
  ) {
    this.expiryMarginMs = options.expiryMarginMs ?? 30_000;
    this.now = options.now ?? Date.now;
  }

  /** A valid token of the service user, authenticating when needed (one call for all concurrent callers). */
  async getAccess(session: PluginSession): Promise<AccessInfo> {
    const current = this.access;
    if (current && !current.willExpireSoon(this.expiryMarginMs, this.now())) return current;
    // Shared by every waiting caller, so no single caller's AbortSignal may cancel it.
    this.inflight ??= this.authenticate(session).finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  async getHeaders(session: PluginSession): Promise<Record<string, string>> {
    return { 'X-Auth-Token': (await this.getAccess(session)).authToken };
  }

  async getEndpoint(session: PluginSession, filter: EndpointFilter): Promise<string> {
    const access = await this.getAccess(session);
    // keystoneauth answers identity lookups from auth_url when the catalog has no identity endpoint.
    if (filter.serviceType === 'identity' && !access.catalog.entries.some((e) => e.type === 'identity')) {
      return this.credentials.authUrl;
    }
    return access.catalog.urlFor(filter);
  }

  invalidate(): boolean {
    this.access = undefined;
    return true;
  }

  private async authenticate(session: PluginSession): Promise<AccessInfo> {
    const c = this.credentials;
    // Not through an Adapter: this plugin is what an identity Adapter would authenticate with. Named the same.
    const { service, displayName, version } = IDENTITY_SERVICE;
    const response = await session.request(versionedUrl(c.authUrl, version, 'auth/tokens'), {
      method: 'POST',
      service,
      displayName,
      timeoutMs: this.options.timeoutMs,
      json: passwordAuthBody(c),
    });
    const token = response.headers['x-subject-token'];
    if (typeof token !== 'string' || token === '') {
      throw new ProtocolError('Keystone issued a token without X-Subject-Token', {
        status: response.status,
        requestId: response.requestId,
        service,
        displayName,
      });
    }
    this.access = AccessInfo.fromBody(response.json(), token);
    return this.access;
  }
}

/** A domain as keystoneauth's v3 plugins send it: by ID when one is set (a non-empty string), else by name. */
function domainRef(id: string | undefined, name: string): { id: string } | { name: string } {
  return id ? { id } : { name };
}

/** The body of POST /v3/auth/tokens: keystoneauth's v3.Password with a user name and a project name. */
function passwordAuthBody(c: PasswordCredentials) {
  return {
    auth: {
      identity: {
        methods: ['password'],
        password: {
          user: { name: c.username, password: c.password, domain: domainRef(c.userDomainId, c.userDomainName) },
        },
      },
      scope: { project: { name: c.projectName, domain: domainRef(c.projectDomainId, c.projectDomainName) } },
    },
  };
}
