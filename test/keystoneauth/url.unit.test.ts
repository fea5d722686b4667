// Joining catalog URLs: trailing slashes trimmed in linear time, whatever a catalog or a next link holds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { joinUrl, serviceRoot, versionedUrl } from '../../src/keystoneauth/url.js';

test('trailing slashes are trimmed before joining', () => {
  assert.equal(joinUrl('http://g:9292///', '//v2/images'), 'http://g:9292/v2/images', 'one slash between parts');
  assert.equal(joinUrl('', 'x'), '/x', 'an empty base');
  assert.equal(serviceRoot('http://g:9292/v2///', 'v2'), 'http://g:9292', 'a versioned root with slashes after it');
  assert.equal(versionedUrl('http://g:9292//', 'v2'), 'http://g:9292/v2', 'an unversioned root with slashes');
});

test('a catalog URL with a million slashes inside is joined at once (the test timeout is the bound)', () => {
  // With /\/+$/ V8 retried from every slash of the run: quadratic, minutes for this one.
  const hostile = `http://g:9292${'/'.repeat(1_000_000)}x`;
  assert.equal(serviceRoot(hostile, 'v2'), hostile, 'nothing to trim: the slashes do not end it');
  assert.equal(joinUrl(hostile, 'images').length, hostile.length + 7, 'joined as is, plus /images');
});
