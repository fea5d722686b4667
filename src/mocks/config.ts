// Settings of the two mocks, with the same conventions as the service's own config (OS_<GROUP>__<OPTION>).
import { fileURLToPath } from 'node:url';
import { SERVICE_NAME } from '../common/package-info.js';
import { mockVariable, unknownVariables } from '../config/env.js';
import { ConfigError, convictFor, explainConvictError } from '../config/load.js';
import type { ConfigValues } from '../config/schema.js';

// The seeds sit next to the mock they feed (the mocks' build copies them: tsconfig.mocks.json).
const seedFile = (mock: string) => fileURLToPath(new URL(`./${mock}/seed.json`, import.meta.url));

const schema = {
  mock_keystone: {
    host: { doc: 'Address to listen on.', format: String, default: '127.0.0.1' },
    port: { doc: 'Port (0 = any free port).', format: 'port', default: 5000 },
    seed: {
      doc: 'Seed file: domains, projects, users, roles, assignments, catalog.',
      format: String,
      default: seedFile('keystone'),
    },
    service_name: {
      doc: "This project's service: its user, its type in the catalog and in access rules ({service_name} in the seed).",
      format: String,
      default: SERVICE_NAME,
    },
    service_password: {
      doc: "Its user's password ({service_password} in the seed); empty = the service's name followed by '-pw'.",
      format: String,
      default: '',
      sensitive: true,
    },
    glance_password: {
      doc: "The password of Glance's service user, glance ({glance_password} in the seed): mock_glance.password must match it.",
      format: String,
      default: 'glancepw',
      sensitive: true,
    },
    public_url: {
      doc: 'URL clients reach this Keystone at ({keystone_url} in the catalog); empty = the listen address.',
      format: String,
      default: '',
    },
    glance_url: {
      doc: 'URL of Glance in the catalog ({glance_url}).',
      format: String,
      default: 'http://127.0.0.1:9292',
    },
    service_url: {
      doc: "URL of this project's service in the catalog ({service_url}, under the type service_name).",
      format: String,
      default: 'http://127.0.0.1:8080',
    },
    token_ttl: { doc: 'Token lifetime in seconds.', format: 'positive-int', default: 3600, max: 604800 },
    control: { doc: 'Serve /__mock/ (counters and fault injection).', format: Boolean, default: false },
  },
  mock_glance: {
    host: { doc: 'Address to listen on.', format: String, default: '127.0.0.1' },
    port: { doc: 'Port (0 = any free port).', format: 'port', default: 9292 },
    seed: { doc: 'Seed file of images.', format: String, default: seedFile('glance') },
    public_url: {
      doc: 'URL clients reach this Glance at (for version links); empty = the listen address.',
      format: String,
      default: '',
    },
    generate: {
      doc: 'Extra generated images (for paging and benchmarks).',
      format: 'nat',
      default: 0,
      max: 1000000,
    },
    generate_owner: {
      doc: 'Project id owning the generated images.',
      format: String,
      default: '7f3a9c1e5b2d4f6a8c0e2b4d6f8a0c2e',
    },
    auth_url: {
      doc: 'Keystone that validates tokens for this Glance.',
      format: String,
      default: 'http://127.0.0.1:5000/v3',
    },
    username: { doc: "Glance's service user.", format: String, default: 'glance' },
    password: {
      doc: "Glance's service user password (the mock Keystone's mock_keystone.glance_password).",
      format: String,
      default: 'glancepw',
      sensitive: true,
    },
    project_name: { doc: "Glance's service project.", format: String, default: 'service' },
    control: { doc: 'Serve /__mock/ (counters and fault injection).', format: Boolean, default: false },
  },
};

export type MockConfig = ConfigValues<typeof schema>;

export function loadMockConfig(
  env: Record<string, string | undefined>,
  overrides: Record<string, unknown> = {},
): MockConfig {
  const conf = convictFor(schema, env);
  // OS_MOCK_* only: the service's variables may share this environment (src/config/env.ts).
  const problems = unknownVariables(schema, env, mockVariable);
  try {
    conf.load(overrides);
    conf.validate({ allowed: 'strict' });
  } catch (err) {
    problems.push(...explainConvictError(err));
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return conf.getProperties();
}
