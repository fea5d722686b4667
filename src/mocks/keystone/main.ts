// Runs the mock Keystone alone: `npm run mock:keystone`, or `node dist/mocks/keystone/main.js` in the mocks image.
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
  const seed = fillSeed(JSON.parse(fs.readFileSync(config.seed, 'utf8')), {
    '{service_name}': config.service_name,
    '{service_password}': config.service_password || `${config.service_name}-pw`,
    '{glance_password}': config.glance_password,
  }) as Seed;
  const vars: Record<string, string> = {
    glance_url: config.glance_url,
    service_url: config.service_url,
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

/** The seed with every placeholder in its strings replaced: the service's user and type follow its name. */
export function fillSeed(value: unknown, placeholders: Record<string, string>): unknown {
  if (typeof value === 'string')
    return Object.entries(placeholders).reduce((s, [from, to]) => s.replaceAll(from, to), value);
  if (Array.isArray(value)) return value.map((v) => fillSeed(v, placeholders));
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fillSeed(v, placeholders)]));
  return value;
}

if (isEntryPoint(import.meta.url)) {
  const log = createLogger({ level: 'info', service: 'mock-keystone' });
  const config = loadMockConfig(process.env);
  const running = await startMockKeystone(config.mock_keystone);
  log.info({ url: running.url, control: config.mock_keystone.control }, 'mock Keystone listening');
  const stop = () => void running.close().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
