// The Adapter (keystoneauth's): its endpoint filter reaches the plugin's catalog, versioned and unversioned
// catalog URLs give one version segment, paths are relative to the endpoint, links stay on the service's
// origin, and every failure names the service (its machine name for logs, its display name for callers).
// No I/O at construction.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type http from 'node:http';
import { RequestScope } from '../../src/common/request-scope.js';
import { defaultConfig } from '../../src/config/load.js';
import { Adapter, IDENTITY_SERVICE, type AdapterOptions } from '../../src/keystoneauth/adapter.js';
import { endpointOptionsFromConf, sessionOptionsFromConfig } from '../../src/keystoneauth/conf.js';
import {
  ConnectionError,
  EndpointNotFoundError,
  ProtocolError,
  ServerError,
  type UpstreamError,
} from '../../src/keystoneauth/errors.js';
import type { AuthPlugin, EndpointFilter } from '../../src/keystoneauth/plugin.js';
import { ServiceCatalog, type CatalogEntry } from '../../src/keystoneauth/service-catalog.js';
import { Session } from '../../src/keystoneauth/session.js';
import { captureLogger } from '../helpers/logs.js';
import { closedUrl, listen } from '../helpers/net.js';

const logs = captureLogger('debug');
let session: Session;
before(() => {
  const communication = { ...defaultConfig().communication, timeout: 2, retry_delay: 0.01, status_code_retries: 0 };
  session = new Session(sessionOptionsFromConfig(communication), new RequestScope(logs.logger));
});
after(() => session.close());

/** A plugin answering from a catalog of `entries`, recording every filter it is asked for. */
function catalogPlugin(entries: CatalogEntry[]) {
  const catalog = new ServiceCatalog(entries);
  const filters: EndpointFilter[] = [];
  const plugin: AuthPlugin = {
    getHeaders: () => Promise.resolve({ 'X-Auth-Token': 'the-callers-token' }),
    getEndpoint: (_session, filter) => {
      filters.push(filter);
      return Promise.resolve(catalog.urlFor(filter));
    },
    invalidate: () => false,
  };
  return { plugin, filters };
}

/** One compute service in RegionOne and RegionTwo, public and internal, at `url` (or per endpoint). */
const computeAt = (url: (iface: string, region: string) => string): CatalogEntry[] => [
  {
    type: 'compute',
    endpoints: ['RegionOne', 'RegionTwo'].flatMap((region) =>
      ['public', 'internal'].map((iface) => ({ interface: iface, region_id: region, region, url: url(iface, region) })),
    ),
  },
];

const NOVA: AdapterOptions = { serviceType: 'compute', service: 'nova', displayName: 'compute service' };

describe('construction and the endpoint filter', () => {
  test('construction does no I/O: neither the session nor the plugin is called', (t) => {
    const { plugin } = catalogPlugin(computeAt(() => 'http://nova.test/v2.1'));
    const spies = [
      t.mock.method(session, 'request'),
      t.mock.method(plugin, 'getEndpoint'),
      t.mock.method(plugin, 'getHeaders'),
      t.mock.method(plugin, 'invalidate'),
    ];
    const adapter = new Adapter(session, plugin, { ...NOVA, interface: 'internal', regionName: 'RegionTwo' });
    assert.equal(adapter.service, 'nova', 'the machine name as given');
    assert.deepEqual(
      spies.map((s) => s.mock.callCount()),
      [0, 0, 0, 0],
      'nothing was called before the first request',
    );
  });

  test('service type, interface and region reach the plugin and pick the endpoint', async () => {
    const { plugin, filters } = catalogPlugin(computeAt((i, r) => `http://nova-${i}-${r}.test/v2.1`));
    const adapter = new Adapter(session, plugin, { ...NOVA, interface: 'internalURL', regionName: 'RegionTwo' });
    assert.equal(await adapter.getEndpoint(), 'http://nova-internal-RegionTwo.test/v2.1', 'internal, RegionTwo');
    assert.deepEqual(
      filters,
      [{ serviceType: 'compute', interface: 'internalURL', regionName: 'RegionTwo' }],
      'the filter the plugin was asked for',
    );
    const preferring = new Adapter(session, plugin, {
      ...NOVA,
      interface: ['admin', 'public'],
      regionName: 'RegionOne',
    });
    assert.equal(await preferring.getEndpoint(), 'http://nova-public-RegionOne.test/v2.1', 'first interface present');
    const nowhere = new Adapter(session, plugin, { ...NOVA, regionName: 'RegionNine' });
    await assert.rejects(
      nowhere.get('servers'),
      (err: Error) => err instanceof EndpointNotFoundError && /compute service in region RegionNine/.test(err.message),
      'a region without the service is a typed error naming it',
    );
  });

  test('an adapter group of the configuration maps to endpoint options', () => {
    assert.deepEqual(
      endpointOptionsFromConf({ interface: 'internal', region_name: 'RegionTwo' }),
      { interface: 'internal', regionName: 'RegionTwo' },
      'each option under its camelCase name, and nothing that could replace the catalog',
    );
  });
});

describe('versioned and unversioned catalog URLs', () => {
  const image = (url: string, version?: string) => {
    const { plugin } = catalogPlugin([{ type: 'image', endpoints: [{ interface: 'public', url }] }]);
    return new Adapter(session, plugin, { serviceType: 'image', ...(version ? { version } : {}) });
  };

  test('with a version: the root or the versioned URL, with or without slashes, give it once', async () => {
    for (const url of [
      'http://glance.test:9292',
      'http://glance.test:9292/',
      'http://glance.test:9292/v2',
      'http://glance.test:9292/v2//',
    ]) {
      const data = await image(url, 'v2').getEndpointData();
      assert.equal(data.url, 'http://glance.test:9292/v2', `one /v2 from ${url}`);
      assert.equal(data.serviceRoot, 'http://glance.test:9292', `the root from ${url}`);
      assert.equal(data.catalogUrl, url, 'the catalog URL as found');
    }
  });

  test('a root under a path prefix keeps it; without a version the catalog URL is the API root', async () => {
    const prefixed = await image('http://cloud.test/image/', 'v2').getEndpointData();
    assert.equal(prefixed.url, 'http://cloud.test/image/v2', 'the prefix stays');
    assert.equal(prefixed.serviceRoot, 'http://cloud.test/image', 'links are relative to the prefixed root');
    const nova = await image('http://cloud.test/compute/v2.1/').getEndpointData();
    assert.equal(nova.url, 'http://cloud.test/compute/v2.1', 'as found, trailing slash dropped');
    assert.equal(nova.serviceRoot, nova.url, 'no version: root and endpoint are one');
  });

  test('identity v3: a catalog URL ending in /v3/ gives /v3/auth/projects once', async () => {
    const { plugin } = catalogPlugin([
      { type: 'identity', endpoints: [{ interface: 'public', url: 'http://ks.test/v3/' }] },
    ]);
    const keystone = new Adapter(session, plugin, IDENTITY_SERVICE);
    assert.equal(await keystone.getEndpoint(), 'http://ks.test/v3', 'one /v3');
    assert.equal(keystone.displayName, 'identity service', 'the name callers see');
  });
});

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

describe('links a service sends', () => {
  const glance = { serviceType: 'image', version: 'v2', service: 'glance', displayName: 'image service' };
  const adapter = new Adapter({} as Session, catalogPlugin([]).plugin, glance);
  const endpoint = {
    catalogUrl: 'http://cloud.test/image',
    serviceRoot: 'http://cloud.test/image',
    url: 'http://cloud.test/image/v2',
  };

  test('a relative link is taken from the service root; an absolute one on the same origin is kept', () => {
    assert.equal(
      adapter.resolveLink(endpoint, '/v2/images?marker=abc').href,
      'http://cloud.test/image/v2/images?marker=abc',
      "Glance's next, under the root's path prefix",
    );
    assert.equal(
      adapter.resolveLink(endpoint, 'http://cloud.test/image/v2/images?marker=x').href,
      'http://cloud.test/image/v2/images?marker=x',
      'same origin',
    );
  });

  test('another origin, or not a URL: a ProtocolError naming the service, and nothing is sent', () => {
    for (const href of [
      'http://evil.test/v2/images',
      'https://cloud.test/image/v2/images',
      'http://cloud.test:81/x',
      'http://[::1',
    ]) {
      assert.throws(
        () => adapter.resolveLink(endpoint, href),
        (err: Error) => err instanceof ProtocolError && (err as UpstreamError).displayName === 'image service',
        `${href} refused`,
      );
    }
  });
});
