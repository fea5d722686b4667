// What the session reports about each attempt, kept apart from what it does: the CLIENT span (HTTP semantic
// conventions, W3C trace context written into the attempt's headers), the timing record (collectTiming) and
// the debug lines (tokens redacted, no query string). Session.send calls start before each dispatch and end
// once it knows how the attempt ended; nothing here changes what is sent or answered but the trace headers.
import { SpanKind, SpanStatusCode, context, propagation, trace } from '@opentelemetry/api';
import { redactHeaders } from '../common/redact.js';
import type { RequestScope } from '../common/request-scope.js';
import { ATTR_REQUEST_ID, ATTR_UPSTREAM_REQUEST_ID, annotate, tracer } from '../common/tracing.js';
import type { AttemptState } from './attempt.js';
import type { UpstreamError } from './errors.js';
import { loggableUrl } from './url.js';

/** One attempt's record (collectTiming). */
export interface Timing {
  method: string;
  url: string;
  status: number | undefined;
  elapsedMs: number;
}

/** How one attempt ended, for its span, timing and log line. */
export interface AttemptOutcome {
  status?: number;
  upstreamId?: string | undefined;
  error?: UpstreamError;
}

/** The session's one observer of its attempts; the attempt in flight is kept on its AttemptState. */
export class AttemptObserver {
  private readonly records: Timing[] = [];

  /**
   * @param scope the current request's id (on spans) and logger.
   * @param collectTiming keep a Timing per attempt, like keystoneauth's collect_timing.
   */
  constructor(
    private readonly scope: RequestScope,
    private readonly collectTiming: boolean,
  ) {}

  /** Timings collected since the last reset (only with collectTiming). */
  get timings(): readonly Timing[] {
    return this.records;
  }

  resetTimings(): void {
    this.records.length = 0;
  }

  /**
   * An attempt is about to be dispatched with `headers`: its CLIENT span, child of whatever span is active (the
   * request's SERVER span), its trace context written into `headers`. No-op without an SDK.
   */
  start(state: AttemptState, headers: Record<string, string>): void {
    const span = tracer.startSpan(state.method, { kind: SpanKind.CLIENT });
    state.span = span;
    state.attemptStartedAt = performance.now();
    if (!trace.isSpanContextValid(span.spanContext())) return;
    propagation.inject(trace.setSpan(context.active(), span), headers);
    annotate(span, () => {
      const { url } = state;
      return {
        'http.request.method': state.method,
        // Without the query: nothing secret is ever in it here, and nothing from it is needed in a trace.
        'url.full': loggableUrl(url),
        'server.address': url.hostname,
        'server.port': Number(url.port) || (url.protocol === 'https:' ? 443 : 80),
        'peer.service': state.service,
        ...(state.attempt > 0 ? { 'http.request.resend_count': state.attempt } : {}),
        ...(this.scope.requestId ? { [ATTR_REQUEST_ID]: this.scope.requestId } : {}),
      };
    });
  }

  /** The attempt started last ended: its span, its timing and its debug line. */
  end(state: AttemptState, headers: Record<string, string>, outcome: AttemptOutcome): void {
    const { span } = state;
    const elapsedMs = Math.round((performance.now() - state.attemptStartedAt) * 10) / 10;
    if (span?.isRecording()) {
      const { status, upstreamId, error } = outcome;
      if (status !== undefined) span.setAttribute('http.response.status_code', status);
      if (upstreamId) span.setAttribute(ATTR_UPSTREAM_REQUEST_ID, upstreamId);
      if (error || (status !== undefined && status >= 400)) {
        span.setAttribute('error.type', error?.code ?? String(status));
        span.setStatus(error ? { code: SpanStatusCode.ERROR, message: error.message } : { code: SpanStatusCode.ERROR });
      }
    }
    span?.end();
    if (this.collectTiming)
      this.records.push({ method: state.method, url: loggableUrl(state.url), status: outcome.status, elapsedMs });
    if (this.scope.isLevelEnabled('debug')) this.logAttempt(state, headers, outcome, elapsedMs);
  }

  /** A retry is about to wait `waitMs` after `error`. */
  retrying(state: AttemptState, waitMs: number, error: UpstreamError): void {
    this.scope.log.debug(
      { attempt: state.attempt + 1, wait_ms: waitMs, reason: error.code, url: error.url },
      'retrying upstream request',
    );
  }

  private logAttempt(
    state: AttemptState,
    headers: Record<string, string>,
    { status, upstreamId, error }: AttemptOutcome,
    elapsedMs: number,
  ): void {
    const { service, method } = state;
    const url = loggableUrl(state.url);
    if (error) {
      this.scope.log.debug(
        { upstream: { service, method, url, elapsed_ms: elapsedMs, error: error.code } },
        'upstream request failed',
      );
      return;
    }
    this.scope.log.debug(
      {
        upstream: {
          service,
          method,
          url,
          status,
          elapsed_ms: elapsedMs,
          request_id: upstreamId,
          headers: redactHeaders(headers),
        },
      },
      'upstream request',
    );
  }
}
