// Run inside a copy of the project (test/package-name.test.ts): prints, as one JSON line, every name the
// copy's code derives from its package.json that a running service does not show on the wire.
import { ProxyTracer } from '@opentelemetry/api';
import { cacheKeyPrefix, deriveKeys } from '../../src/auth-token/memcache-crypt.js';
import { tracer } from '../../src/common/tracing.js';
import { defaultConfig } from '../../src/config/load.js';
import { SAMPLE_PATH } from '../../src/config/sample.js';
import { loadMockConfig } from '../../src/mocks/config.js';
import { sdkServiceName } from '../../src/telemetry.js';

const defaults = defaultConfig();
process.stdout.write(
  `${JSON.stringify({
    username: defaults.keystone_authtoken.username,
    userAgent: defaults.communication.user_agent,
    cachePrefixes: [cacheKeyPrefix('token'), cacheKeyPrefix('catalog')],
    cacheKeys: (['None', 'MAC', 'ENCRYPT'] as const).map((s) => deriveKeys('a-token', 'a-secret', s).cacheKey),
    otelServiceName: sdkServiceName({}).serviceName,
    otelServiceNameFromEnv: sdkServiceName({ OTEL_SERVICE_NAME: 'from-env' }).serviceName ?? null,
    tracer: tracer instanceof ProxyTracer ? tracer.name : null,
    mockServiceName: loadMockConfig({}).mock_keystone.service_name,
    samplePath: SAMPLE_PATH,
  })}\n`,
);
