// Tracing: off unless the OTEL_* environment asks (nothing sent upstream then), and when asked, one trace per
// request exported over OTLP/HTTP (JSON) to a real receiver in this process: the caller's trace id, the SERVER
// span as parent of the CLIENT spans to Keystone and Glance, the trace context received by the mocks, and no
// token anywhere in the export.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { tracesRequested } from '../src/telemetry.js';
import { startMocks, tokenFor, type Mocks } from './helpers/mocks.js';
import { build, serviceConfig } from './helpers/service.js';
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
  assert.equal(tracesRequested({}), false);
  assert.equal(tracesRequested({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }), false);
  assert.equal(tracesRequested({ OTEL_TRACES_EXPORTER: 'none' }), false);
  assert.equal(tracesRequested({ OTEL_TRACES_EXPORTER: 'otlp' }), true);
  assert.equal(tracesRequested({ OTEL_TRACES_EXPORTER: 'none, otlp' }), true);
  assert.equal(tracesRequested({ OTEL_TRACES_EXPORTER: 'otlp', OTEL_SDK_DISABLED: 'true' }), false);
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
    const service = await build(t, serviceConfig(mocks.keystoneUrl), { level: 'warn' });
    const token = await tokenFor(mocks.keystoneUrl, 'demo');
    const res = await fetch(`${service.url}/`, {
      headers: { 'X-Auth-Token': token, traceparent: `00-${'ab'.repeat(16)}-${'cd'.repeat(8)}-01` },
    });
    assert.equal(res.status, 200);
    assert.deepEqual(await traceparents(mocks.glance.url), []);
  });

  test('on (OTLP http/json): one trace for one request, continuing the caller’s, with no token in it', async () => {
    const receiver = await startReceiver();
    try {
      await fetch(`${mocks.glance.url}/__mock/reset`, { method: 'POST' });
      await fetch(`${mocks.keystone.url}/__mock/reset`, { method: 'POST' });
      const child = startChild(['src/server.ts'], {
        OS_SERVER__PORT: '0',
        OS_KEYSTONE_AUTHTOKEN__AUTH_URL: mocks.keystoneUrl,
        OS_KEYSTONE_AUTHTOKEN__USERNAME: 'image-names',
        OS_KEYSTONE_AUTHTOKEN__PASSWORD: 'image-names-pw',
        OS_LOG__LEVEL: 'info',
        OTEL_TRACES_EXPORTER: 'otlp',
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_SERVICE_NAME: 'image-names-under-test',
      });
      const { url } = JSON.parse(await child.waitForLine(/service listening/)) as { url: string };
      // Once the service user is in, so that the trace below is the request's alone.
      await child.waitForLine(/service user authenticated/);
      const token = await tokenFor(mocks.keystoneUrl, 'demo');
      const traceId = randomBytes(16).toString('hex');
      const callerSpanId = randomBytes(8).toString('hex');
      const res = await fetch(`${url}/images`, {
        headers: { 'X-Auth-Token': token, traceparent: `00-${traceId}-${callerSpanId}-01`, tracestate: 'vendor=x' },
      });
      assert.equal(res.status, 200);
      const requestId = res.headers.get('x-openstack-request-id')!;
      child.proc.kill('SIGTERM');
      assert.equal((await child.exited).code, 0);

      // Flushed on shutdown: the request's spans are all there.
      const spans = receiver.spans().filter((s) => s.traceId === traceId);
      const server = spans.filter((s) => s.kind === SERVER);
      assert.equal(server.length, 1, JSON.stringify(spans.map((s) => s.name)));
      const root = server[0]!;
      assert.equal(root.parentSpanId, callerSpanId);
      assert.equal(root.name, 'GET /images');
      assert.equal(attr(root, 'http.route'), '/images');
      assert.equal(attr(root, 'http.response.status_code'), 200);
      assert.equal(attr(root, 'openstack.request_id'), requestId);
      const clients = spans.filter((s) => s.kind === CLIENT);
      assert.deepEqual(clients.map((s) => attr(s, 'peer.service')).sort(), ['glance', 'keystone']);
      for (const c of clients) {
        assert.equal(c.parentSpanId, root.spanId, `${c.name} is a child of the request`);
        assert.equal(attr(c, 'http.response.status_code'), 200);
        assert.equal(attr(c, 'openstack.request_id'), requestId);
        assert.doesNotMatch(String(attr(c, 'url.full')), /\?/, 'no query in a span');
      }
      // The mocks received the trace context of the client spans.
      for (const base of [mocks.keystone.url, mocks.glance.url]) {
        const seen = await traceparents(base);
        assert.ok(
          seen.some((tp) => tp.startsWith(`00-${traceId}-`) && clients.some((c) => tp.includes(c.spanId))),
          `${base}: ${seen.join(', ')}`,
        );
      }
      // No token anywhere: the user's, the service user's password, or any token the mock Keystone issued.
      const exported = receiver.bodies.join('\n');
      assert.ok(exported.includes('image-names-under-test'), 'the service name is the resource');
      for (const secret of [token, 'image-names-pw', ...mocks.keystone.store.tokenIds()])
        assert.ok(!exported.includes(secret), 'a token or password in the export');
    } finally {
      await receiver.close();
    }
  });
});
