// A Koa app with only the auth_token middleware and a route that shows what a handler sees: identity
// headers, the keystone.token_auth plugin and its serialized form. Built from the default options with a
// test's overrides, as createServices takes them.
import type { TestContext } from 'node:test';
import Koa from 'koa';
import { authTokenMiddlewares } from '../../src/app.js';
import type { AdmissionOptions } from '../../src/auth-token/admission.js';
import type { AuthState } from '../../src/auth-token/middleware.js';
import { defaultConfig } from '../../src/config/load.js';
import type { PasswordCredentials, PasswordPlugin } from '../../src/keystoneauth/password.js';
import type { Session } from '../../src/keystoneauth/session.js';
import { errorHandler } from '../../src/middleware/error-handler.js';
import { requestScope, type RequestIdState } from '../../src/middleware/request-scope.js';
import { createServices, optionsFromConfig, type ServicesOptions } from '../../src/services.js';
import { captureLogger } from './logs.js';
import { listen } from './net.js';

export interface EchoOptions {
  /** The service's own identity: where Keystone is and who validates. */
  credentials: PasswordCredentials;
  cacheTimeMs?: number;
  /** Validation and service-user timeout: the config's 30 s unless a test about a timeout sets one. */
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
  routes?: Koa.Middleware<AuthState & RequestIdState>;
  /** Level of the captured log lines ('silent' by default). */
  logLevel?: string;
}

export interface Echo {
  url: string;
  serviceAuth: PasswordPlugin;
  session: Session;
  /** The log lines at `logLevel`, parsed. */
  lines: Record<string, unknown>[];
  close(): Promise<void>;
}

/** The service's options these stand for: the defaults, with the service user, auth_token and caches as asked. */
function servicesOptions(options: EchoOptions): ServicesOptions {
  const base = optionsFromConfig(defaultConfig());
  const a = options.admission ?? {};
  const timeoutMs = options.timeoutMs ?? 30_000;
  return {
    ...base,
    session: { ...base.session, retryDelayMs: 10 },
    serviceUser: { credentials: options.credentials, timeoutMs },
    validation: { identity: { interface: options.interface ?? 'internal' }, timeoutMs, connectRetries: 1 },
    tokenCache: {
      ...base.tokenCache,
      timeMs: options.cacheTimeMs ?? 300_000,
      size: 1000,
      // 0 by default here, so tests see every Keystone call.
      invalidTimeMs: options.invalidCacheTimeMs ?? 0,
    },
    admission: {
      maxInflight: a.maxInflight ?? 16,
      // No per-client cap unless a test sets one: the tests all come from 127.0.0.1.
      maxInflightPerClient: a.maxInflightPerClient ?? a.maxInflight ?? 16,
      maxQueuedPerClient: a.maxQueuedPerClient ?? 1000,
      maxQueued: a.maxQueued ?? 1000,
      maxWaitMs: a.maxWaitMs ?? 30_000,
    },
    authToken: {
      ...base.authToken,
      wwwAuthenticateUri: 'http://keystone.example/v3',
      delayAuthDecision: options.delayAuthDecision ?? false,
      includeServiceCatalog: options.includeServiceCatalog ?? true,
      serviceTokenRoles: options.serviceTokenRoles ?? ['service'],
      serviceTokenRolesRequired: options.serviceTokenRolesRequired ?? true,
      serviceType: options.serviceType ?? '',
      trustedProxies: options.trustedProxies ?? [],
    },
    metricsEnabled: false,
    metricsOnOwnPort: false,
  };
}

/** The echo app on port 0; the caller closes it (suite-wide `before`/`after` hooks). */
export async function echoApp(options: EchoOptions): Promise<Echo> {
  const { logger, lines } = captureLogger(options.logLevel ?? 'silent');
  const services = createServices(servicesOptions(options), logger, { now: options.now });
  const auth = authTokenMiddlewares(services);
  const app = new Koa<AuthState & RequestIdState>();
  app.silent = true;
  app.use(requestScope({ scope: services.scope, logger }));
  app.use(auth.challenge);
  app.use(errorHandler(services.scope));
  app.use(auth.authToken);
  if (options.routes) app.use(options.routes);
  app.use((ctx) => {
    const seen: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(ctx.request.headers))
      if (k.startsWith('x-') || k === 'openstack-system-scope') seen[k] = v;
    delete seen['x-auth-token'];
    delete seen['x-service-token'];
    const auth = ctx.state.tokenAuth;
    ctx.body = {
      headers: seen,
      hasUserToken: auth.hasUserToken,
      hasServiceToken: auth.hasServiceToken,
      userId: auth.user?.subject.userId,
      projectId: auth.user?.subject.projectId,
      serialized: auth.serialize(),
    };
  });
  const served = await listen(app.callback());
  return {
    url: served.url,
    serviceAuth: services.serviceAuth,
    session: services.session,
    lines,
    close: async () => {
      await served.close();
      await services.close();
    },
  };
}

/** The echo app for one test, closed when the test ends. */
export async function buildEcho(t: TestContext, options: EchoOptions): Promise<Echo> {
  const echo = await echoApp(options);
  t.after(() => echo.close());
  return echo;
}
