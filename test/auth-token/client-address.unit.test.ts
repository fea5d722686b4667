// Telling clients apart for fair queuing: the socket peer unless it is a trusted proxy, and keys a caller
// cannot multiply (IPv6 by /64, a hop that is not an address by the trusted proxy that passed it on).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomInt } from 'node:crypto';
import { MAX_FORWARDED_HOPS, TrustedProxies, clientAddress } from '../../src/auth-token/client-address.js';

const proxies = new TrustedProxies(['10.0.0.0/8', '192.0.2.7', 'fd00::/8']);

test('no trusted proxies: the socket peer, whatever X-Forwarded-For says', () => {
  const none = new TrustedProxies([]);
  assert.equal(clientAddress('198.51.100.1', '203.0.113.9', none), '198.51.100.1', 'X-Forwarded-For is ignored');
  assert.equal(clientAddress('::ffff:198.51.100.1', undefined, none), '198.51.100.1', 'IPv4-mapped peer as IPv4');
  assert.equal(clientAddress(undefined, undefined, none), 'unknown', 'a socket already gone');
});

test('an untrusted peer is the client even when it sends X-Forwarded-For', () => {
  assert.equal(
    clientAddress('198.51.100.1', '10.1.1.1, 203.0.113.9', proxies),
    '198.51.100.1',
    'an untrusted peer cannot name another client',
  );
});

test('behind trusted proxies: the right-most hop that is not a trusted proxy', () => {
  assert.equal(clientAddress('10.0.0.2', '203.0.113.9', proxies), '203.0.113.9', 'the hop the proxy appended');
  assert.equal(
    clientAddress('10.0.0.2', '1.1.1.1, 203.0.113.9, 192.0.2.7, 10.4.4.4', proxies),
    '203.0.113.9',
    'hops left of the first untrusted one are written by the client and never believed',
  );
  assert.equal(clientAddress('::ffff:10.0.0.2', '203.0.113.9', proxies), '203.0.113.9', 'IPv4-mapped proxy peer');
  assert.equal(
    clientAddress('fd00::1', ['2001:db8::5', '10.9.9.9'], proxies),
    '2001:db8:0:0::/64',
    'several header lines are one list; an IPv6 client is its /64',
  );
  assert.equal(
    clientAddress('10.0.0.2', '10.0.0.3, 10.0.0.4', proxies),
    '10.0.0.3',
    'only proxies in the chain: the left-most is the nearest to the client we know',
  );
  assert.equal(clientAddress('10.0.0.2', undefined, proxies), '10.0.0.2', 'no header: the proxy itself');
});

test('IPv6 clients are keyed by their /64, however the address is written', () => {
  const none = new TrustedProxies([]);
  const key = '2001:db8:1:2::/64';
  for (const peer of [
    '2001:db8:1:2::1',
    '2001:0DB8:0001:0002:ffff:ffff:ffff:ffff',
    '2001:db8:1:2:abcd::9',
    '2001:db8:1:2::1%eth0',
  ])
    assert.equal(clientAddress(peer, undefined, none), key, `${peer} is one host of ${key}`);
  assert.equal(clientAddress('2001:db8:1:3::1', undefined, none), '2001:db8:1:3::/64', 'the next /64 is another key');
  assert.equal(clientAddress('::1', undefined, none), '0:0:0:0::/64', 'loopback');
  assert.equal(
    clientAddress('10.0.0.2', '2001:db8:1:2::77%anything', proxies),
    key,
    'a zone index, which a caller may vary at will, is dropped',
  );
  assert.equal(clientAddress('10.0.0.2', '::ffff:c000:2a1', proxies), '192.0.2.161', 'IPv4-mapped, hex form: IPv4');
});

test('a hop that is not an address counts against the trusted proxy that passed it on, never against its text', () => {
  assert.equal(
    clientAddress('10.0.0.2', '203.0.113.9, not-an-ip', proxies),
    '10.0.0.2',
    'a garbled last hop: the peer that forwarded it',
  );
  assert.equal(
    clientAddress('10.0.0.2', 'evil, 10.0.0.9', proxies),
    '10.0.0.9',
    'a garbled hop behind a second proxy: that proxy',
  );
  assert.equal(clientAddress('10.0.0.2', '203.0.113.9, , 10.0.0.9', proxies), '10.0.0.9', 'an empty hop likewise');
  for (const hop of [
    'unknown',
    '1.2.3.4.5',
    '1.2.3.4:99999',
    '[2001:db8::1',
    '[1.2.3.4]',
    '01.2.3.4',
    'x'.repeat(5000),
  ])
    assert.equal(clientAddress('10.0.0.2', hop, proxies), '10.0.0.2', `${hop.slice(0, 20)} is not an address`);
});

test('ports some proxies append are dropped, not counted as garbage', () => {
  assert.equal(clientAddress('10.0.0.2', '203.0.113.9:4711', proxies), '203.0.113.9', 'IPv4 with a port');
  assert.equal(clientAddress('10.0.0.2', '[2001:db8::5]:4711', proxies), '2001:db8:0:0::/64', 'IPv6 with a port');
  assert.equal(clientAddress('10.0.0.2', '[2001:db8::5]', proxies), '2001:db8:0:0::/64', 'IPv6 in brackets');
});

test('whatever a client behind a trusted proxy writes, it mints no keys: its own address is its key', () => {
  // The proxy (10.0.0.2) appends the address it saw, 198.51.100.7; everything left of that is the client's.
  const keys = new Set<string>();
  for (let i = 0; i < 2000; i++) {
    const forged = [
      `${randomInt(256)}.${randomInt(256)}.${randomInt(256)}.${randomInt(256)}`,
      randomBytes(randomInt(1, 40)).toString('latin1').replaceAll(',', ''),
      `2001:db8:${randomInt(65536).toString(16)}::1`,
      '',
    ];
    keys.add(clientAddress('10.0.0.2', `${forged.join(', ')}, 198.51.100.7`, proxies));
  }
  assert.deepEqual([...keys], ['198.51.100.7'], 'one client, one key');
  // A proxy that does not append (misconfigured) lets the text through only as far as its own address.
  const garbled = new Set<string>();
  for (let i = 0; i < 2000; i++)
    garbled.add(clientAddress('10.0.0.2', randomBytes(randomInt(1, 40)).toString('base64'), proxies));
  assert.deepEqual([...garbled], ['10.0.0.2'], 'garbage behind one proxy: one key, the proxy');
});

test('at most MAX_FORWARDED_HOPS hops are read, however many trusted ones a header holds', () => {
  // A client inside a trusted range fills 16 KB with trusted hops: each read hop is a parse and a range check.
  let checks = 0;
  const counting = new (class extends TrustedProxies {
    override contains(...args: Parameters<TrustedProxies['contains']>): boolean {
      checks++;
      return super.contains(...args);
    }
  })(['10.0.0.0/8']);
  const header = ['10.9.9.9', ...Array<string>(1800).fill('10.0.0.1')].join(',');
  const key = clientAddress('10.0.0.2', header, counting);
  assert.ok(checks <= MAX_FORWARDED_HOPS + 1, `the peer and at most ${MAX_FORWARDED_HOPS} hops checked, not ${checks}`);
  assert.equal(key, '10.0.0.1', 'past the bound, the last trusted hop read is the key (not the left-most, 10.9.9.9)');
  // A chain within the bound is read to its end, as before.
  const short = ['10.9.9.9', ...Array<string>(MAX_FORWARDED_HOPS - 1).fill('10.0.0.1')].join(',');
  assert.equal(clientAddress('10.0.0.2', short, proxies), '10.9.9.9', 'every hop trusted: the left-most is the client');
  const untrusted = [...Array<string>(MAX_FORWARDED_HOPS - 1).fill('10.0.0.1'), '198.51.100.7'].reverse().join(',');
  assert.equal(
    clientAddress('10.0.0.2', untrusted, proxies),
    '198.51.100.7',
    'the right-most untrusted hop, as before',
  );
});

test('bad entries are refused', () => {
  assert.throws(() => new TrustedProxies(['10.0.0.0/33']), RangeError, 'prefix too long');
  assert.throws(() => new TrustedProxies(['proxy.example']), RangeError, 'a name is not an address');
});
