// A Koa app with only the auth_token middleware and a route that shows what a handler sees: identity
// headers, the keystone.token_auth plugin and its serialized form.
import Koa from 'koa';
import { PasswordPlugin, type PasswordCredentials } from '../../src/auth/password.js';
import { MemoryTokenCache } from '../../src/auth/token-cache.js';
import { TokenValidator } from '../../src/auth/token-validator.js';
import { defaultConfig } from '../../src/config.js';
import { authToken, type AuthState } from '../../src/middleware/auth-token.js';
import { errorHandler } from '../../src/middleware/error-handler.js';
import { requestContext } from '../../src/middleware/request-context.js';
import { RequestContext } from '../../src/request-context.js';
import { Session, sessionOptionsFromConfig } from '../../src/session/session.js';
import { captureLogger, serveOnPort0 } from './stack.js';

export interface EchoOptions {
  /** The service's own identity: where Keystone is and who validates. */
  credentials: PasswordCredentials;
  cacheTimeMs?: number;
  timeoutMs?: number;
  delayAuthDecision?: boolean;
  serviceTokenRolesRequired?: boolean;
  interface?: string;
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
    context,
    identityFilter: { serviceType: 'identity', interface: options.interface ?? 'internal' },
    includeCatalog: true,
    cacheTimeMs: options.cacheTimeMs ?? 300_000,
    timeoutMs: options.timeoutMs ?? 5000,
    connectRetries: 1,
  });
  const app = new Koa<AuthState & { requestId: string }>();
  app.silent = true;
  app.use(requestContext({ context, logger }));
  app.use(errorHandler(context));
  app.use(
    authToken({
      validator,
      wwwAuthenticateUri: 'http://keystone.example/v3',
      delayAuthDecision: options.delayAuthDecision ?? false,
      includeServiceCatalog: true,
      serviceTokenRoles: ['service'],
      serviceTokenRolesRequired: options.serviceTokenRolesRequired ?? true,
      serviceAuth,
    }),
  );
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
