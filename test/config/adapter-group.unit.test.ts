// adapterGroup: keystoneauth's adapter options for one service's group, as a fork adds [compute] with it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { adapterGroup, INTERFACES } from '../../src/config/adapter-group.js';

test('interface (public unless given, publicURL style accepted) and region_name (empty: any), documented', () => {
  const group = adapterGroup({ serviceType: 'compute' });
  assert.deepEqual(Object.keys(group), ['interface', 'region_name'], 'the two adapter options, no endpoint_override');
  assert.equal(group.interface.default, 'public', 'public by default');
  assert.deepEqual(group.interface.format, INTERFACES, "keystoneauth's interfaces, v2's publicURL style included");
  assert.equal(group.region_name.default, '', 'no region: any');
  assert.match(group.interface.doc, /compute endpoint/, 'the docs name the service type');
  assert.match(group.region_name.doc, /compute endpoint/, 'both docs do');
  assert.equal(
    adapterGroup({ serviceType: 'image', interface: 'internal' }).interface.default,
    'internal',
    'a default interface given is the default',
  );
});
