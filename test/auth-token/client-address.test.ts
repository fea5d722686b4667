// Telling clients apart for fair queuing: the socket peer unless it is a trusted proxy.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TrustedProxies, clientAddress } from '../../src/auth-token/client-address.js';

const proxies = new TrustedProxies(['10.0.0.0/8', '192.0.2.7', 'fd00::/8']);

test('no trusted proxies: the socket peer, whatever X-Forwarded-For says', () => {
  const none = new TrustedProxies([]);
  assert.equal(clientAddress('198.51.100.1', '203.0.113.9', none), '198.51.100.1');
  assert.equal(clientAddress('::ffff:198.51.100.1', undefined, none), '198.51.100.1');
  assert.equal(clientAddress(undefined, undefined, none), 'unknown');
});

test('an untrusted peer is the client even when it sends X-Forwarded-For', () => {
  assert.equal(clientAddress('198.51.100.1', '10.1.1.1, 203.0.113.9', proxies), '198.51.100.1');
});

test('behind trusted proxies: the right-most hop that is not a trusted proxy', () => {
  assert.equal(clientAddress('10.0.0.2', '203.0.113.9', proxies), '203.0.113.9');
  // The client wrote the left-most hops itself: they are never believed.
  assert.equal(clientAddress('10.0.0.2', '1.1.1.1, 203.0.113.9, 192.0.2.7, 10.4.4.4', proxies), '203.0.113.9');
  assert.equal(clientAddress('::ffff:10.0.0.2', '203.0.113.9', proxies), '203.0.113.9');
  assert.equal(clientAddress('fd00::1', ['2001:db8::5', '10.9.9.9'], proxies), '2001:db8::5');
  // Only proxies in the chain: the left-most is the nearest to the client we know.
  assert.equal(clientAddress('10.0.0.2', '10.0.0.3, 10.0.0.4', proxies), '10.0.0.3');
  // No header: the proxy itself.
  assert.equal(clientAddress('10.0.0.2', undefined, proxies), '10.0.0.2');
});

test('a garbled hop is counted against itself, never skipped to reach a forged one', () => {
  assert.equal(clientAddress('10.0.0.2', '203.0.113.9, not-an-ip', proxies), 'invalid:not-an-ip');
});

test('bad entries are refused', () => {
  assert.throws(() => new TrustedProxies(['10.0.0.0/33']), RangeError);
  assert.throws(() => new TrustedProxies(['proxy.example']), RangeError);
});
