// The mock cloud: the mock Keystone and the mock Glance, started together and wired to each other (Glance in
// Keystone's catalog, Keystone as Glance's identity service). One function for the demo, the tests and the
// benchmarks; compose runs the same two servers as separate containers (mocks/<name>/main.ts).
import { loadMockConfig, type MockConfig } from './config.js';
import type { StoredImage } from './glance/store.js';
import { startMockGlance, type RunningMockGlance } from './glance/main.js';
import { startMockKeystone, type RunningMockKeystone } from './keystone/main.js';

export interface MockCloudOptions {
  /** Settings as OS_MOCK_KEYSTONE__* / OS_MOCK_GLANCE__* would give them (port 0 picks a free port). */
  keystone?: Partial<MockConfig['mock_keystone']>;
  glance?: Partial<MockConfig['mock_glance']>;
  /** Images added to the seed and the generated ones (benchmarks build large sets). */
  extraImages?: StoredImage[];
  /** Environment read for OS_MOCK_* settings (the demo passes process.env; tests nothing). */
  env?: Record<string, string | undefined>;
}

export interface MockCloud {
  keystone: RunningMockKeystone;
  glance: RunningMockGlance;
  /** The identity endpoint clients are configured with: <keystone>/v3. */
  keystoneUrl: string;
  close(): Promise<void>;
}

export async function startMockCloud(options: MockCloudOptions = {}): Promise<MockCloud> {
  const config = loadMockConfig(options.env ?? {}, {
    mock_keystone: options.keystone ?? {},
    mock_glance: options.glance ?? {},
  });
  const keystone = await startMockKeystone(config.mock_keystone);
  const glance = await startMockGlance({ ...config.mock_glance, auth_url: `${keystone.url}/v3` }, options.extraImages);
  keystone.store.catalogVars.glance_url = glance.url;
  return {
    keystone,
    glance,
    keystoneUrl: `${keystone.url}/v3`,
    close: async () => {
      await glance.close();
      await keystone.close();
    },
  };
}
