// Traces through @opentelemetry/api alone. Without an SDK (the default: src/telemetry.ts loads one only when
// the OTEL_* environment asks) every call below is the API's no-op: a non-recording span, no context switch,
// no header written. With one, a request is a SERVER span and every upstream attempt a CLIENT span
// under it, with W3C trace context sent along. Tokens never go into a span: URLs without their query, no
// headers.
import { trace, type Attributes, type Span } from '@opentelemetry/api';
import { SERVICE_NAME, VERSION } from './package-info.js';

/** The instrumentation scope of every span: this service, by package.json's name and version. */
export const tracer = trace.getTracer(SERVICE_NAME, VERSION);

/** Attribute names beyond the HTTP semantic conventions. */
export const ATTR_REQUEST_ID = 'openstack.request_id';
export const ATTR_UPSTREAM_REQUEST_ID = 'openstack.upstream_request_id';

/** Set attributes only on a span that records them (the no-op span would discard them anyway, after the work). */
export function annotate(span: Span, attributes: () => Attributes): void {
  if (span.isRecording()) span.setAttributes(attributes());
}
