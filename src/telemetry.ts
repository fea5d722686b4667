// The OpenTelemetry SDK, for processes whose environment asks for traces (OTEL_TRACES_EXPORTER=otlp, ...).
// Loaded with a dynamic import only then: by default the SDK and its exporters are never even read, and the
// code's @opentelemetry/api calls stay no-ops. Everything else comes from the standard variables, read by the
// SDK itself: OTEL_EXPORTER_OTLP_ENDPOINT / _TRACES_ENDPOINT, OTEL_EXPORTER_OTLP_PROTOCOL (http/protobuf,
// http/json, grpc), OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES, OTEL_TRACES_SAMPLER(_ARG), OTEL_BSP_*.
// Not OTEL_PROPAGATORS: only W3C trace context is propagated (propagatorChoice).
import type { Logger } from './common/logger.js';
import { SERVICE_NAME } from './common/package-info.js';

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

export interface PropagatorChoice {
  /** false only for OTEL_PROPAGATORS=none: no trace context in or out. */
  propagate: boolean;
  /** What OTEL_PROPAGATORS asked for beyond tracecontext, which is not done (logged at start). */
  ignored: string[];
}

/**
 * W3C trace context (traceparent, tracestate) and nothing else, whatever OTEL_PROPAGATORS says, except "none"
 * (no propagation at all). The SDK's default, and OTEL_PROPAGATORS=baggage, add W3C baggage, which forwards a
 * caller's `baggage` header (anything the caller puts in it) to Keystone and Glance with every call; b3 and
 * jaeger would send the trace in a second format nobody here reads. Parsed as the SDK parses the variable.
 */
export function propagatorChoice(env: Record<string, string | undefined>): PropagatorChoice {
  const names = (env.OTEL_PROPAGATORS ?? '')
    .split(',')
    .map((n) => n.trim())
    .filter((n) => n !== '');
  if (names.includes('none')) return { propagate: false, ignored: [] };
  return { propagate: true, ignored: [...new Set(names.filter((n) => n !== 'tracecontext'))] };
}

/**
 * The SDK's serviceName option: package.json's name, unless OTEL_SERVICE_NAME names the service (the SDK reads
 * it then; an explicit serviceName would win over it). Without either the SDK says "unknown_service:node".
 */
export function sdkServiceName(env: Record<string, string | undefined>): { serviceName?: string } {
  return env.OTEL_SERVICE_NAME ? {} : { serviceName: SERVICE_NAME };
}

/** Start the SDK when the environment asks for traces; undefined (and nothing loaded) otherwise. */
export async function startTelemetry(
  env: Record<string, string | undefined>,
  logger: Logger,
): Promise<Telemetry | undefined> {
  if (!tracesRequested(env)) return undefined;
  const { NodeSDK, core } = await import('@opentelemetry/sdk-node');
  const propagators = propagatorChoice(env);
  const sdk = new NodeSDK({
    ...sdkServiceName(env),
    // Only what this code traces itself (src/common/tracing.ts): no monkey-patching instrumentation.
    instrumentations: [],
    // Given here, so the SDK does not read OTEL_PROPAGATORS; null registers none (OTEL_PROPAGATORS=none).
    textMapPropagator: propagators.propagate ? new core.W3CTraceContextPropagator() : null,
  });
  sdk.start();
  if (propagators.ignored.length > 0) {
    logger.warn(
      { OTEL_PROPAGATORS: env.OTEL_PROPAGATORS, ignored: propagators.ignored },
      'OTEL_PROPAGATORS: only W3C trace context is propagated (a caller must not reach Keystone and Glance through baggage)',
    );
  }
  logger.info(
    {
      exporter: env.OTEL_TRACES_EXPORTER,
      endpoint: env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? env.OTEL_EXPORTER_OTLP_ENDPOINT,
      protocol: env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? env.OTEL_EXPORTER_OTLP_PROTOCOL,
      sampler: env.OTEL_TRACES_SAMPLER,
      propagation: propagators.propagate ? 'tracecontext' : 'none',
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
