// keystonemiddleware's auth_token, for Koa. On every request: strip identity headers a caller could forge,
// validate the service token (if any) and the user token with Keystone, enforce application-credential access
// rules, then either reject (401 / 503) or set the identity headers and ctx.state.tokenAuth, the
// keystone.token_auth plugin a handler uses to act as the caller. Where this differs from upstream it is on
// the safe side; docs/upstream-differences.md lists each difference.
import type { IncomingHttpHeaders } from 'node:http';
import type { Middleware, Next, ParameterizedContext } from 'koa';
import type { AccessInfo } from '../keystoneauth/access-info.js';
import type { AuthPlugin } from '../keystoneauth/plugin.js';
import type { TokenValidator } from './validator.js';
import { UserAuthPlugin } from './user-plugin.js';
import { ApiError } from '../common/api-error.js';
import {
  IdentityUnavailableError,
  InvalidTokenError,
  UNAUTHORIZED_MESSAGE,
  ValidationOverloadedError,
} from './errors.js';
import type { Logger } from '../common/logger.js';
import type { Metrics } from '../common/metrics.js';
import type { RequestScope } from '../common/request-scope.js';
import { checkAccessRules, type AccessRuleDecision } from './access-rules.js';
import { identityHeaders, stripSpoofableHeaders } from './headers.js';
import { TrustedProxies, clientAddress } from './client-address.js';
import { serviceCatalogHeader } from './service-catalog-header.js';
import { isWellFormedToken } from './token-shape.js';

export interface AuthTokenOptions {
  validator: TokenValidator;
  /** Advertised in WWW-Authenticate on 401. */
  wwwAuthenticateUri: string;
  delayAuthDecision: boolean;
  includeServiceCatalog: boolean;
  serviceTokenRoles: readonly string[];
  serviceTokenRolesRequired: boolean;
  /** This service's type in the catalog, for application-credential access rules; '' rejects restricted tokens. */
  serviceType: string;
  /** Reverse proxies whose X-Forwarded-For tells clients apart (fair queuing of validations). */
  trustedProxies: readonly string[];
  /** Logs the access-rule and service-token decisions with the request id. */
  scope: RequestScope;
  /**
   * The service's own identity, sent as X-Service-Token when the handler calls other services as the caller;
   * given only with [service_user] send_service_user_token. Without it only the caller's token goes (upstream's
   * AuthProtocol always gives token_auth its own session and plugin: docs/upstream-differences.md).
   */
  serviceAuth?: AuthPlugin | undefined;
  /** Paths served without a token (probes, metrics); identity headers are still stripped there. */
  publicPaths?: readonly string[];
  metrics: Metrics;
}

export interface AuthState {
  tokenAuth: UserAuthPlugin;
}

/** A header value as a token: trimmed, empty means missing. */
function readToken(value: string | string[] | undefined): string | undefined {
  const raw = Array.isArray(value) ? value[0] : value;
  const token = raw?.trim();
  return token === undefined || token === '' ? undefined : token;
}

/** Upstream: X-Auth-Token when the header is present (even empty), else X-Storage-Token. */
function readUserToken(headers: Record<string, string | string[] | undefined>): string | undefined {
  const auth = headers['x-auth-token'];
  return readToken(auth !== undefined ? auth : headers['x-storage-token']);
}

/** The WWW-Authenticate challenge keystonemiddleware sends with a 401. */
export function wwwAuthenticate(uri: string): Record<string, string> {
  return { 'WWW-Authenticate': `Keystone uri="${uri}"` };
}

/**
 * keystonemiddleware's process_response: every 401 that leaves the service carries the challenge, whoever
 * produced it (this middleware, a route, or Glance's 401 passed on). Mount it outside the error handler.
 */
export function authChallenge(wwwAuthenticateUri: string): Middleware {
  const [[name, value]] = Object.entries(wwwAuthenticate(wwwAuthenticateUri)) as [[string, string]];
  return async function authChallengeMiddleware(ctx, next) {
    try {
      await next();
    } finally {
      // Appended, as upstream's headers.extend does: a route's own challenge (Basic, Bearer, ...) stays. Not
      // twice: this middleware's own 401 already carries it.
      if (ctx.status === 401) {
        const present = ctx.response.get(name);
        if (!(Array.isArray(present) ? present.includes(value) : present === value)) ctx.append(name, value);
      }
    }
  };
}

/** The one guard a route that acts as the caller needs: no confirmed user token (delay_auth_decision) is a 401. */
export function requireUser(tokenAuth: UserAuthPlugin): asserts tokenAuth is UserAuthPlugin & { user: AccessInfo } {
  if (!tokenAuth.hasUserToken) throw new InvalidTokenError('no confirmed user token');
}

export function authToken(options: AuthTokenOptions): Middleware<AuthState> {
  const protocol = new AuthProtocol(options);
  return function authTokenMiddleware(ctx, next) {
    return protocol.handle(ctx, next);
  };
}

/** keystonemiddleware's AuthProtocol: what is settled once, and the steps of one request. */
class AuthProtocol {
  private readonly publicPaths: ReadonlySet<string>;
  private readonly challenge: Record<string, string>;
  private readonly serviceRoles: ReadonlySet<string>;
  private readonly proxies: TrustedProxies;

  constructor(private readonly options: AuthTokenOptions) {
    this.publicPaths = new Set(options.publicPaths ?? []);
    this.challenge = wwwAuthenticate(options.wwwAuthenticateUri);
    this.serviceRoles = new Set(options.serviceTokenRoles);
    this.proxies = new TrustedProxies(options.trustedProxies);
  }

  /** Strip, read, validate the service then the user token, decide, then set the identity for the handler. */
  async handle(ctx: ParameterizedContext<AuthState>, next: Next): Promise<void> {
    stripSpoofableHeaders(ctx.req);
    const headers = ctx.request.headers;
    if (this.publicPaths.has(ctx.path)) {
      ctx.state.tokenAuth = new UserAuthPlugin(undefined, undefined, this.options.serviceAuth);
      await next();
      return;
    }
    const userToken = readUserToken(headers);
    const serviceToken = readToken(headers['x-service-token']);
    const client = clientAddress(ctx.req.socket.remoteAddress, headers['x-forwarded-for'], this.proxies);
    let user: AccessInfo | undefined;
    let service: AccessInfo | undefined;
    try {
      if (serviceToken !== undefined) service = this.acceptService(await this.validate(serviceToken, client));
      // A valid service token with one of service_token_roles: may use expired user tokens and skip access rules.
      const trustedService = service !== undefined && this.trusts(service);
      if (userToken !== undefined) {
        const valid = await this.validate(userToken, client, trustedService);
        if (valid !== undefined) user = this.acceptUser(valid, ctx.method, ctx.path, trustedService);
      }
    } catch (err) {
      this.unavailable(err, client);
    }
    const confirmed = user !== undefined && (serviceToken === undefined || service !== undefined);
    if (!confirmed && !this.options.delayAuthDecision) this.reject();
    this.setIdentityHeaders(headers, user, serviceToken !== undefined, service);
    this.options.metrics.authDecisions.inc({ outcome: confirmed ? 'confirmed' : 'delayed' });
    ctx.state.tokenAuth = new UserAuthPlugin(user, service, this.options.serviceAuth);
    await next();
  }

  /** The token's AccessInfo, or undefined when it is not a valid token (a malformed one never reaches Keystone). */
  private async validate(token: string, client: string, allowExpired = false): Promise<AccessInfo | undefined> {
    if (!isWellFormedToken(token)) return undefined;
    try {
      return await this.options.validator.validate(token, { allowExpired, client });
    } catch (err) {
      if (err instanceof InvalidTokenError) return undefined;
      throw err;
    }
  }

  /** Whether a service token holds one of service_token_roles (exact names, as upstream matches them). */
  private trusts(service: AccessInfo): boolean {
    for (const role of service.subject.roleNames) if (this.serviceRoles.has(role)) return true;
    return false;
  }

  /** The service token as it counts: none when invalid, or untrusted with service_token_roles_required. */
  private acceptService(service: AccessInfo | undefined): AccessInfo | undefined {
    const refused = service !== undefined && this.options.serviceTokenRolesRequired && !this.trusts(service);
    if (service !== undefined && !refused) return service;
    this.options.scope.log.info('Invalid service token');
    // The request fails whatever the user token is: do not spend a Keystone call on it.
    if (!this.options.delayAuthDecision) this.reject();
    return undefined;
  }

  /** The user token unless its access rules refuse this request (keystonemiddleware's validate_allowed_request). */
  private acceptUser(
    user: AccessInfo,
    method: string,
    rawPath: string,
    trustedService: boolean,
  ): AccessInfo | undefined {
    const decision = checkAccessRules(user, this.options.serviceType, { method, path: rawPath }, trustedService);
    if (decision.allowed) return user;
    logAccessRuleDenial(this.options.scope.log, decision.reason, user, method);
    return undefined;
  }

  /** The identity headers a handler reads: the user's, and the service token's when the caller sent one. */
  private setIdentityHeaders(
    headers: IncomingHttpHeaders,
    user: AccessInfo | undefined,
    serviceTokenSent: boolean,
    service: AccessInfo | undefined,
  ): void {
    headers['x-identity-status'] = user ? 'Confirmed' : 'Invalid';
    if (user) {
      for (const [name, value] of identityHeaders(user.subject, 'x-')) headers[name] = value;
      // As upstream: a catalog Keystone sent, even an empty one ("[]"); none when it sent none.
      if (this.options.includeServiceCatalog && user.hasServiceCatalog)
        headers['x-service-catalog'] = serviceCatalogHeader(user.catalog);
    }
    if (!serviceTokenSent) return;
    headers['x-service-identity-status'] = service ? 'Confirmed' : 'Invalid';
    // Unlike upstream, the service token's system scope never overwrites the user's OpenStack-System-Scope.
    if (service) for (const [name, value] of identityHeaders(service.subject, 'x-service-')) headers[name] = value;
  }

  private reject(): never {
    this.options.metrics.authDecisions.inc({ outcome: 'rejected' });
    throw new ApiError(401, UNAUTHORIZED_MESSAGE, { headers: this.challenge });
  }

  /** A validation that could not be made is a 503 (shed by admission, or Keystone unreachable); others go on. */
  private unavailable(err: unknown, client: string): never {
    const { metrics, scope } = this.options;
    if (err instanceof ValidationOverloadedError) {
      metrics.authDecisions.inc({ outcome: 'shed' });
      scope.log.warn({ reason: err.reason, client }, 'token validation shed: too many validations waiting');
      throw new ApiError(503, 'Too many token validations are waiting; try again later.', {
        headers: { 'Retry-After': String(err.retryAfterSeconds) },
        cause: err,
      });
    }
    if (!(err instanceof IdentityUnavailableError)) throw err;
    metrics.authDecisions.inc({ outcome: 'unavailable' });
    throw new ApiError(503, 'The identity service is unavailable; try again later.', { cause: err });
  }
}

type DenialReason = Extract<AccessRuleDecision, { allowed: false }>['reason'];

/** An access-rule refusal, logged as upstream logs it. */
function logAccessRuleDenial(log: Logger, reason: DenialReason, user: AccessInfo, method: string): void {
  const { applicationCredentialId, accessRules } = user.subject;
  if (reason === 'service_type_unset') {
    log.warn(
      'Cannot validate request with restricted access rules. Set service_type in [keystone_authtoken] to allow access rule validation.',
    );
  } else if (reason === 'service_type_not_in_catalog') {
    log.warn(
      'Cannot validate request with restricted access rules. service_type in [keystone_authtoken] is not a valid service type in the catalog.',
    );
  } else if (reason === 'over_budget') {
    log.warn(
      { application_credential_id: applicationCredentialId, method, rules: accessRules?.length },
      'Token authorization failed: matching its access rules against this path would take too long',
    );
  } else {
    log.info(
      { application_credential_id: applicationCredentialId, method },
      'Token authorization failed: no access rule allows this request',
    );
  }
}
