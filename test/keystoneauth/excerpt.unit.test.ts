// The error-body excerpt kept for logs: the attempt's tokens never in it, whole or in part, wherever they fall.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { EXCERPT_BYTES, errorBodyExcerpt, sentTokens } from '../../src/keystoneauth/excerpt.js';
import { redactToken } from '../../src/common/redact.js';

const TOKEN = `gAAAAA${'x7'.repeat(90)}`;
const SERVICE = `gAAAAA${'s9'.repeat(90)}`;

/** Whether any 8 characters of `token` in a row appear in `text`. */
function holdsPartOf(text: string, token: string): boolean {
  for (let i = 0; i + 8 <= token.length; i++) if (text.includes(token.slice(i, i + 8))) return true;
  return false;
}

describe('errorBodyExcerpt', () => {
  test('a body echoing the request headers: every token fingerprinted, the rest as it was', () => {
    const body = Buffer.from(
      JSON.stringify({ error: 'boom', headers: { 'x-auth-token': TOKEN, 'x-service-token': SERVICE } }),
    );
    const excerpt = errorBodyExcerpt(body, [TOKEN, SERVICE]);
    assert.ok(!excerpt.includes(TOKEN) && !excerpt.includes(SERVICE), 'no token in the excerpt');
    assert.ok(excerpt.includes(redactToken(TOKEN)), "the user token's fingerprint is there");
    assert.ok(excerpt.includes(redactToken(SERVICE)), "the service token's fingerprint is there");
    assert.ok(excerpt.startsWith('{"error":"boom"'), 'the rest of the body is kept');
  });

  test('a token across the cut is replaced whole; nothing of one after the cut is kept', () => {
    for (const start of [EXCERPT_BYTES - 100, EXCERPT_BYTES - 1, EXCERPT_BYTES - TOKEN.length + 1]) {
      const padding = 'p'.repeat(start);
      // A second echo right after the first: after the first shrinks to its fingerprint, it must not slide in.
      const body = Buffer.from(`${padding}${TOKEN}${TOKEN}${'q'.repeat(1000)}`);
      const excerpt = errorBodyExcerpt(body, [TOKEN]);
      assert.ok(!holdsPartOf(excerpt, TOKEN), `token from byte ${start}: no 8 characters of it in the excerpt`);
      assert.ok(excerpt.endsWith(redactToken(TOKEN)), `token from byte ${start}: replaced whole at the end`);
      assert.ok(!excerpt.includes('q'), `token from byte ${start}: nothing after the cut`);
    }
  });

  test('a token escaped inside a JSON string is found too', () => {
    const odd = 'tok"with\\quotes';
    const body = Buffer.from(JSON.stringify({ echoed: odd }));
    const excerpt = errorBodyExcerpt(body, [odd]);
    assert.ok(!excerpt.includes(JSON.stringify(odd).slice(1, -1)), 'the escaped form is gone');
    assert.ok(excerpt.includes(redactToken(odd)), 'replaced by the fingerprint of the token itself');
  });

  test('without tokens, or without an echo, the first EXCERPT_BYTES bytes as before', () => {
    const body = Buffer.from('e'.repeat(2000));
    assert.equal(errorBodyExcerpt(body, []), 'e'.repeat(EXCERPT_BYTES), 'no tokens: the first bytes');
    assert.equal(errorBodyExcerpt(body, [TOKEN]), 'e'.repeat(EXCERPT_BYTES), 'no echo: the first bytes');
    assert.equal(errorBodyExcerpt(Buffer.alloc(0), [TOKEN]), '', 'an empty body: an empty excerpt');
  });

  test('a one-character token: every occurrence replaced, the excerpt still bounded by the cut', () => {
    // z: a character no fingerprint holds ({SHA256} and hex digits).
    const excerpt = errorBodyExcerpt(Buffer.from('zy'.repeat(1000)), ['z']);
    assert.ok(!excerpt.includes('z'), 'no occurrence left');
    assert.equal(
      excerpt.split(redactToken('z')).length - 1,
      EXCERPT_BYTES / 2,
      'one fingerprint per occurrence before the cut',
    );
  });
});

describe('sentTokens', () => {
  test('the token headers of an attempt, nothing else', () => {
    assert.deepEqual(
      sentTokens({
        'x-auth-token': 'a',
        'x-service-token': 'b',
        'x-subject-token': 'c',
        accept: 'application/json',
        'user-agent': 'u',
      }).sort(),
      ['a', 'b', 'c'],
      'the three token headers, not the others',
    );
    assert.deepEqual(sentTokens({ 'x-auth-token': '' }), [], 'an empty header is no token');
  });
});
