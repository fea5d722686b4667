// The Adapter (keystoneauth's) over HTTP: paths are relative to the endpoint, and every failure names the
// service (its machine name for logs, its display name for callers). Construction, the endpoint filter,
// versioned catalog URLs and links, with a fake session: adapter.unit.test.ts.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type http from 'node:http';
import { RequestScope } from '../../src/common/request-scope.js';
import { defaultConfig } from '../../src/config/load.js';
import { Adapter, type AdapterOptions } from '../../src/keystoneauth/adapter.js';
import { sessionOptionsFromConfig } from '../../src/keystoneauth/conf.js';
import { ConnectionError, ProtocolError, ServerError, type UpstreamError } from '../../src/keystoneauth/errors.js';
import { Session } from '../../src/keystoneauth/session.js';
import { catalogPlugin, computeAt, NOVA } from '../helpers/catalog.js';
import { captureLogger } from '../helpers/logs.js';
import { closedUrl, listen } from '../helpers/net.js';

const logs = captureLogger('debug');
let session: Session;
before(() => {
  const communication = { ...defaultConfig().communication, retry_delay: 0.01, status_code_retries: 0 };
  session = new Session(sessionOptionsFromConfig(communication), new RequestScope(logs.logger));
});
after(() => session.close());

describe('requests', () => {
  const seen: { method: string; url: string; token: string | undefined }[] = [];
  let reply: (res: http.ServerResponse) => void = (res) => res.end('{}');
  let upstream: Awaited<ReturnType<typeof listen>>;
  before(async () => {
    upstream = await listen((req, res) => {
      seen.push({ method: req.method!, url: req.url!, token: req.headers['x-auth-token'] as string | undefined });
      reply(res);
    });
  });
  after(() => upstream.close());

  const adapterAt = (url: string, options: Partial<AdapterOptions> = {}) =>
    new Adapter(session, catalogPlugin(computeAt(() => url)).plugin, { ...NOVA, ...options });

  test('paths are relative to the endpoint, sent as the plugin, with the method asked', async () => {
    seen.length = 0;
    reply = (res) => res.end('{"ok":true}');
    const adapter = adapterAt(`${upstream.url}/compute/v2.1/`);
    const res = await adapter.get('/servers/detail', { query: new URLSearchParams({ limit: '5' }) });
    assert.deepEqual(res.json(), { ok: true }, 'the answer');
    await adapter.delete('servers/abc');
    await adapter.post('servers', { json: { server: {} } });
    await adapter.get(`${upstream.url}/elsewhere`);
    assert.deepEqual(
      seen,
      [
        { method: 'GET', url: '/compute/v2.1/servers/detail?limit=5', token: 'the-callers-token' },
        { method: 'DELETE', url: '/compute/v2.1/servers/abc', token: 'the-callers-token' },
        { method: 'POST', url: '/compute/v2.1/servers', token: 'the-callers-token' },
        { method: 'GET', url: '/elsewhere', token: 'the-callers-token' },
      ],
      'a leading slash is still relative to the endpoint; an absolute URL is used as it is',
    );
  });

  test('failures name the service: its machine name for logs, its display name for callers', async () => {
    const named = (err: UpstreamError) => err.service === 'nova' && err.displayName === 'compute service';
    reply = (res) => {
      res.statusCode = 500;
      res.end('{}');
    };
    await assert.rejects(
      adapterAt(upstream.url).get('servers'),
      (err: Error) => err instanceof ServerError && named(err) && /^nova answered 500/.test(err.message),
      'an HTTP error',
    );
    reply = (res) => res.end('<html>');
    const res = await adapterAt(upstream.url).get('servers');
    assert.throws(
      () => res.json(),
      (err: Error) => err instanceof ProtocolError && named(err),
      'a body not JSON',
    );
    await assert.rejects(
      adapterAt(await closedUrl()).get('servers'),
      (err: Error) => err instanceof ConnectionError && named(err),
      'nobody listening',
    );
    const made = adapterAt(upstream.url).protocolError('nova sent no servers list', { requestId: 'req-1' });
    assert.ok(named(made) && made.requestId === 'req-1', 'protocolError names the service and keeps the request id');
    const line = logs.lines.findLast((l) => l.msg === 'upstream request failed');
    assert.equal((line?.upstream as { service?: string } | undefined)?.service, 'nova', 'the debug log names it');
  });

  test('without names given: the service type is the machine name, "<type> service" the display name', async () => {
    const plain = new Adapter(session, catalogPlugin([]).plugin, { serviceType: 'placement' });
    assert.equal(plain.service, 'placement', 'machine name');
    assert.equal(plain.displayName, 'placement service', 'display name');
  });
});
