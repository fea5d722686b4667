import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ServiceCatalog } from '../../src/keystoneauth/service-catalog.js';
import { EmptyCatalogError, EndpointNotFoundError } from '../../src/keystoneauth/errors.js';

const catalog = new ServiceCatalog([
  {
    type: 'image',
    endpoints: [
      { interface: 'public', region_id: 'RegionOne', region: 'RegionOne', url: 'http://public-one' },
      { interface: 'internal', region_id: 'RegionOne', region: 'RegionOne', url: 'http://internal-one' },
      { interface: 'public', region: 'RegionTwo', url: 'http://public-two' },
    ],
  },
  { type: 'volumev3', endpoints: [{ interface: 'public', region_id: 'RegionOne', url: 'http://cinder' }] },
]);

test('interface, with publicURL style and preference lists', () => {
  assert.equal(catalog.urlFor({ serviceType: 'image' }), 'http://public-one', 'public by default, first region');
  assert.equal(
    catalog.urlFor({ serviceType: 'image', interface: 'internalURL' }),
    'http://internal-one',
    'internalURL is the internal interface',
  );
  assert.equal(
    catalog.urlFor({ serviceType: 'image', interface: ['admin', 'internal', 'public'] }),
    'http://internal-one',
    'the first interface of the list that exists',
  );
});

test('region matches region_id or region', () => {
  assert.equal(
    catalog.urlFor({ serviceType: 'image', regionName: 'RegionTwo' }),
    'http://public-two',
    'a region named by region only',
  );
  assert.equal(
    catalog.urlFor({ serviceType: 'image', regionName: 'RegionOne', interface: 'internal' }),
    'http://internal-one',
    'a region named by region_id',
  );
});

test('official service types find their aliases, and the other way round', () => {
  assert.equal(catalog.urlFor({ serviceType: 'block-storage' }), 'http://cinder', 'block-storage finds volumev3');
  assert.equal(catalog.urlFor({ serviceType: 'volume' }), 'http://cinder', 'volume finds volumev3 too');
});

test('misses are clear errors', () => {
  assert.throws(
    () => catalog.urlFor({ serviceType: 'image', interface: 'admin', regionName: 'RegionTwo' }),
    (e: Error) =>
      e instanceof EndpointNotFoundError &&
      e.message === 'admin endpoint for image service in region RegionTwo not found',
    'a miss names interface, type and region',
  );
  assert.throws(
    () => catalog.urlFor({ serviceType: 'compute' }),
    /public endpoint for compute service not found/,
    'no interface given: the public one is named as missing',
  );
  assert.throws(
    () => new ServiceCatalog(undefined).urlFor({ serviceType: 'image' }),
    EmptyCatalogError,
    'no catalog at all: EmptyCatalogError',
  );
});

test('an endpoint that is not an http(s) URL is an EndpointNotFoundError saying so, never dialled', () => {
  for (const url of ['ftp://glance/v2', 'glance:9292', '/v2/images', 'http://', 'javascript:alert(1)']) {
    const odd = new ServiceCatalog([{ type: 'image', endpoints: [{ interface: 'public', url }] }]);
    assert.throws(
      () => odd.urlFor({ serviceType: 'image' }),
      (err: unknown) =>
        err instanceof EndpointNotFoundError &&
        err.message === 'public endpoint for image service is not an http(s) URL' &&
        !err.message.includes(url),
      `${url}: an EndpointNotFoundError that does not repeat the URL`,
    );
  }
});
