// Hostile input against the real HTTP server (server.ts settings): a clear 4xx or a closed connection,
// never a crash, a hang or a leak.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startService, type RunningService } from '../../src/server.js';
import { captureLogger } from '../helpers/logs.js';
import { startMocks, stats, tokenFor, type Mocks } from '../helpers/mocks.js';
import { watchResponses } from '../helpers/openapi.js';
import { serviceConfig } from '../helpers/service.js';

let mocks: Mocks;
let service: RunningService;
let port: number;

before(async () => {
  mocks = await startMocks();
  service = await startService(
    serviceConfig(mocks.keystoneUrl, { server: { headers_timeout: 1, request_timeout: 2 } }),
    captureLogger('silent').logger,
  );
  port = Number(new URL(service.url).port);
  watchResponses(service.server);
});
after(async () => {
  await service.shutdown('test');
  await mocks.close();
});

/**
 * Write raw bytes (`gapMs` apart), collect everything until the server closes (or `waitMs` passes), return it
 * with the number of chunks still unsent when the connection ended. `waitMs` only ends a wait for a server
 * that never closes: generous, since how fast the server closes on a loaded machine is not what is tested.
 */
function raw(
  chunks: (Buffer | string)[],
  { gapMs = 0, waitMs = 60_000 } = {},
): Promise<{ data: string; closedByServer: boolean; ms: number; unsent: number }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = net.connect(port, '127.0.0.1');
    let data = '';
    let sent = 0;
    const finish = (closedByServer: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ data, closedByServer, ms: Date.now() - started, unsent: chunks.length - sent });
    };
    socket.on('data', (d) => (data += d.toString('latin1')));
    socket.on('close', () => finish(true));
    socket.on('error', (err: NodeJS.ErrnoException) =>
      err.code === 'ECONNRESET' || err.code === 'EPIPE' ? finish(true) : reject(err),
    );
    const timer = setTimeout(() => finish(false), waitMs);
    const send = async () => {
      for (const chunk of chunks) {
        if (socket.destroyed) return;
        socket.write(chunk);
        sent++;
        if (gapMs > 0) await new Promise((r) => setTimeout(r, gapMs));
      }
    };
    socket.on('connect', () => void send().catch(reject));
  });
}

const statusOf = (data: string) => Number(/^HTTP\/1\.1 (\d{3})/.exec(data)?.[1] ?? 0);

async function stillHealthy() {
  assert.equal((await fetch(`${service.url}/healthz`)).status, 200, 'the service still answers /healthz afterwards');
}

test('oversized headers: 431', async () => {
  const res = await raw([`GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`]);
  assert.equal(statusOf(res.data), 431, 'headers over the limit: 431');
  await stillHealthy();
});

test('a 1 MB token: 431, and Keystone never sees it', async () => {
  const before = (await stats(mocks.keystone.url)).counters.validations ?? 0;
  const res = await raw([`GET / HTTP/1.1\r\nHost: x\r\nX-Auth-Token: ${'g'.repeat(1024 * 1024)}\r\n\r\n`]);
  assert.ok(statusOf(res.data) === 431 || (res.closedByServer && res.data === ''), res.data.slice(0, 80));
  assert.equal(
    (await stats(mocks.keystone.url)).counters.validations ?? 0,
    before,
    'Keystone never saw the 1 MB token',
  );
  await stillHealthy();
});

test('thousands of headers: 431', async () => {
  const headers = Array.from({ length: 5000 }, (_, i) => `X-H${i}: v`).join('\r\n');
  const res = await raw([`GET / HTTP/1.1\r\nHost: x\r\n${headers}\r\n\r\n`]);
  assert.equal(statusOf(res.data), 431, '5000 headers: 431');
  await stillHealthy();
});

test('slowloris: headers trickling in are cut off after headers_timeout', async () => {
  // 40 header lines 200 ms apart: 8 s of trickle. headers_timeout is 1 s (enforced every second): the server must
  // hang up while the client still has lines to send. The trickle is the clock (it slows down with the machine,
  // as the server's timers do), so no stopwatch; with Node's defaults (60 s, checked every 30 s) it would fail.
  const trickle = Array.from({ length: 40 }, (_, i) => `X-Slow-${i}: x\r\n`);
  const res = await raw(['GET / HTTP/1.1\r\nHost: x\r\n', ...trickle], { gapMs: 200, waitMs: 15_000 });
  assert.equal(res.closedByServer, true, 'the server kept a slowloris connection open');
  assert.ok(res.unsent > 0, `closed only after the whole trickle (${res.ms} ms)`);
  assert.ok(res.data === '' || statusOf(res.data) === 408, res.data.slice(0, 80));
  await stillHealthy();
});

test('invalid UTF-8 and bad percent-encoding in the query string: a 4xx or an empty list, never a 5xx', async () => {
  const token = await tokenFor(mocks.keystoneUrl, 'demo');
  for (const query of ['name=%ff%fe', 'name=%E0%A4%A', 'tag=%00', 'visibility=%c0%af']) {
    const res = await fetch(`${service.url}/images?${query}`, { headers: { 'X-Auth-Token': token } });
    assert.ok(res.status === 200 || (res.status >= 400 && res.status < 500), `${query}: ${res.status}`);
    assert.match(res.headers.get('content-type') ?? '', /application\/json/, `${query}: a JSON answer`);
  }
  const rawBytes = await raw([
    Buffer.concat([
      Buffer.from('GET /images?name='),
      Buffer.from([0xff, 0xfe]),
      Buffer.from(` HTTP/1.1\r\nHost: x\r\nX-Auth-Token: ${token}\r\nConnection: close\r\n\r\n`),
    ]),
  ]);
  const status = statusOf(rawBytes.data);
  assert.ok(status === 400 || status === 200, `raw bytes: ${status}`);
  await stillHealthy();
});

test('HTTP pipelining: answers in order, on one connection', async () => {
  const token = await tokenFor(mocks.keystoneUrl, 'demo');
  const res = await raw([
    `GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\nX-Auth-Token: ${token}\r\n\r\nGET /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
  ]);
  const statuses = [...res.data.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => Number(m[1]));
  assert.deepEqual(
    statuses,
    [200, 200, 401],
    'three answers, in order: health, names, and a 401 for the unknown path without a token',
  );
  assert.ok(res.data.includes('demo-private'), "the second answer holds the demo user's names");
  await stillHealthy();
});

test('garbage instead of HTTP: 400 and a closed connection', async () => {
  const res = await raw(['\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 not http\r\n\r\n']);
  assert.ok(statusOf(res.data) === 400 || res.data === '', 'a TLS hello is no HTTP: 400 or nothing');
  assert.equal(res.closedByServer, true, 'and the server closes the connection');
  await stillHealthy();
});
