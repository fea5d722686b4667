// isImageId: the shape of a Glance image id, checked in at most 36 steps whatever a caller sends.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isImageId } from '../../src/glance/image-id.js';

test('UUIDs in either case are image ids', () => {
  for (const id of ['1a2b3c4d-5e6f-4a0b-8c1d-000000000001', 'ABCDEF01-2345-6789-ABCD-EF0123456789']) {
    assert.equal(isImageId(id), true, `${id} has Glance's image id pattern`);
  }
});

test('anything else is not: wrong length, misplaced hyphens, non-hex, hostile characters', () => {
  for (const value of [
    '',
    '1a2b3c4d-5e6f-4a0b-8c1d-00000000000',
    '1a2b3c4d-5e6f-4a0b-8c1d-0000000000011',
    '1a2b3c4d5e6f-4a0b-8c1d-0000000000001',
    '1a2b3c4d-5e6f-4a0b-8c1d-00000000000g',
    '1a2b3c4d-5e6f-4a0b-8c1d-00000000000\r',
    '1a2b3c4d-5e6f-4a0b-8c1d-0000000000>;',
    '1a2b3c4d-5e6f-4a0b-8c1d-00000000000٣',
    '1a2b3c4d-5e6f-4a0b-8c1d-00000000000ａ',
    '{1a2b3c4d-5e6f-4a0b-8c1d-00000000001}',
    'a'.repeat(1_000_000),
  ]) {
    assert.equal(isImageId(value), false, `${JSON.stringify(value.slice(0, 40))} is not an image id`);
  }
});
