// Reading an answer without a network: the size limit, the Content-Length fast path, HEAD, the upstream's
// request id, and JSON parsed on demand.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ProtocolError } from '../../src/keystoneauth/errors.js';
import {
  makeResponse,
  readBody,
  upstreamRequestId,
  type ResponseHeaders,
  type ResponseSource,
} from '../../src/keystoneauth/response.js';

/** A response body that records how it was consumed. */
function source(chunks: string[], headers: ResponseHeaders = {}) {
  const seen = { dumped: false, iterated: false, arrayBuffer: false };
  const buffers = chunks.map((c) => Buffer.from(c));
  const res: ResponseSource & { buffers: Buffer[] } = {
    headers,
    buffers,
    body: {
      async *[Symbol.asyncIterator]() {
        seen.iterated = true;
        for (const b of buffers) yield b;
      },
      async dump() {
        seen.dumped = true;
      },
      async arrayBuffer() {
        seen.arrayBuffer = true;
        const all = Buffer.concat(buffers);
        return all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength);
      },
    },
  };
  return { res, seen };
}

const ID_A = 'req-0a5f0b5e-4a8c-4d4a-9a4b-2f6f6e7b8c9d';
const ID_B = 'req-1b6e1c6f-5b9d-4e5b-8b5c-3a7a7f8c9daa';

const tooLarge = (err: unknown) => err instanceof ProtocolError && err.message === 'response body larger than 10 bytes';

describe('readBody', () => {
  test('HEAD: drained, empty', async () => {
    const { res, seen } = source(['ignored'], { 'content-length': '7' });
    assert.equal((await readBody(res, 'HEAD', 10)).length, 0, 'a HEAD answer has no body');
    assert.deepEqual(seen, { dumped: true, iterated: false, arrayBuffer: false }, 'drained, never read');
  });

  test('a declared length over the limit is refused before reading', async () => {
    const { res, seen } = source(['x'.repeat(11)], { 'content-length': '11' });
    await assert.rejects(readBody(res, 'GET', 10), tooLarge, 'a declared length over the limit is refused');
    assert.deepEqual(seen, { dumped: true, iterated: false, arrayBuffer: false }, 'drained without reading a byte');
  });

  test('a declared length within the limit is read in one go', async () => {
    const { res, seen } = source(['0123', '456789'], { 'content-length': '10' });
    assert.equal((await readBody(res, 'GET', 10)).toString(), '0123456789', 'read whole');
    assert.deepEqual(seen, { dumped: false, iterated: false, arrayBuffer: true }, 'in one arrayBuffer call');
  });

  test('the error names the service, the call and the URL without its query when they are given', async () => {
    const details = {
      service: 'glance',
      displayName: 'image service',
      url: 'http://g.test/v2/images',
      status: 200,
      requestId: ID_A,
    };
    for (const headers of [{ 'content-length': '11' }, {}]) {
      await assert.rejects(
        readBody(source(['x'.repeat(11)], headers).res, 'GET', 10, details),
        (err: unknown) =>
          err instanceof ProtocolError &&
          err.message === 'glance (GET http://g.test/v2/images) sent a response body larger than 10 bytes' &&
          err.service === 'glance' &&
          err.displayName === 'image service' &&
          err.url === 'http://g.test/v2/images' &&
          err.requestId === ID_A,
        `${JSON.stringify(headers)}: a ProtocolError naming the service, call and URL`,
      );
    }
  });

  test('without a usable length, chunks are counted up to the limit', async () => {
    for (const headers of [{}, { 'content-length': 'abc' }]) {
      const { res, seen } = source(['0123', '456789'], headers);
      assert.equal((await readBody(res, 'GET', 10)).toString(), '0123456789', 'counted chunk by chunk up to the limit');
      assert.deepEqual(seen, { dumped: false, iterated: true, arrayBuffer: false }, 'read by iterating');
    }
    await assert.rejects(
      readBody(source(['0123', '4567', '89A']).res, 'GET', 10),
      tooLarge,
      'one byte over the limit is refused',
    );
  });

  test('a single chunk is returned without copying', async () => {
    const { res } = source(['{"a":1}']);
    assert.equal(await readBody(res, 'GET', 10), res.buffers[0], 'the one chunk itself, not a copy');
  });

  test('an empty body', async () => {
    assert.equal((await readBody(source([]).res, 'GET', 10)).length, 0, 'no chunks: empty');
    assert.equal(
      (await readBody(source([], { 'content-length': '0' }).res, 'GET', 10)).length,
      0,
      'Content-Length 0: empty',
    );
  });
});

describe('the response', () => {
  test("the upstream's request id: OpenStack's, else Nova's older header; the first of repeats", () => {
    assert.equal(
      upstreamRequestId({ 'x-openstack-request-id': ID_A, 'x-compute-request-id': ID_B }),
      ID_A,
      "X-OpenStack-Request-ID wins over Nova's header",
    );
    assert.equal(
      upstreamRequestId({ 'x-compute-request-id': ID_B }),
      ID_B,
      "Nova's X-Compute-Request-ID when it is the only one",
    );
    assert.equal(upstreamRequestId({ 'x-openstack-request-id': [ID_A, ID_B] }), ID_A, 'the first of repeated ids');
    assert.equal(upstreamRequestId({}), undefined, 'no id header: none');
  });

  test("an upstream's request id not of the req-<uuid> shape is dropped", () => {
    for (const bad of ['<script>"x', 'req-a', `${ID_A}x`, ` ${ID_A}`, 'req-' + 'f'.repeat(4000), ''])
      assert.equal(
        upstreamRequestId({ 'x-openstack-request-id': bad }),
        undefined,
        `${JSON.stringify(bad.slice(0, 50))}: dropped`,
      );
  });

  test('JSON parsed on demand; not JSON is a ProtocolError that names the service', () => {
    const parts = {
      status: 200,
      headers: {},
      url: new URL('http://g.test/v2/images?marker=m'),
      requestId: ID_A,
      service: 'glance',
    };
    const ok = makeResponse({ ...parts, body: Buffer.from('{"images":[]}') });
    assert.deepEqual(ok.json(), { images: [] }, 'the parsed JSON');
    assert.equal(ok.text(), '{"images":[]}', 'the raw text');
    assert.equal(ok.url, 'http://g.test/v2/images?marker=m', 'the URL the answer came from');
    const bad = makeResponse({ ...parts, body: Buffer.from('<html>') });
    assert.throws(
      () => bad.json(),
      (err: unknown) =>
        err instanceof ProtocolError &&
        err.message === 'glance sent a response that is not JSON' &&
        err.status === 200 &&
        err.requestId === ID_A &&
        err.url === 'http://g.test/v2/images',
      'not JSON: a ProtocolError naming the service, with the status, request id and URL without query',
    );
  });
});
