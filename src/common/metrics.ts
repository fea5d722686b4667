// Prometheus metrics on an injected registry (never prom-client's global one, so apps built in tests stay
// independent), or a no-op set when metrics are disabled, so call sites never check.
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

interface Inc<L extends string> {
  inc(labels: Record<L, string>): void;
}

export interface Metrics {
  /** Served at /metrics; undefined when metrics are disabled. */
  readonly registry: Registry | undefined;
  readonly httpRequestDuration: {
    observe(labels: Record<'method' | 'route' | 'status', string>, seconds: number): void;
  };
  readonly authDecisions: Inc<'outcome'>;
  readonly tokenCacheLookups: Inc<'result'>;
  readonly keystoneValidations: Inc<'outcome'>;
  readonly keystoneValidationDuration: { observe(seconds: number): void };
}

export function createMetrics(registry: Registry = new Registry()): Metrics {
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    httpRequestDuration: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'Requests served, by route and status.',
      labelNames: ['method', 'route', 'status'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    authDecisions: new Counter({
      name: 'auth_token_decisions_total',
      help: 'auth_token outcomes: confirmed, rejected (401), delayed (delay_auth_decision), unavailable (503), shed (503, too many validations waiting).',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    tokenCacheLookups: new Counter({
      name: 'auth_token_cache_lookups_total',
      help: 'Token cache lookups by result (hit, miss).',
      labelNames: ['result'] as const,
      registers: [registry],
    }),
    keystoneValidations: new Counter({
      name: 'keystone_token_validations_total',
      help: 'Token validation calls made to Keystone, by outcome (valid, invalid, error).',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    keystoneValidationDuration: new Histogram({
      name: 'keystone_token_validation_duration_seconds',
      help: 'Latency of token validation calls to Keystone.',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
  };
}

const ignore = () => undefined;

/** server.metrics_enabled = false: the same calls, doing nothing. */
export const NO_METRICS: Metrics = Object.freeze({
  registry: undefined,
  httpRequestDuration: { observe: ignore },
  authDecisions: { inc: ignore },
  tokenCacheLookups: { inc: ignore },
  keystoneValidations: { inc: ignore },
  keystoneValidationDuration: { observe: ignore },
});
