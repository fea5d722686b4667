// The 'clientError' handler over a fake socket: what it writes, when it writes nothing, and what it logs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Duplex } from 'node:stream';
import { clientErrorHandler, clientErrorResponse } from '../../src/middleware/client-error.js';
import { captureLogger } from '../helpers/logs.js';

function fakeSocket(state: { writable: boolean; inFlight?: { headersSent: boolean } }) {
  const written: string[] = [];
  let destroyed = false;
  const socket = {
    writable: state.writable,
    remoteAddress: '192.0.2.7',
    _httpMessage: state.inFlight ?? null,
    write: (data: string) => written.push(data),
    destroy: () => (destroyed = true),
  };
  return { socket: socket as unknown as Duplex, written, destroyed: () => destroyed };
}

const parserError = (code: string) => Object.assign(new Error('Parse Error'), { code });

test('each parser code gets its status, as Node would answer it, in a JSON body', () => {
  for (const [code, status] of [
    ['HPE_HEADER_OVERFLOW', 431],
    ['HPE_CHUNK_EXTENSIONS_OVERFLOW', 413],
    ['ERR_HTTP_REQUEST_TIMEOUT', 408],
    ['HPE_INVALID_METHOD', 400],
    ['HPE_UNEXPECTED_CONTENT_LENGTH', 400],
  ] as const) {
    const { logger, lines } = captureLogger('debug');
    const { socket, written, destroyed } = fakeSocket({ writable: true });
    clientErrorHandler(logger)(parserError(code), socket);
    assert.equal(written.length, 1, `${code}: one answer`);
    assert.match(written[0]!, new RegExp(`^HTTP/1\\.1 ${status} `), `${code}: ${status}`);
    assert.ok(destroyed(), `${code}: the connection is closed`);
    assert.deepEqual(
      lines.map((l) => [l.msg, l.code, l.status, l.client]),
      [['request refused before it could be read', code, status, '192.0.2.7']],
      `${code}: one line with the code, the status and the client`,
    );
  }
});

test('nothing is written to a connection that cannot take it, or whose earlier answer is under way', () => {
  for (const state of [{ writable: false }, { writable: true, inFlight: { headersSent: true } }]) {
    const { logger, lines } = captureLogger('debug');
    const { socket, written, destroyed } = fakeSocket(state);
    clientErrorHandler(logger)(parserError('ECONNRESET'), socket);
    assert.deepEqual(written, [], `${JSON.stringify(state)}: nothing written`);
    assert.ok(destroyed(), `${JSON.stringify(state)}: closed`);
    assert.deepEqual(
      lines.map((l) => [l.level, l.msg]),
      [[20, 'client connection failed']],
      `${JSON.stringify(state)}: one debug line`,
    );
  }
});

test('the response is well formed: its Content-Length is the body, the id in both places', () => {
  const id = 'req-0a5f0b5e-4a8c-4d4a-9a4b-2f6f6e7b8c9d';
  const [head = '', body = ''] = clientErrorResponse(431, id).split('\r\n\r\n');
  assert.match(head, new RegExp(`\\r\\nContent-Length: ${Buffer.byteLength(body)}\\r\\n`), 'the length of the body');
  assert.match(head, new RegExp(`\\r\\nX-OpenStack-Request-ID: ${id}\\r\\n`), 'the request id header');
  assert.deepEqual(
    JSON.parse(body),
    {
      error: { code: 431, title: 'Request Header Fields Too Large', message: 'The request headers are too large.' },
      request_id: id,
    },
    'the usual error body',
  );
});
