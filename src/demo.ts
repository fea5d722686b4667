// `npm run demo`: the mock Keystone, the mock Glance and the service in one process, wired together, with
// a ready token and a curl line to paste. Ports come from DEMO_KEYSTONE_PORT, DEMO_GLANCE_PORT and
// DEMO_SERVICE_PORT, or are picked free. Ctrl-C stops all three.
import { fileURLToPath } from 'node:url';
import { PasswordPlugin } from './keystoneauth/password.js';
import { loadConfig } from './config/load.js';
import { createLogger } from './common/logger.js';
import { SERVICE_NAME } from './common/package-info.js';
import { startMockCloud } from './mocks/cloud.js';
import { RequestScope } from './common/request-scope.js';
import { startService } from './server.js';
import { startTelemetry } from './telemetry.js';
import { Session } from './keystoneauth/session.js';
import { optionsFromConfig } from './services.js';

const env = process.env;
const port = (name: string) => Number(env[name] ?? 0);
// Service logs go to stderr so stdout stays the instructions.
const logger = createLogger({ level: env.DEMO_LOG_LEVEL ?? 'info', fd: 2 });

const cloud = await startMockCloud({
  env,
  keystone: { port: port('DEMO_KEYSTONE_PORT'), control: true },
  glance: { port: port('DEMO_GLANCE_PORT'), control: true },
});
const { keystone, glance } = cloud;

const config = loadConfig({
  env: {},
  configDir: fileURLToPath(new URL('../config', import.meta.url)),
  overrides: {
    server: { port: port('DEMO_SERVICE_PORT') },
    log: { level: env.DEMO_LOG_LEVEL ?? 'info' },
    keystone_authtoken: {
      auth_url: `${keystone.url}/v3`,
      www_authenticate_uri: `${keystone.url}/v3`,
      // The mock Keystone's user for this service: its name, and that name followed by -pw.
      username: SERVICE_NAME,
      password: `${SERVICE_NAME}-pw`,
      // This service's type in the mock catalog: application credentials' access rules name it.
      service_type: SERVICE_NAME,
    },
  },
});
// Traces when OTEL_TRACES_EXPORTER asks for them, as with dist/server.js (docs/deploy.md, Tracing).
const telemetry = await startTelemetry(env, logger);
const service = await startService(config, logger);
keystone.store.catalogVars.service_url = service.url;

// A token for the demo user, the way any client gets one.
const session = new Session(optionsFromConfig(config).session, new RequestScope(logger));
const demo = {
  username: 'demo',
  password: 'demopw',
  projectName: 'demo',
  userDomainName: 'Default',
  projectDomainName: 'Default',
};
const access = await new PasswordPlugin({ authUrl: `${keystone.url}/v3`, ...demo }).getAccess(session);
await session.close();

process.stdout.write(`
OpenStack ${SERVICE_NAME} demo: three servers in this process.
  mock Keystone  ${keystone.url}/v3
  mock Glance    ${glance.url}
  the service    ${service.url}

The openstack CLI, as the demo user:
export OS_AUTH_URL=${keystone.url}/v3 OS_USERNAME=${demo.username} OS_PASSWORD=${demo.password} OS_PROJECT_NAME=${demo.projectName} OS_USER_DOMAIN_NAME=${demo.userDomainName} OS_PROJECT_DOMAIN_NAME=${demo.projectDomainName} OS_IDENTITY_API_VERSION=3

A token for demo (valid until ${access.expiresAt.toISOString()}); the names of the images demo can see:
curl -H "X-Auth-Token: ${access.authToken}" ${service.url}/

Other users: alt/altpw (project alt), wile/wilepw (domain acme, project dev), admin/adminpw.
Application credentials of demo (method application_credential, name + secret): demo-images-chain (access
rules: ${SERVICE_NAME} GET /images and image GET /v2/images, the Glance call it leads to), demo-images-only
(${SERVICE_NAME} GET /images alone: Glance refuses the call, a 401, unless OS_SERVICE_USER__SEND_SERVICE_USER_TOKEN
is true), demo-compute-only (compute only: a 401 here), demo-no-rules.
Ctrl-C stops everything.
`);

let stopping = false;
const stop = async () => {
  if (stopping) process.exit(1);
  stopping = true;
  await service.shutdown('demo stopped');
  await cloud.close();
  await telemetry?.shutdown();
  logger.flush(() => process.exit(0));
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
