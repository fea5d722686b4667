// An HTTP/1.1 request without Host (RFC 9112 section 3.2), on raw sockets against the service started in this
// process as server.ts starts it: Node's listener used to answer it itself, an empty 400 with no request id and
// no log line (attack round 2); now the app answers it as every other error, before any token is validated.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
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
  service = await startService(serviceConfig(mocks.keystoneUrl), captured.logger);
});
after(async () => {
  await service.shutdown('test end');
  await mocks.close();
});

const exchange = (data: string) => rawExchange(service.url, data);
const parse = parseRawResponse;

test('HTTP/1.1 without Host: a JSON 400 with a request id, an access line, no validation, then the connection closes', async () => {
  const raw = await exchange('GET / HTTP/1.1\r\nX-Auth-Token: not-validated-for-a-hostless-request\r\n\r\n');
  const res = parse(raw);
  assert.equal(res.status, 400, 'a request without Host is a 400');
  assert.match(res.headers['content-type'] ?? '', /^application\/json/, 'answered as JSON');
  assert.equal(res.headers.connection, 'close', 'and the connection is closed, as Node closes it');
  const id = res.headers['x-openstack-request-id'];
  assert.ok(isValidRequestId(id), 'with a request id of the usual shape');
  const body = JSON.parse(res.body) as { error: { code: number; message: string }; request_id: string };
  assert.equal(body.error.code, 400, "the body's code is the status");
  assert.match(body.error.message, /Host/, 'the message names the missing header');
  assert.equal(body.request_id, id, "the body's request id is the header's");
  const mine = lines.filter((l) => l.request_id === id);
  const access = mine.filter((l) => l.msg === 'request completed');
  assert.equal(access.length, 1, 'one access line for it');
  assert.equal(access[0]!.level, 30, 'at info: the client is at fault');
  assert.ok(!mine.some((l) => l.upstream !== undefined), 'no call went to Keystone for it');
});

test('HTTP/1.1 with Host and HTTP/1.0 without it are served as before', async () => {
  const withHost = parse(await exchange('GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'));
  assert.equal(withHost.status, 200, 'HTTP/1.1 with Host is served');
  const http10 = parse(await exchange('GET /healthz HTTP/1.0\r\n\r\n'));
  assert.equal(http10.status, 200, 'HTTP/1.0 has no Host requirement');
});
