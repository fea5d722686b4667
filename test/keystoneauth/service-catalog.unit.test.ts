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
  assert.equal(catalog.urlFor({ serviceType: 'image' }), 'http://public-one');
  assert.equal(catalog.urlFor({ serviceType: 'image', interface: 'internalURL' }), 'http://internal-one');
  assert.equal(
    catalog.urlFor({ serviceType: 'image', interface: ['admin', 'internal', 'public'] }),
    'http://internal-one',
  );
});

test('region matches region_id or region', () => {
  assert.equal(catalog.urlFor({ serviceType: 'image', regionName: 'RegionTwo' }), 'http://public-two');
  assert.equal(
    catalog.urlFor({ serviceType: 'image', regionName: 'RegionOne', interface: 'internal' }),
    'http://internal-one',
  );
});

test('official service types find their aliases, and the other way round', () => {
  assert.equal(catalog.urlFor({ serviceType: 'block-storage' }), 'http://cinder');
  assert.equal(catalog.urlFor({ serviceType: 'volume' }), 'http://cinder');
});

test('misses are clear errors', () => {
  assert.throws(
    () => catalog.urlFor({ serviceType: 'image', interface: 'admin', regionName: 'RegionTwo' }),
    (e: Error) =>
      e instanceof EndpointNotFoundError &&
      e.message === 'admin endpoint for image service in region RegionTwo not found',
  );
  assert.throws(() => catalog.urlFor({ serviceType: 'compute' }), /public endpoint for compute service not found/);
  assert.throws(() => new ServiceCatalog(undefined).urlFor({ serviceType: 'image' }), EmptyCatalogError);
});
