// keystonemiddleware's auth_token, for Koa. On every request: strip identity headers a caller could forge,
// validate the service token (if any) and the user token with Keystone, enforce application-credential access
// rules, then either reject (401 / 503) or set the identity headers and ctx.state.tokenAuth, the
// keystone.token_auth plugin a handler uses to act as the caller. Where this differs from upstream it is on
// the safe side; the README lists each difference.
import type { Middleware } from 'koa';
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
import type { Metrics } from '../common/metrics.js';
import type { RequestScope } from '../common/request-scope.js';
import { checkAccessRules } from './access-rules.js';
import { identityHeaders, stripSpoofableHeaders } from './headers.js';
import { TrustedProxies, clientAddress } from './client-address.js';
import { serviceCatalogHeader } from './service-catalog-header.js';

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
   * AuthProtocol always gives token_auth its own session and plugin: README).
   */
  serviceAuth?: AuthPlugin;
  /** Paths served without a token (probes, metrics); identity headers are still stripped there. */
  publicPaths?: readonly string[];
  metrics: Metrics;
}

export interface AuthState {
  tokenAuth: UserAuthPlugin;
}

// Keystone's own tokens are <= 255 characters (Fernet), JWS about 800; anything far longer is not a token.
const MAX_TOKEN_LENGTH = 4096;
const TOKEN_SHAPE = /^[\x21-\x7e]+$/;

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

function isWellFormed(token: string): boolean {
  return token.length <= MAX_TOKEN_LENGTH && TOKEN_SHAPE.test(token);
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
  const publicPaths = new Set(options.publicPaths ?? []);
  const challenge = wwwAuthenticate(options.wwwAuthenticateUri);
  const serviceRoles = new Set(options.serviceTokenRoles);
  const proxies = new TrustedProxies(options.trustedProxies);
  const { metrics, scope } = options;

  const reject = (): never => {
    metrics.authDecisions.inc({ outcome: 'rejected' });
    throw new ApiError(401, UNAUTHORIZED_MESSAGE, { headers: challenge });
  };

  const validate = async (token: string, client: string, allowExpired = false): Promise<AccessInfo | undefined> => {
    if (!isWellFormed(token)) return undefined; // never sent to Keystone
    try {
      return await options.validator.validate(token, { allowExpired, client });
    } catch (err) {
      if (err instanceof InvalidTokenError) return undefined;
      throw err;
    }
  };

  return async function authTokenMiddleware(ctx, next) {
    stripSpoofableHeaders(ctx.req);
    const headers = ctx.request.headers;

    if (publicPaths.has(ctx.path)) {
      ctx.state.tokenAuth = new UserAuthPlugin(undefined, undefined, options.serviceAuth);
      await next();
      return;
    }

    const userToken = readUserToken(headers);
    const serviceToken = readToken(headers['x-service-token']);
    const client = clientAddress(ctx.req.socket.remoteAddress, headers['x-forwarded-for'], proxies);
    let user: AccessInfo | undefined;
    let service: AccessInfo | undefined;
    // A valid service token with one of service_token_roles: may use expired user tokens and skip access rules.
    let trustedService = false;
    try {
      if (serviceToken !== undefined) {
        service = await validate(serviceToken, client);
        trustedService = service !== undefined && service.subject.roleNames.some((r) => serviceRoles.has(r));
        if (service !== undefined && !trustedService && options.serviceTokenRolesRequired) service = undefined;
        if (service === undefined) {
          scope.log.info('Invalid service token');
          // The request fails whatever the user token is: do not spend a Keystone call on it.
          if (!options.delayAuthDecision) reject();
        }
      }
      if (userToken !== undefined) {
        user = await validate(userToken, client, trustedService);
        if (user !== undefined && !allowedByAccessRules(user, ctx.method, ctx.path, trustedService)) user = undefined;
      }
    } catch (err) {
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

    const confirmed = user !== undefined && (serviceToken === undefined || service !== undefined);
    if (!confirmed && !options.delayAuthDecision) reject();

    headers['x-identity-status'] = user ? 'Confirmed' : 'Invalid';
    if (user) {
      for (const [name, value] of identityHeaders(user.subject, 'x-')) headers[name] = value;
      // As upstream: a catalog Keystone sent, even an empty one ("[]"); none when it sent none.
      if (options.includeServiceCatalog && user.hasServiceCatalog)
        headers['x-service-catalog'] = serviceCatalogHeader(user.catalog);
    }
    if (serviceToken !== undefined) {
      headers['x-service-identity-status'] = service ? 'Confirmed' : 'Invalid';
      // Unlike upstream, the service token's system scope never overwrites the user's OpenStack-System-Scope.
      if (service) for (const [name, value] of identityHeaders(service.subject, 'x-service-')) headers[name] = value;
    }
    metrics.authDecisions.inc({ outcome: confirmed ? 'confirmed' : 'delayed' });
    ctx.state.tokenAuth = new UserAuthPlugin(user, service, options.serviceAuth);
    await next();
  };

  /** keystonemiddleware's validate_allowed_request, with the decision logged as upstream logs it. */
  function allowedByAccessRules(user: AccessInfo, method: string, rawPath: string, trustedService: boolean): boolean {
    const decision = checkAccessRules(user, options.serviceType, { method, path: rawPath }, trustedService);
    if (decision.allowed) return true;
    const log = scope.log;
    if (decision.reason === 'service_type_unset') {
      log.warn(
        'Cannot validate request with restricted access rules. Set service_type in [keystone_authtoken] to allow access rule validation.',
      );
    } else if (decision.reason === 'service_type_not_in_catalog') {
      log.warn(
        'Cannot validate request with restricted access rules. service_type in [keystone_authtoken] is not a valid service type in the catalog.',
      );
    } else if (decision.reason === 'over_budget') {
      log.warn(
        {
          application_credential_id: user.subject.applicationCredentialId,
          method,
          rules: user.subject.accessRules?.length,
        },
        'Token authorization failed: matching its access rules against this path would take too long',
      );
    } else {
      log.info(
        { application_credential_id: user.subject.applicationCredentialId, method },
        'Token authorization failed: no access rule allows this request',
      );
    }
    return false;
  }
}
