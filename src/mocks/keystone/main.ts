// Runs the mock Keystone alone: `npm run mock:keystone` or `node dist/mocks/keystone/main.js`.
import fs from 'node:fs';
import { isEntryPoint } from '../../common/entry-point.js';
import { createLogger } from '../../common/logger.js';
import { createMockKeystone } from './app.js';
import { KeystoneStore, type Seed } from './store.js';
import { loadMockConfig, type MockConfig } from '../config.js';
import { MockControl, serve, type ServedApp } from '../control.js';

export interface RunningMockKeystone extends ServedApp {
  store: KeystoneStore;
  control: MockControl;
}

/** Start a mock Keystone; catalog variables may be changed later through `store.catalogVars`. */
export async function startMockKeystone(
  config: MockConfig['mock_keystone'],
  catalogVars: Record<string, string> = {},
): Promise<RunningMockKeystone> {
  const seed = JSON.parse(fs.readFileSync(config.seed, 'utf8')) as Seed;
  const vars: Record<string, string> = {
    glance_url: config.glance_url,
    image_names_url: config.image_names_url,
    ...catalogVars,
  };
  const store = new KeystoneStore(seed, vars, config.token_ttl * 1000);
  const control = new MockControl();
  let publicUrl = config.public_url;
  const app = createMockKeystone({ store, control: config.control ? control : undefined, publicUrl: () => publicUrl });
  const served = await serve(app, config.port, config.host);
  publicUrl ||= served.url;
  vars.keystone_url ??= publicUrl;
  return { ...served, store, control };
}

if (isEntryPoint(import.meta.url)) {
  const log = createLogger({ level: 'info' });
  const config = loadMockConfig(process.env);
  const running = await startMockKeystone(config.mock_keystone);
  log.info({ url: running.url, control: config.mock_keystone.control }, 'mock Keystone listening');
  const stop = () => void running.close().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
