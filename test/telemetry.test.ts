// Tracing: off unless the OTEL_* environment asks (nothing sent upstream then), and when asked, one trace per
// request exported over OTLP/HTTP (JSON) to a real receiver in this process: the caller's trace id, the SERVER
// span as parent of the CLIENT spans to Keystone and Glance, the trace context received by the mocks, and no
// token anywhere in the export.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { propagatorChoice, tracesRequested } from '../src/telemetry.js';
import { startMocks, tokenFor, type Mocks, USERS } from './helpers/mocks.js';
import { build, serviceOptions } from './helpers/service.js';
import { startChild } from './helpers/process.js';
import { listen } from './helpers/net.js';

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: { key: string; value: { stringValue?: string; intValue?: string | number } }[];
  status?: { code?: number };
}

const SERVER = 2;
const CLIENT = 3;

/** An OTLP/HTTP receiver (POST /v1/traces, JSON): keeps every raw body and the spans in them. */
async function startReceiver() {
  const bodies: string[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      if (req.method === 'POST' && req.url === '/v1/traces') bodies.push(body);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  const served = await listen(server);
  return {
    url: served.url,
    bodies,
    spans: (): OtlpSpan[] =>
      bodies.flatMap((b) =>
        (JSON.parse(b) as { resourceSpans: { scopeSpans: { spans: OtlpSpan[] }[] }[] }).resourceSpans.flatMap((r) =>
          r.scopeSpans.flatMap((s) => s.spans),
        ),
      ),
    close: () => served.close(),
  };
}

const attr = (span: OtlpSpan, key: string) => {
  const v = span.attributes.find((a) => a.key === key)?.value;
  return v?.stringValue ?? (v?.intValue === undefined ? undefined : Number(v.intValue));
};

test('the environment turns tracing on only with a traces exporter, and OTEL_SDK_DISABLED wins', () => {
  assert.equal(tracesRequested({}), false, 'no exporter set: tracing off');
  assert.equal(
    tracesRequested({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }),
    false,
    'an OTLP endpoint alone does not ask for traces',
  );
  assert.equal(tracesRequested({ OTEL_TRACES_EXPORTER: 'none' }), false, 'the none exporter: tracing off');
  assert.equal(tracesRequested({ OTEL_TRACES_EXPORTER: 'otlp' }), true, 'the otlp exporter: tracing on');
  assert.equal(tracesRequested({ OTEL_TRACES_EXPORTER: 'none, otlp' }), true, 'otlp among others: tracing on');
  assert.equal(
    tracesRequested({ OTEL_TRACES_EXPORTER: 'otlp', OTEL_SDK_DISABLED: 'true' }),
    false,
    'OTEL_SDK_DISABLED wins over any exporter',
  );
});

test('propagation is W3C trace context whatever OTEL_PROPAGATORS asks, or none', () => {
  const trace = { propagate: true, ignored: [] };
  assert.deepEqual(propagatorChoice({}), trace, 'unset: trace context (the SDK would add baggage)');
  assert.deepEqual(propagatorChoice({ OTEL_PROPAGATORS: '' }), trace, 'empty is unset');
  assert.deepEqual(propagatorChoice({ OTEL_PROPAGATORS: 'tracecontext' }), trace, 'what we do anyway');
  assert.deepEqual(
    propagatorChoice({ OTEL_PROPAGATORS: 'tracecontext, baggage,b3,baggage' }),
    { propagate: true, ignored: ['baggage', 'b3'] },
    'baggage and b3 are not done, and said so once each',
  );
  assert.deepEqual(
    propagatorChoice({ OTEL_PROPAGATORS: 'baggage,none' }),
    { propagate: false, ignored: [] },
    'none anywhere: no propagation, as the SDK reads it',
  );
});

describe('tracing', () => {
  let mocks: Mocks;
  before(async () => {
    mocks = await startMocks();
  });
  after(() => mocks.close());

  const traceparents = async (base: string) =>
    ((await (await fetch(`${base}/__mock/stats`)).json()) as { traceparents: string[] }).traceparents;

  test('off by default: no trace context is sent upstream, even when the caller sends one', async (t) => {
    await fetch(`${mocks.glance.url}/__mock/reset`, { method: 'POST' });
    const service = await build(t, serviceOptions(mocks.keystoneUrl), { level: 'warn' });
    const token = await tokenFor(mocks.keystoneUrl, 'demo');
    const res = await fetch(`${service.url}/`, {
      headers: { 'X-Auth-Token': token, traceparent: `00-${'ab'.repeat(16)}-${'cd'.repeat(8)}-01` },
    });
    assert.equal(res.status, 200, 'the request passes with tracing off');
    assert.deepEqual(
      await traceparents(mocks.glance.url),
      [],
      "with tracing off no traceparent reaches Glance, not even the caller's",
    );
  });

  const baggageOf = async (base: string) =>
    ((await (await fetch(`${base}/__mock/stats`)).json()) as { baggage: string[] }).baggage;

  /** A caller's baggage: whatever it likes, which must stay with this service. */
  const CALLER_BAGGAGE = 'user.id=admin,tenant=forged,secret=s3cr3t';

  /**
   * src/server.ts as a child process with tracing on (OTLP http/json to a receiver here) and `env` on top; one
   * request to /images with the caller's trace context and baggage; then SIGTERM, which flushes the spans.
   */
  async function tracedRequest(env: Record<string, string> = {}) {
    const receiver = await startReceiver();
    try {
      await fetch(`${mocks.glance.url}/__mock/reset`, { method: 'POST' });
      await fetch(`${mocks.keystone.url}/__mock/reset`, { method: 'POST' });
      const child = startChild(['src/server.ts'], {
        OS_SERVER__PORT: '0',
        OS_KEYSTONE_AUTHTOKEN__AUTH_URL: mocks.keystoneUrl,
        OS_KEYSTONE_AUTHTOKEN__USERNAME: USERS.service.username,
        OS_KEYSTONE_AUTHTOKEN__PASSWORD: USERS.service.password,
        OS_LOG__LEVEL: 'info',
        OTEL_TRACES_EXPORTER: 'otlp',
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_SERVICE_NAME: 'image-names-under-test',
        ...env,
      });
      const { url } = JSON.parse(await child.waitForLine(/service listening/)) as { url: string };
      // Once the service user is in, so that the trace below is the request's alone.
      await child.waitForLine(/service user authenticated/);
      const token = await tokenFor(mocks.keystoneUrl, 'demo');
      const traceId = randomBytes(16).toString('hex');
      const callerSpanId = randomBytes(8).toString('hex');
      const res = await fetch(`${url}/images`, {
        headers: {
          'X-Auth-Token': token,
          traceparent: `00-${traceId}-${callerSpanId}-01`,
          tracestate: 'vendor=x',
          baggage: CALLER_BAGGAGE,
        },
      });
      assert.equal(res.status, 200, 'the traced request is served');
      const requestId = res.headers.get('x-openstack-request-id')!;
      child.proc.kill('SIGTERM');
      assert.equal((await child.exited).code, 0, 'the traced service exits cleanly');
      return {
        token,
        traceId,
        callerSpanId,
        requestId,
        spans: receiver.spans(),
        exported: receiver.bodies.join('\n'),
        stdout: child.stdout(),
      };
    } finally {
      await receiver.close();
    }
  }

  /** Keystone and Glance got the trace context of `traceId`, and never the caller's baggage. */
  async function assertTraceContextOnly(traceId: string, spanIds: string[]) {
    for (const base of [mocks.keystone.url, mocks.glance.url]) {
      const seen = await traceparents(base);
      assert.ok(
        seen.some((tp) => tp.startsWith(`00-${traceId}-`) && spanIds.some((id) => tp.includes(id))),
        `${base} got the trace context of a client span: ${seen.join(', ')}`,
      );
      assert.deepEqual(await baggageOf(base), [], `${base} got no baggage header`);
    }
  }

  test('on (OTLP http/json): one trace for one request, continuing the caller’s, with no token and no baggage upstream', async () => {
    const { token, traceId, callerSpanId, requestId, spans: all, exported } = await tracedRequest();
    // Flushed on shutdown: the request's spans are all there.
    const spans = all.filter((s) => s.traceId === traceId);
    const server = spans.filter((s) => s.kind === SERVER);
    assert.equal(server.length, 1, JSON.stringify(spans.map((s) => s.name)));
    const root = server[0]!;
    assert.equal(root.parentSpanId, callerSpanId, "the request's span continues the caller's trace");
    assert.equal(root.name, 'GET /images', 'the server span is named after the route');
    assert.equal(attr(root, 'http.route'), '/images', 'the server span has the route');
    assert.equal(attr(root, 'http.response.status_code'), 200, 'the server span has the status');
    assert.equal(attr(root, 'openstack.request_id'), requestId, 'the server span carries the request id');
    const clients = spans.filter((s) => s.kind === CLIENT);
    assert.deepEqual(
      clients.map((s) => attr(s, 'peer.service')).sort(),
      ['glance', 'keystone'],
      'one client span for Keystone and one for Glance',
    );
    for (const c of clients) {
      assert.equal(c.parentSpanId, root.spanId, `${c.name} is a child of the request`);
      assert.equal(attr(c, 'http.response.status_code'), 200, `${c.name}: the upstream status`);
      assert.equal(attr(c, 'openstack.request_id'), requestId, `${c.name}: the request id sent upstream`);
      assert.doesNotMatch(String(attr(c, 'url.full')), /\?/, 'no query in a span');
    }
    // The mocks received the trace context of the client spans, and not the caller's baggage.
    await assertTraceContextOnly(
      traceId,
      clients.map((c) => c.spanId),
    );
    // No token anywhere: the user's, the service user's password, or any token the mock Keystone issued.
    assert.ok(exported.includes('image-names-under-test'), 'the service name is the resource');
    for (const secret of [token, USERS.service.password, ...mocks.keystone.store.tokenIds()])
      assert.ok(!exported.includes(secret), 'a token or password in the export');
    assert.ok(!exported.includes('s3cr3t'), "the caller's baggage is not in the export either");
  });

  test('OTEL_PROPAGATORS cannot bring baggage back: W3C trace context only, and a warning says so', async () => {
    const { traceId, spans, stdout } = await tracedRequest({ OTEL_PROPAGATORS: 'tracecontext,baggage' });
    const clients = spans.filter((s) => s.traceId === traceId && s.kind === CLIENT);
    assert.equal(clients.length, 2, 'one client span to Keystone and one to Glance');
    await assertTraceContextOnly(
      traceId,
      clients.map((c) => c.spanId),
    );
    assert.match(stdout, /OTEL_PROPAGATORS.*baggage|baggage.*OTEL_PROPAGATORS/, 'the ignored propagator is logged');
  });
});
