// The service's own identity: Keystone v3 password authentication (keystoneauth's v3.Password), with the
// token cached, renewed shortly before it expires or after a 401, and one authentication shared by every
// concurrent caller. Beyond keystoneauth: Keystone's refusal of the credentials is held for a while, so a
// wrong password is not sent again on every request and probe (docs/upstream-differences.md).
import { inspect, type InspectOptions } from 'node:util';
import { inspectLoggable } from '../common/redact.js';
import { IDENTITY_SERVICE } from './adapter.js';
import { BadRequestError, ForbiddenError, ProtocolError, UnauthorizedError, type HttpError } from './errors.js';
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
  now?: (() => number) | undefined;
  /**
   * How long a refusal of the credentials answers in Keystone's place: `initialMs` (2 s), doubling with each
   * further refusal up to `maxMs` (60 s), until Keystone issues a token.
   */
  refusalHold?: { initialMs: number; maxMs: number } | undefined;
}

/**
 * Keystone's refusal of the credentials themselves: 401 (unknown or disabled user, project or domain, wrong
 * password, no role on the project, account locked), 403, or 400 (a malformed identity, such as a name with
 * no domain). The same credentials get the same answer until someone changes them or the user in Keystone:
 * a configuration error. A 5xx, a timeout or a refused connection is an outage, which ends on its own.
 */
export function isCredentialRefusal(err: unknown): err is HttpError {
  return err instanceof UnauthorizedError || err instanceof ForbiddenError || err instanceof BadRequestError;
}

/** The last refusal, and until when it is the answer. */
interface HeldRefusal {
  error: HttpError;
  until: number;
  /** Refusals since the last token: each doubles the hold. */
  count: number;
}

export class PasswordPlugin implements AuthPlugin {
  private access: AccessInfo | undefined;
  private inflight: Promise<AccessInfo> | undefined;
  private refusal: HeldRefusal | undefined;
  private readonly expiryMarginMs: number;
  private readonly now: () => number;
  private readonly refusalHold: { initialMs: number; maxMs: number };
  // A true private field, not TypeScript's `private`: `{ ...plugin }`, Object.entries and an inspect without
  // the custom hook never see the password.
  readonly #credentials: PasswordCredentials;

  constructor(
    credentials: PasswordCredentials,
    private readonly options: PasswordPluginOptions = {},
  ) {
    this.#credentials = credentials;
    this.expiryMarginMs = options.expiryMarginMs ?? 30_000;
    this.now = options.now ?? Date.now;
    this.refusalHold = options.refusalHold ?? { initialMs: 2000, maxMs: 60_000 };
  }

  /**
   * A valid token of the service user, authenticating when needed (one call for all concurrent callers).
   * While a refusal is held, throws it again without asking Keystone: a wrong password sent on every request
   * would count towards Keystone's lockout (security_compliance.lockout_failure_attempts), which would lock
   * out every replica of the service user, the well-configured ones too.
   */
  async getAccess(session: PluginSession): Promise<AccessInfo> {
    const current = this.access;
    if (current && !current.willExpireSoon(this.expiryMarginMs, this.now())) return current;
    const refusal = this.refusal;
    if (refusal && this.now() < refusal.until) throw refusal.error;
    // Shared by every waiting caller, so no single caller's AbortSignal may cancel it.
    this.inflight ??= this.authenticate(session)
      .then(
        (access) => {
          this.refusal = undefined;
          return access;
        },
        (err: unknown) => {
          if (isCredentialRefusal(err)) this.holdRefusal(err);
          throw err;
        },
      )
      .finally(() => {
        this.inflight = undefined;
      });
    return this.inflight;
  }

  private holdRefusal(error: HttpError): void {
    const count = (this.refusal?.count ?? 0) + 1;
    const { initialMs, maxMs } = this.refusalHold;
    const holdMs = Math.min(maxMs, initialMs * 2 ** Math.min(count - 1, 30));
    this.refusal = { error, until: this.now() + holdMs, count };
  }

  async getHeaders(session: PluginSession): Promise<Record<string, string>> {
    return { 'X-Auth-Token': (await this.getAccess(session)).authToken };
  }

  async getEndpoint(session: PluginSession, filter: EndpointFilter): Promise<string> {
    const access = await this.getAccess(session);
    // keystoneauth answers identity lookups from auth_url when the catalog has no identity endpoint.
    if (filter.serviceType === 'identity' && !access.catalog.entries.some((e) => e.type === 'identity')) {
      return this.#credentials.authUrl;
    }
    return access.catalog.urlFor(filter);
  }

  invalidate(): boolean {
    this.access = undefined;
    return true;
  }

  /** What a log line or JSON.stringify shows: whose identity, never the password, the token as {SHA256}<hex>. */
  toJSON(): Record<string, unknown> {
    const { authUrl, username, projectName } = this.#credentials;
    return { authUrl, username, projectName, access: this.access?.toJSON() };
  }

  [inspect.custom](depth: number, options: InspectOptions): string {
    return inspectLoggable('PasswordPlugin', this.toJSON(), depth, options);
  }

  private async authenticate(session: PluginSession): Promise<AccessInfo> {
    const c = this.#credentials;
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
