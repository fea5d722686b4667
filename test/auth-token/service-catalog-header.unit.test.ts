// X-Service-Catalog as keystonemiddleware writes it: v2 shape, Python's json.dumps.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ServiceCatalog } from '../../src/keystoneauth/service-catalog.js';
import { pythonJson, serviceCatalogHeader, toV2Catalog } from '../../src/auth-token/service-catalog-header.js';

const v3 = new ServiceCatalog([
  {
    id: 's1',
    type: 'image',
    name: 'glance',
    endpoints: [
      { id: 'e1', interface: 'public', region: 'RegionOne', region_id: 'RegionOne', url: 'http://glance:9292' },
      { id: 'e2', interface: 'internal', region: 'RegionOne', region_id: 'RegionOne', url: 'http://glance-int:9292' },
      { id: 'e3', interface: 'public', region: 'RegionTwo', region_id: 'RegionTwo', url: 'http://glance2:9292' },
      { id: 'e4', interface: 'ADMIN', region: 'RegionOne', region_id: 'RegionOne', url: 'http://glance-adm:9292' },
    ],
  },
  { id: 's2', type: 'identity', endpoints: [{ id: 'e5', interface: 'public', region: null, url: 'http://ks/v3' }] },
]);

test('v3 -> v2: type, name, endpoints grouped by region, <interface>URL, no ids', () => {
  assert.deepEqual(
    toV2Catalog(v3),
    [
      {
        type: 'image',
        name: 'glance',
        endpoints: [
          {
            region: 'RegionOne',
            publicURL: 'http://glance:9292',
            internalURL: 'http://glance-int:9292',
            adminURL: 'http://glance-adm:9292',
          },
          { region: 'RegionTwo', publicURL: 'http://glance2:9292' },
        ],
      },
      // No name in v3: none in v2; no region: no region key.
      { type: 'identity', endpoints: [{ publicURL: 'http://ks/v3' }] },
    ],
    'v2 catalog: per service type and name, endpoints grouped by region as <interface>URL, without ids',
  );
});

test("serialized as Python's json.dumps: the byte-exact header upstream sends", () => {
  assert.equal(
    serviceCatalogHeader(v3),
    '[{"type": "image", "name": "glance", "endpoints": [{"region": "RegionOne", "publicURL": "http://glance:9292", "internalURL": "http://glance-int:9292", "adminURL": "http://glance-adm:9292"}, {"region": "RegionTwo", "publicURL": "http://glance2:9292"}]}, {"type": "identity", "endpoints": [{"publicURL": "http://ks/v3"}]}]',
    "byte for byte what keystonemiddleware's json.dumps writes",
  );
  assert.equal(serviceCatalogHeader(new ServiceCatalog([])), '[]', 'an empty catalog is an empty JSON list');
});

test('non-ASCII is escaped as Python does, so the value is a valid header', () => {
  // json.dumps(['a\x7fb', 'é', '😀', '\u2028', 'x\ny'])
  assert.equal(
    pythonJson(['a\x7fb', 'é', '😀', '\u2028', 'x\ny']),
    '["a\\u007fb", "\\u00e9", "\\ud83d\\ude00", "\\u2028", "x\\ny"]',
    'non-ASCII and control characters escaped as \\uXXXX, surrogate pairs for astral characters, as Python does',
  );
  assert.equal(
    pythonJson({ a: 1, b: [true, null] }),
    '{"a": 1, "b": [true, null]}',
    'Python\'s separators: ", " and ": "',
  );
});
