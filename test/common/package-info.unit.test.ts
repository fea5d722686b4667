// package.json's name and version, read once: what they must look like to serve as the service's one name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { parsePackageInfo, SERVICE_NAME, VERSION } from '../../src/common/package-info.js';

test("SERVICE_NAME and VERSION are this package.json's", () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(import.meta.dirname, '../../package.json'), 'utf8')) as {
    name: string;
    version: string;
  };
  assert.equal(SERVICE_NAME, pkg.name, 'the name comes from package.json');
  assert.equal(VERSION, pkg.version, 'the version comes from package.json');
});

test('a name usable as a log field, an HTTP token, a memcached key part and a DNS label is taken', () => {
  for (const name of ['image-names', 'flavor-names', 'a', 'v2.api_x', 'x'.repeat(63)])
    assert.deepEqual(
      parsePackageInfo(JSON.stringify({ name, version: '1.2.3' })),
      { name, version: '1.2.3' },
      `${name} is a fit name`,
    );
});

test('an unfit name or a missing version is refused, naming the file', () => {
  const unfit = ['', 'Image-Names', '@acme/image-names', 'image names', '-x', '.x', 'x'.repeat(64), 'näme'];
  for (const name of unfit)
    assert.throws(
      () => parsePackageInfo(JSON.stringify({ name, version: '1.0.0' }), '/app/package.json'),
      /^Error: \/app\/package\.json: "name" must be/,
      `${JSON.stringify(name)} is refused`,
    );
  assert.throws(() => parsePackageInfo('{"version":"1.0.0"}'), /"name" must be/, 'a missing name is refused');
  assert.throws(() => parsePackageInfo('{"name":"x"}'), /"version" is missing/, 'a missing version is refused');
  assert.throws(() => parsePackageInfo('{"name":"x","version":""}'), /"version" is missing/, 'an empty one too');
});
