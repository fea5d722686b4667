// The SERVER span of a request (OpenTelemetry HTTP semantic conventions): continues the caller's W3C trace
// (traceparent / tracestate) and is the active context for everything the request does, so the session's
// CLIENT spans to Keystone and Glance become its children. Named and labelled with the matched route once
// routing is done; 5xx marks it as an error. A no-op without an SDK (src/common/tracing.ts).
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, context, propagation, trace } from '@opentelemetry/api';
import type { Middleware } from 'koa';
import { ATTR_REQUEST_ID, annotate, tracer } from '../common/tracing.js';
import type { RequestIdState } from './request-scope.js';

export function serverSpans(): Middleware<RequestIdState> {
  return async function serverSpanMiddleware(ctx, next) {
    const parent = propagation.extract(ROOT_CONTEXT, ctx.req.headers);
    const span = tracer.startSpan(ctx.method, { kind: SpanKind.SERVER }, parent);
    // No SDK: nothing to record or carry, so no context to switch to.
    if (!trace.isSpanContextValid(span.spanContext())) {
      await next();
      return;
    }
    annotate(span, () => ({
      'http.request.method': ctx.method,
      'url.path': ctx.path,
      'url.scheme': ctx.protocol,
      'client.address': ctx.req.socket.remoteAddress ?? '',
      'user_agent.original': ctx.get('user-agent'),
      [ATTR_REQUEST_ID]: ctx.state.requestId,
    }));
    try {
      await context.with(trace.setSpan(parent, span), next);
    } finally {
      if (span.isRecording()) {
        const route = (ctx as { _matchedRoute?: string })._matchedRoute;
        if (route) {
          span.updateName(`${ctx.method} ${route}`);
          span.setAttribute('http.route', route);
        }
        span.setAttribute('http.response.status_code', ctx.status);
        if (ctx.status >= 500) {
          span.setAttribute('error.type', String(ctx.status));
          span.setStatus({ code: SpanStatusCode.ERROR });
        }
      }
      span.end();
    }
  };
}
