// A Koa app with only the auth_token middleware and a route that shows what a handler sees: identity
// headers, the keystone.token_auth plugin and its serialized form.
import Koa from 'koa';
import { PasswordPlugin, type PasswordCredentials } from '../../src/keystoneauth/password.js';
import { AdmissionControl, type AdmissionOptions } from '../../src/auth-token/admission.js';
import { InvalidTokenCache, MemoryTokenCache } from '../../src/auth-token/cache.js';
import { TokenValidator } from '../../src/auth-token/validator.js';
import { defaultConfig } from '../../src/config.js';
import { authChallenge, authToken, type AuthState } from '../../src/auth-token/middleware.js';
import { errorHandler } from '../../src/middleware/error-handler.js';
import { requestContext } from '../../src/middleware/request-context.js';
import { RequestContext } from '../../src/common/request-scope.js';
import { Session, sessionOptionsFromConfig } from '../../src/keystoneauth/session.js';
import { captureLogger, serveOnPort0 } from './stack.js';

export interface EchoOptions {
  /** The service's own identity: where Keystone is and who validates. */
  credentials: PasswordCredentials;
  cacheTimeMs?: number;
  timeoutMs?: number;
  delayAuthDecision?: boolean;
  serviceTokenRolesRequired?: boolean;
  interface?: string;
  /** keystone_authtoken.service_type (access rules); '' by default, as in the config. */
  serviceType?: string;
  includeServiceCatalog?: boolean;
  serviceTokenRoles?: string[];
  /** invalid_token_cache_time in ms (0 by default here, so tests see every Keystone call). */
  invalidCacheTimeMs?: number;
  /** A clock for the caches. */
  now?: () => number;
  admission?: Partial<AdmissionOptions>;
  trustedProxies?: string[];
  /** Routes mounted after the middleware, before the echo handler (route-level 401s and the like). */
  routes?: Koa.Middleware<AuthState & { requestId: string }>;
}

export interface Echo {
  url: string;
  serviceAuth: PasswordPlugin;
  session: Session;
  close(): Promise<void>;
}

export async function echoApp(options: EchoOptions): Promise<Echo> {
  const { logger } = captureLogger('silent');
  const context = new RequestContext(logger);
  const communication = { ...defaultConfig().communication, timeout: 30, retry_delay: 0.01 };
  const session = new Session(sessionOptionsFromConfig(communication), context);
  const serviceAuth = new PasswordPlugin(options.credentials);
  const validator = new TokenValidator({
    session,
    serviceAuth,
    cache: new MemoryTokenCache(1000),
    invalidCache: new InvalidTokenCache({ ttlMs: options.invalidCacheTimeMs ?? 0, max: 1000, now: options.now }),
    admission: new AdmissionControl({ maxInflight: 16, maxQueuedPerClient: 1000, maxQueued: 1000, maxWaitMs: 30_000, ...options.admission }),
    context,
    identityFilter: { serviceType: 'identity', interface: options.interface ?? 'internal' },
    includeCatalog: options.includeServiceCatalog ?? true,
    cacheTimeMs: options.cacheTimeMs ?? 300_000,
    timeoutMs: options.timeoutMs ?? 5000,
    connectRetries: 1,
    now: options.now,
  });
  const app = new Koa<AuthState & { requestId: string }>();
  app.silent = true;
  app.use(requestContext({ context, logger }));
  app.use(authChallenge('http://keystone.example/v3'));
  app.use(errorHandler(context));
  app.use(
    authToken({
      validator,
      wwwAuthenticateUri: 'http://keystone.example/v3',
      delayAuthDecision: options.delayAuthDecision ?? false,
      includeServiceCatalog: options.includeServiceCatalog ?? true,
      serviceTokenRoles: options.serviceTokenRoles ?? ['service'],
      serviceTokenRolesRequired: options.serviceTokenRolesRequired ?? true,
      serviceType: options.serviceType ?? '',
      trustedProxies: options.trustedProxies ?? [],
      context,
      serviceAuth,
    }),
  );
  if (options.routes) app.use(options.routes);
  app.use((ctx) => {
    const seen: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(ctx.request.headers)) if (k.startsWith('x-') || k === 'openstack-system-scope') seen[k] = v;
    delete seen['x-auth-token'];
    delete seen['x-service-token'];
    const auth = ctx.state.tokenAuth;
    ctx.body = {
      headers: seen,
      hasUserToken: auth.hasUserToken,
      hasServiceToken: auth.hasServiceToken,
      userId: auth.user?.userId,
      projectId: auth.user?.projectId,
      serialized: auth.toJSON(),
    };
  });
  const served = await serveOnPort0(app.callback());
  return {
    url: served.url,
    serviceAuth,
    session,
    close: async () => {
      await served.close();
      await session.close();
    },
  };
}
