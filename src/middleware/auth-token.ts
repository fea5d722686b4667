// keystonemiddleware's auth_token, for Koa. On every request: strip identity headers a caller could forge,
// validate the user token (and service token) with Keystone, then either reject (401 / 503) or set the
// identity headers and ctx.state.tokenAuth, the keystone.token_auth plugin a handler uses to act as the caller.
import type { Middleware } from 'koa';
import type { AccessInfo } from '../auth/access-info.js';
import type { AuthPlugin } from '../auth/plugin.js';
import type { TokenValidator } from '../auth/token-validator.js';
import { UserAuthPlugin } from '../auth/user-plugin.js';
import { ApiError, IdentityUnavailableError, InvalidTokenError } from '../errors.js';
import type { Metrics } from '../metrics.js';

export interface AuthTokenOptions {
  validator: TokenValidator;
  /** Advertised in WWW-Authenticate on 401. */
  wwwAuthenticateUri: string;
  delayAuthDecision: boolean;
  includeServiceCatalog: boolean;
  serviceTokenRoles: readonly string[];
  serviceTokenRolesRequired: boolean;
  /** The service's own identity, sent as X-Service-Token when the handler calls other services. */
  serviceAuth?: AuthPlugin;
  /** Paths served without a token (probes, metrics); identity headers are still stripped there. */
  publicPaths?: readonly string[];
  metrics?: Metrics;
}

export interface AuthState {
  tokenAuth: UserAuthPlugin;
}

const IDENTITY_SUFFIXES = [
  'Domain-Id', 'Domain-Name', 'Project-Id', 'Project-Name', 'Project-Domain-Id', 'Project-Domain-Name',
  'User-Id', 'User-Name', 'User-Domain-Id', 'User-Domain-Name', 'Roles',
];

/** Every header a caller could forge to pose as someone (keystonemiddleware's list, plus OpenStack-System-Scope). */
export const SPOOFABLE_HEADERS: readonly string[] = [
  'X-Identity-Status', 'X-Service-Identity-Status', 'X-Service-Catalog', 'X-Is-Admin-Project',
  ...IDENTITY_SUFFIXES.flatMap((s) => [`X-${s}`, `X-Service-${s}`]),
  'X-Role', 'X-User', 'X-Tenant-Id', 'X-Tenant-Name', 'X-Tenant',
  // keystonemiddleware sets it from system-scoped tokens but forgets to strip it.
  'OpenStack-System-Scope',
].map((h) => h.toLowerCase());

const UNAUTHORIZED_MESSAGE = 'The request you have made requires authentication.';
// Keystone's own tokens are <= 255 characters (Fernet), JWS about 800; anything far longer is not a token.
const MAX_TOKEN_LENGTH = 4096;
const TOKEN_SHAPE = /^[\x21-\x7e]+$/;

/** A header value as a token: trimmed, empty means missing; not printable ASCII or too long means invalid. */
function readToken(value: string | string[] | undefined): string | undefined {
  const raw = Array.isArray(value) ? value[0] : value;
  const token = raw?.trim();
  return token === undefined || token === '' ? undefined : token;
}

function isWellFormed(token: string): boolean {
  return token.length <= MAX_TOKEN_LENGTH && TOKEN_SHAPE.test(token);
}

export function authToken(options: AuthTokenOptions): Middleware<AuthState> {
  const publicPaths = new Set(options.publicPaths ?? []);
  const challenge = { 'WWW-Authenticate': `Keystone uri="${options.wwwAuthenticateUri}"` };
  const metrics = options.metrics;

  const validate = async (token: string, allowExpired = false): Promise<AccessInfo | undefined> => {
    if (!isWellFormed(token)) return undefined; // never sent to Keystone
    try {
      return await options.validator.validate(token, { allowExpired });
    } catch (err) {
      if (err instanceof InvalidTokenError) return undefined;
      throw err;
    }
  };

  return async function authTokenMiddleware(ctx, next) {
    const headers = ctx.request.headers;
    for (const name of SPOOFABLE_HEADERS) delete headers[name];

    if (publicPaths.has(ctx.path)) {
      ctx.state.tokenAuth = new UserAuthPlugin(undefined, undefined, options.serviceAuth);
      return next();
    }

    const userToken = readToken(headers['x-auth-token']) ?? readToken(headers['x-storage-token']);
    const serviceToken = readToken(headers['x-service-token']);
    let user: AccessInfo | undefined;
    let service: AccessInfo | undefined;
    let serviceValid: boolean | undefined;
    try {
      let allowExpired = false;
      if (serviceToken !== undefined) {
        service = await validate(serviceToken);
        const hasRole = service?.hasRole(options.serviceTokenRoles) ?? false;
        serviceValid = service !== undefined && (hasRole || !options.serviceTokenRolesRequired);
        if (!serviceValid) service = undefined;
        // Only a trusted service may act on a user token that expired during a long operation.
        allowExpired = serviceValid && hasRole;
      }
      if (userToken !== undefined) user = await validate(userToken, allowExpired);
    } catch (err) {
      if (!(err instanceof IdentityUnavailableError)) throw err;
      metrics?.authDecisions.inc({ outcome: 'unavailable' });
      throw new ApiError(503, 'The identity service is unavailable; try again later.', { cause: err });
    }

    const confirmed = user !== undefined && serviceValid !== false;
    if (!confirmed && !options.delayAuthDecision) {
      metrics?.authDecisions.inc({ outcome: 'rejected' });
      throw new ApiError(401, UNAUTHORIZED_MESSAGE, { headers: challenge });
    }

    headers['x-identity-status'] = user ? 'Confirmed' : 'Invalid';
    if (user) setIdentityHeaders(headers, 'x-', user, options.includeServiceCatalog);
    if (serviceToken !== undefined) {
      headers['x-service-identity-status'] = service ? 'Confirmed' : 'Invalid';
      if (service) setIdentityHeaders(headers, 'x-service-', service, false);
    }
    metrics?.authDecisions.inc({ outcome: confirmed ? 'confirmed' : 'delayed' });
    ctx.state.tokenAuth = new UserAuthPlugin(user, service, options.serviceAuth);
    return next();
  };
}

// X-Service-Catalog is the same string for every request with a given (cached) token: build it once.
const catalogJson = new WeakMap<AccessInfo, string>();

function setIdentityHeaders(headers: Record<string, string | string[] | undefined>, prefix: string, a: AccessInfo, withCatalog: boolean): void {
  const set = (name: string, value: string | undefined) => {
    if (value !== undefined) headers[`${prefix}${name}`] = value;
  };
  set('user-id', a.userId);
  set('user-name', a.userName);
  set('user-domain-id', a.userDomainId);
  set('user-domain-name', a.userDomainName);
  set('project-id', a.projectId);
  set('project-name', a.projectName);
  set('project-domain-id', a.projectDomainId);
  set('project-domain-name', a.projectDomainName);
  set('domain-id', a.domainId);
  set('domain-name', a.domainName);
  set('roles', a.roleNames.join(','));
  if (prefix === 'x-') {
    headers['x-is-admin-project'] = a.isAdminProject ? 'True' : 'False';
    if (a.systemScoped) headers['openstack-system-scope'] = 'all';
    if (withCatalog) {
      let json = catalogJson.get(a);
      if (json === undefined) catalogJson.set(a, (json = JSON.stringify(a.catalog.entries)));
      headers['x-service-catalog'] = json;
    }
  }
}
