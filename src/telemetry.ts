// The OpenTelemetry SDK, for processes whose environment asks for traces (OTEL_TRACES_EXPORTER=otlp, ...).
// Loaded with a dynamic import only then: by default the SDK and its exporters are never even read, and the
// code's @opentelemetry/api calls stay no-ops. Everything else comes from the standard variables, read by the
// SDK itself: OTEL_EXPORTER_OTLP_ENDPOINT / _TRACES_ENDPOINT, OTEL_EXPORTER_OTLP_PROTOCOL (http/protobuf,
// http/json, grpc), OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES, OTEL_TRACES_SAMPLER(_ARG), OTEL_BSP_*,
// OTEL_PROPAGATORS (W3C trace context and baggage by default).
import type { Logger } from './common/logger.js';

export interface Telemetry {
  /** Export the spans still buffered, then stop (call it last on shutdown). */
  shutdown(): Promise<void>;
}

/** Whether the environment asks for traces: OTEL_TRACES_EXPORTER names an exporter, and the SDK is not disabled. */
export function tracesRequested(env: Record<string, string | undefined>): boolean {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return false;
  const exporters = (env.OTEL_TRACES_EXPORTER ?? '')
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e !== '' && e !== 'none');
  return exporters.length > 0;
}

/** Start the SDK when the environment asks for traces; undefined (and nothing loaded) otherwise. */
export async function startTelemetry(
  env: Record<string, string | undefined>,
  logger: Logger,
): Promise<Telemetry | undefined> {
  if (!tracesRequested(env)) return undefined;
  const { NodeSDK } = await import('@opentelemetry/sdk-node');
  const sdk = new NodeSDK({
    // The SDK's default would be "unknown_service:node".
    ...(env.OTEL_SERVICE_NAME ? {} : { serviceName: 'openstack-image-names' }),
    // Only what this code traces itself (src/common/tracing.ts): no monkey-patching instrumentation.
    instrumentations: [],
  });
  sdk.start();
  logger.info(
    {
      exporter: env.OTEL_TRACES_EXPORTER,
      endpoint: env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? env.OTEL_EXPORTER_OTLP_ENDPOINT,
      protocol: env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? env.OTEL_EXPORTER_OTLP_PROTOCOL,
      sampler: env.OTEL_TRACES_SAMPLER,
    },
    'OpenTelemetry tracing on',
  );
  return {
    shutdown: async () => {
      try {
        await sdk.shutdown();
      } catch (err) {
        logger.warn({ reason: (err as Error).message }, 'OpenTelemetry: spans could not be flushed');
      }
    },
  };
}
