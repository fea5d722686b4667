// What Node's HTTP parser refuses, answered by server.ts's listener (attack finding 6: an empty body, no request id
// and no log line before): raw sockets against the service started in this process as server.ts starts it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { isValidRequestId } from '../../src/common/request-scope.js';
import { startService, type RunningService } from '../../src/server.js';
import { captureLogger } from '../helpers/logs.js';
import { startMocks, type Mocks } from '../helpers/mocks.js';
import { parseRawResponse, rawExchange } from '../helpers/raw-http.js';
import { serviceConfig } from '../helpers/service.js';

let mocks: Mocks;
let service: RunningService;
let lines: Record<string, unknown>[];

before(async () => {
  mocks = await startMocks();
  const captured = captureLogger('debug');
  lines = captured.lines;
  // headers_timeout 1 s: the slowloris case waits that long, and no other case comes near it.
  const config = serviceConfig(mocks.keystoneUrl, { server: { headers_timeout: 1, request_timeout: 60 } });
  service = await startService(config, captured.logger);
});
after(async () => {
  await service.shutdown('test end');
  await mocks.close();
});

const exchange = (data: string) => rawExchange(service.url, data, 'latin1');

interface Parsed {
  status: number;
  headers: Record<string, string>;
  body: { error: { code: number; title: string; message: string }; request_id: string };
}

/** The last response on the connection (a pipelined good one may come before). */
function lastResponse(raw: string): Parsed {
  const at = raw.lastIndexOf('HTTP/1.1 ');
  const { status, headers, body } = parseRawResponse(raw.slice(at));
  return { status, headers, body: JSON.parse(body) as Parsed['body'] };
}

/** The answer is the service's JSON error with a fresh request id, and the log has one line for it. */
function assertAnswered(raw: string, status: number, code: RegExp, what: string): void {
  const res = lastResponse(raw);
  assert.equal(res.status, status, `${what}: ${status}`);
  assert.match(res.headers['content-type'] ?? '', /^application\/json/, `${what}: a JSON body`);
  const id = res.headers['x-openstack-request-id'];
  assert.ok(isValidRequestId(id), `${what}: a request id of the usual shape`);
  assert.deepEqual(Object.keys(res.body.error).sort(), ['code', 'message', 'title'], `${what}: the usual error body`);
  assert.equal(res.body.error.code, status, `${what}: the body's code is the status`);
  assert.equal(res.body.request_id, id, `${what}: the body's request id is the header's`);
  const logged = lines.filter((l) => l.msg === 'request refused before it could be read' && l.request_id === id);
  assert.equal(logged.length, 1, `${what}: one log line`);
  assert.equal(logged[0]!.level, 30, `${what}: at info`);
  assert.match(String(logged[0]!.code), code, `${what}: with the parser's code`);
  assert.equal(logged[0]!.status, status, `${what}: and the status`);
}

test('a header block over max_header_size: 431 as JSON, with a request id, logged once', async () => {
  const raw = await exchange(`GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
  assertAnswered(raw, 431, /^HPE_HEADER_OVERFLOW$/, 'a 20 KB header');
  assert.ok(!lines.some((l) => JSON.stringify(l).includes('aaaaaaaaaa')), "the client's bytes are in no log line");
});

test('Content-Length with Transfer-Encoding, and garbage: 400 as JSON', async () => {
  assertAnswered(
    await exchange('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'),
    400,
    /^HPE_/,
    'CL + TE',
  );
  assertAnswered(await exchange('hello there\r\n\r\n'), 400, /^HPE_/, 'garbage');
});

test('garbage after an answered request on the same keep-alive connection: the answer, then the 400', async () => {
  const { port } = new URL(service.url);
  const raw = await new Promise<string>((resolve, reject) => {
    const socket = net.connect(Number(port), '127.0.0.1');
    let text = '';
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1');
      // The health answer is complete: send garbage where the next request would be.
      if (text.endsWith('{"status":"ok"}') && !text.includes('400')) socket.write('not http\r\n\r\n');
    });
    socket.on('error', reject);
    socket.on('close', () => resolve(text));
    socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
  });
  assert.match(raw, /^HTTP\/1\.1 200 OK/, 'the first request was answered');
  assertAnswered(raw, 400, /^HPE_/, 'garbage on a kept-alive connection');
});

test('headers trickling past headers_timeout (slowloris): 408 as JSON', async () => {
  // Time is what this case is about: the server's own check (every second) ends a header block not done in 1 s.
  const raw = await exchange('GET / HTTP/1.1\r\nHost: x\r\nX-Slow: 1\r\n');
  assertAnswered(raw, 408, /^ERR_HTTP_REQUEST_TIMEOUT$/, 'slow headers');
});
