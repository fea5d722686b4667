// The Adapter (keystoneauth's) without I/O: construction calls nothing, its endpoint filter reaches the plugin's
// catalog, versioned and unversioned catalog URLs give one version segment, and links stay on the service's
// origin. The session is a fake that refuses every request (requests over HTTP: adapter.test.ts).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Adapter, IDENTITY_SERVICE } from '../../src/keystoneauth/adapter.js';
import { endpointOptionsFromConf } from '../../src/keystoneauth/conf.js';
import { EndpointNotFoundError, ProtocolError, type UpstreamError } from '../../src/keystoneauth/errors.js';
import type { Session } from '../../src/keystoneauth/session.js';
import { catalogPlugin, computeAt, NOVA } from '../helpers/catalog.js';

/** Nothing here may reach the session: finding an endpoint and resolving a link do no I/O. */
const session = {
  request: () => Promise.reject(new Error('no request may reach the session in these tests')),
} as unknown as Session;

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

describe('links a service sends', () => {
  const glance = { serviceType: 'image', version: 'v2', service: 'glance', displayName: 'image service' };
  const adapter = new Adapter(session, catalogPlugin([]).plugin, glance);
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
