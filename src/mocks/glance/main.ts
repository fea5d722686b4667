// Runs the mock Glance alone: `npm run mock:glance`, or `node dist/mocks/glance/main.js` in the mocks image.
// It validates tokens with its own small client (identity.ts) against the Keystone at OS_MOCK_GLANCE__AUTH_URL.
import fs from 'node:fs';
import { isEntryPoint } from '../../common/entry-point.js';
import { createLogger } from '../../common/logger.js';
import { createMockGlance } from './app.js';
import { MockIdentity } from './identity.js';
import { GlanceStore, completeImage, generateImages, type SeedImage, type StoredImage } from './store.js';
import { loadMockConfig, type MockConfig } from '../config.js';
import { MockControl, serve, type ServedApp } from '../control.js';

export interface RunningMockGlance extends ServedApp {
  store: GlanceStore;
  control: MockControl;
}

/** Start a mock Glance; `extraImages` add to the seed and the generated ones (benchmarks build large sets). */
export async function startMockGlance(
  config: MockConfig['mock_glance'],
  extraImages: StoredImage[] = [],
): Promise<RunningMockGlance> {
  const seed = JSON.parse(fs.readFileSync(config.seed, 'utf8')) as { images: SeedImage[] };
  const store = new GlanceStore([
    ...seed.images.map(completeImage),
    ...generateImages(config.generate, config.generate_owner),
    ...extraImages,
  ]);
  const control = new MockControl();
  const identity = new MockIdentity({
    authUrl: config.auth_url,
    username: config.username,
    password: config.password,
    projectName: config.project_name,
  });
  let publicUrl = config.public_url;
  const app = createMockGlance({
    store,
    control: config.control ? control : undefined,
    publicUrl: () => publicUrl,
    identity,
    wwwAuthenticateUri: config.auth_url,
  });
  const served = await serve(app, config.port, config.host);
  publicUrl ||= served.url;
  return {
    ...served,
    store,
    control,
    close: async () => {
      await served.close();
    },
  };
}

if (isEntryPoint(import.meta.url)) {
  const log = createLogger({ level: 'info', service: 'mock-glance' });
  const config = loadMockConfig(process.env);
  const running = await startMockGlance(config.mock_glance);
  log.info(
    { url: running.url, images: running.store.images.length, control: config.mock_glance.control },
    'mock Glance listening',
  );
  const stop = () => void running.close().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
