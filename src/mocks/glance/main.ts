// Runs the mock Glance alone: `npm run mock:glance` or `node dist/mocks/glance/main.js`. It validates tokens
// with this project's own auth_token middleware against the Keystone at OS_MOCK_GLANCE__AUTH_URL.
import fs from 'node:fs';
import { PasswordPlugin } from '../../keystoneauth/password.js';
import { AdmissionControl } from '../../auth-token/admission.js';
import { InvalidTokenCache, MemoryTokenCache } from '../../auth-token/cache.js';
import { TokenValidator } from '../../auth-token/validator.js';
import { defaultConfig } from '../../config.js';
import { isEntryPoint } from '../../common/entry-point.js';
import { createLogger, type Logger } from '../../common/logger.js';
import { RequestContext } from '../../common/request-scope.js';
import { Session, sessionOptionsFromConfig } from '../../keystoneauth/session.js';
import { createMockGlance } from './app.js';
import { GlanceStore, completeImage, generateImages, type SeedImage, type StoredImage } from './store.js';
import { loadMockConfig, type MockConfig } from '../config.js';
import { MockControl, serve, type ServedApp } from '../control.js';

export interface RunningMockGlance extends ServedApp {
  store: GlanceStore;
  control: MockControl;
}

/** Start a mock Glance; `extraImages` add to the seed and the generated ones (benchmarks build large sets). */
export async function startMockGlance(config: MockConfig['mock_glance'], logger: Logger, extraImages: StoredImage[] = []): Promise<RunningMockGlance> {
  const seed = JSON.parse(fs.readFileSync(config.seed, 'utf8')) as { images: SeedImage[] };
  const store = new GlanceStore([...seed.images.map(completeImage), ...generateImages(config.generate, config.generate_owner), ...extraImages]);
  const control = new MockControl();
  const context = new RequestContext(logger);
  const session = new Session(sessionOptionsFromConfig(defaultConfig().communication), context);
  const serviceAuth = new PasswordPlugin({
    authUrl: config.auth_url,
    username: config.username,
    password: config.password,
    userDomainName: 'Default',
    projectName: config.project_name,
    projectDomainName: 'Default',
  });
  const validator = new TokenValidator({
    session,
    serviceAuth,
    cache: new MemoryTokenCache(10000),
    // Glance's own keystonemiddleware has no such bounds: neither does the mock.
    invalidCache: new InvalidTokenCache({ ttlMs: 0, max: 0 }),
    admission: new AdmissionControl({ maxInflight: 1024, maxQueuedPerClient: 100_000, maxQueued: 100_000, maxWaitMs: 60_000 }),
    context,
    identityFilter: { serviceType: 'identity', interface: 'internal' },
    // Like Glance's keystonemiddleware (include_service_catalog defaults to true); access rules need it.
    includeCatalog: true,
    cacheTimeMs: 300_000,
    timeoutMs: 10_000,
    connectRetries: 2,
  });
  let publicUrl = config.public_url;
  const app = createMockGlance({
    store,
    control: config.control ? control : undefined,
    publicUrl: () => publicUrl,
    auth: {
      validator,
      wwwAuthenticateUri: config.auth_url,
      delayAuthDecision: true,
      includeServiceCatalog: false,
      serviceTokenRoles: ['service'],
      serviceTokenRolesRequired: false,
      serviceType: 'image',
      trustedProxies: [],
      context,
    },
  });
  const served = await serve(app, config.port, config.host);
  publicUrl ||= served.url;
  return {
    ...served,
    store,
    control,
    close: async () => {
      await served.close();
      await session.close();
    },
  };
}

if (isEntryPoint(import.meta.url)) {
  const log = createLogger({ level: 'info' });
  const config = loadMockConfig(process.env);
  const running = await startMockGlance(config.mock_glance, log);
  log.info({ url: running.url, images: running.store.images.length, control: config.mock_glance.control }, 'mock Glance listening');
  const stop = () => void running.close().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
