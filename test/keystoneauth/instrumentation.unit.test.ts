import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SpanStatusCode, propagation, trace } from '@opentelemetry/api';
import { core, tracing } from '@opentelemetry/sdk-node';
import { RequestScope } from '../../src/common/request-scope.js';
import { AttemptObserver } from '../../src/keystoneauth/instrumentation.js';
import { TimeoutError } from '../../src/keystoneauth/errors.js';
import { attemptState } from '../helpers/attempt.js';
import { captureLogger } from '../helpers/logs.js';

const timeout = () =>
  new TimeoutError('glance (GET http://glance.test:9292/v2/images) did not answer within 5 ms', {
    service: 'glance',
    method: 'GET',
    url: 'http://glance.test:9292/v2/images',
  });

describe('AttemptObserver without a tracing SDK', () => {
  test('timings: one per ended attempt with collectTiming, none without, cleared by reset', () => {
    const { logger } = captureLogger('silent');
    const timed = new AttemptObserver(new RequestScope(logger), true);
    const state = attemptState();
    timed.start(state, {});
    timed.end(state, {}, { status: 200 });
    timed.start(state, {});
    timed.end(state, {}, { error: timeout() });
    assert.deepEqual(
      timed.timings.map(({ method, url, status }) => [method, url, status]),
      [
        ['GET', 'http://glance.test:9292/v2/images', 200],
        ['GET', 'http://glance.test:9292/v2/images', undefined],
      ],
      'each attempt recorded, its URL without the query, no status when it failed',
    );
    assert.ok(
      timed.timings.every((t) => t.elapsedMs >= 0),
      'elapsed time measured from start',
    );
    timed.resetTimings();
    assert.equal(timed.timings.length, 0, 'reset forgets the timings');

    const untimed = new AttemptObserver(new RequestScope(logger), false);
    untimed.start(state, {});
    untimed.end(state, {}, { status: 200 });
    assert.equal(untimed.timings.length, 0, 'without collectTiming nothing is kept');
  });

  test('no SDK: no trace header is written into the attempt', () => {
    const observer = new AttemptObserver(new RequestScope(captureLogger('silent').logger), false);
    const headers: Record<string, string> = {};
    observer.start(attemptState(), headers);
    assert.deepEqual(headers, {}, 'a non-recording span carries no trace context');
  });

  test('debug lines: tokens as {SHA256}, no query string, the failure code; nothing above debug', () => {
    const { logger, lines, raw } = captureLogger('debug');
    const observer = new AttemptObserver(new RequestScope(logger), false);
    const state = attemptState();
    const headers = { 'x-auth-token': 'super-secret-token', accept: 'application/json' };
    observer.start(state, headers);
    observer.end(state, headers, { status: 200, upstreamId: 'req-up' });
    observer.start(state, headers);
    observer.end(state, headers, { error: timeout() });
    observer.retrying(state, 25, timeout());
    assert.deepEqual(
      lines.map((l) => l.msg),
      ['upstream request', 'upstream request failed', 'retrying upstream request'],
      'one line per ended attempt, and one per retry',
    );
    const answered = lines[0]!.upstream as Record<string, unknown>;
    assert.equal(answered.status, 200, 'the status is logged');
    assert.equal(answered.request_id, 'req-up', "the upstream's request id is logged");
    assert.match(JSON.stringify(answered.headers), /\{SHA256\}[0-9a-f]{64}/, 'the token is logged as its hash');
    assert.equal((lines[1]!.upstream as Record<string, unknown>).error, 'timeout', 'a failure logs its code');
    assert.equal(lines[2]!.wait_ms, 25, 'the retry logs its wait');
    const all = raw.join('\n');
    assert.doesNotMatch(all, /super-secret-token/, 'no token in clear');
    assert.doesNotMatch(all, /secret-marker/, 'no query string');

    const quiet = captureLogger('info');
    const silent = new AttemptObserver(new RequestScope(quiet.logger), false);
    silent.start(state, headers);
    silent.end(state, headers, { status: 200 });
    assert.equal(quiet.raw.length, 0, 'at info, an attempt writes nothing');
  });
});

describe('AttemptObserver with a tracing SDK', () => {
  const exporter = new tracing.InMemorySpanExporter();
  before(() => {
    trace.setGlobalTracerProvider(
      new tracing.BasicTracerProvider({ spanProcessors: [new tracing.SimpleSpanProcessor(exporter)] }),
    );
    propagation.setGlobalPropagator(new core.W3CTraceContextPropagator());
  });
  after(() => {
    trace.disable();
    propagation.disable();
  });

  test('a CLIENT span per attempt, its context sent along, its outcome recorded', () => {
    const scope = new RequestScope(captureLogger('silent').logger);
    const observer = new AttemptObserver(scope, false);
    const state = attemptState({ attempt: 1 });
    const headers: Record<string, string> = {};
    scope.run({ requestId: 'req-1', log: captureLogger('silent').logger }, () => observer.start(state, headers));
    observer.end(state, headers, { status: 503, upstreamId: 'req-up' });
    const [span] = exporter.getFinishedSpans();
    assert.ok(span, 'the span ended');
    assert.match(headers.traceparent ?? '', new RegExp(`^00-${span.spanContext().traceId}-`), 'W3C trace context');
    assert.deepEqual(
      span.attributes,
      {
        'http.request.method': 'GET',
        'url.full': 'http://glance.test:9292/v2/images',
        'server.address': 'glance.test',
        'server.port': 9292,
        'peer.service': 'glance',
        'http.request.resend_count': 1,
        'openstack.request_id': 'req-1',
        'http.response.status_code': 503,
        'openstack.upstream_request_id': 'req-up',
        'error.type': '503',
      },
      'HTTP semantic conventions, without the query',
    );
    assert.equal(span.status.code, SpanStatusCode.ERROR, 'a 5xx answer is an error span');
  });
});
