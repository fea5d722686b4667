// The service end to end against a Glance that lies: the mock Keystone's catalog points the image service at a
// small server on port 0 whose answers each test chooses. Whatever it sends, the caller gets a documented answer
// (a 502 or 504, never a 500 or a body outside the OpenAPI document), in bounded time and Glance calls.
import type http from 'node:http';
import { after, before, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { sha256Hex } from '../../src/common/redact.js';
import { startMocks, tokenFor, type Mocks } from '../helpers/mocks.js';
import { build, serviceOptions, startApp, type Service } from '../helpers/service.js';
import { getJson } from '../helpers/http.js';
import { listen, type Listening } from '../helpers/net.js';

/** What the lying Glance does with one call: `n` counts the calls since the test began, from 1. */
type Answer = (req: http.IncomingMessage, res: http.ServerResponse, n: number) => void;

let mocks: Mocks;
let glance: Listening<http.Server>;
let service: Service;
let token: string;
let answer: Answer = (_req, res) => res.end();
let calls = 0;

/** This test's answer for every Glance call, and the count of calls restarted. */
function glanceAnswers(t: TestContext, next: Answer): { calls: () => number } {
  calls = 0;
  answer = next;
  t.after(() => {
    answer = (_req, res) => res.end();
  });
  return { calls: () => calls };
}

/** A JSON answer. */
function json(res: http.ServerResponse, body: unknown, status = 200): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

const ID = '1a2b3c4d-5e6f-4a0b-8c1d-00000000000a';

before(async () => {
  mocks = await startMocks();
  glance = await listen((req, res) => answer(req, res, ++calls));
  mocks.keystone.store.catalogVars.glance_url = glance.url;
  service = await startApp(serviceOptions(mocks.keystoneUrl, { image: { max_images: 100 } }), { level: 'info' });
  token = await tokenFor(mocks.keystoneUrl, 'demo');
});
after(async () => {
  await service.close();
  await glance.close();
  await mocks.close();
});

const get = (path = '/', at: Service = service) => getJson(`${at.url}${path}`, { 'X-Auth-Token': token });

describe('what one request may cost ([image] max_images, list_timeout)', () => {
  test('GET /?limit=5 against empty pages with fresh next links forever: a 502 after a bounded number of calls', async (t) => {
    const glanceCalls = glanceAnswers(t, (_req, res, n) => json(res, { images: [], next: `/v2/images?marker=m${n}` }));
    const res = await get('/?limit=5');
    assert.equal(res.status, 502, 'endless empty pages are an invalid answer of the image service');
    assert.equal(glanceCalls.calls(), 106, 'max_images + limit (105) empty pages read, then the next one ends it');
  });

  test('GET / and GET /?limit=5 against a page larger than asked: a 502', async (t) => {
    glanceAnswers(t, (req, res) => {
      const limit = Number(new URL(req.url ?? '', glance.url).searchParams.get('limit'));
      json(res, { images: Array.from({ length: limit + 1 }, () => ({ id: ID, name: 'x' })) });
    });
    for (const path of ['/', '/?limit=5']) {
      const res = await get(path);
      assert.equal(res.status, 502, `${path}: one image more than the limit asked is an invalid answer`);
    }
  });

  test('a listing that outlasts list_timeout: a 504, the log naming list_timeout', async (t) => {
    // A service of its own with list_timeout 1 s (the session's timeout stays 30 s); Glance offers pages forever,
    // each after a while, so the listing is still going when list_timeout ends it.
    const quick = await build(t, serviceOptions(mocks.keystoneUrl, { image: { list_timeout: 1, max_images: 1e7 } }), {
      level: 'info',
    });
    glanceAnswers(t, (_req, res, n) => {
      setTimeout(() => json(res, { images: [{ id: ID, name: 'x' }], next: `/v2/images?marker=m${n}` }), 50);
    });
    const res = await get('/', quick);
    assert.equal(res.status, 504, 'the listing deadline passed: the image service did not answer in time');
    const failed = quick.lines.findLast((l) => l.msg === 'request failed');
    assert.match(
      String((failed?.error as { message?: string } | undefined)?.message),
      /list_timeout \(1000 ms\)|did not answer within \d+ ms/,
      'the log says which deadline ended the listing',
    );
  });
});

describe('a listing Glance redirects', () => {
  test("to another origin: refused, a 502; the other origin's list is never asked for nor shown", async (t) => {
    const other = await listen((_req, res) => json(res, { images: [{ id: ID, name: 'forged' }] }));
    t.after(() => other.close());
    let reached = 0;
    other.server.on('request', () => reached++);
    glanceAnswers(t, (_req, res) => res.writeHead(302, { location: `${other.url}/v2/images` }).end());
    const res = await get('/');
    assert.equal(res.status, 502, 'the image service redirected elsewhere: a 502');
    assert.match(
      (res.body as { error: { message: string } }).error.message,
      /redirected the request elsewhere; it was not followed/,
      'the message says the redirect was not followed',
    );
    assert.equal(reached, 0, "the other origin never got the caller's call");
  });

  test('within its origin: followed, the names of the page it leads to', async (t) => {
    glanceAnswers(t, (req, res) => {
      if (req.url?.startsWith('/moved/')) return json(res, { images: [{ id: ID, name: 'moved' }] });
      res.writeHead(307, { location: `/moved${req.url ?? ''}` }).end();
    });
    const res = await get('/');
    assert.equal(res.status, 200, 'a same-origin redirect is followed');
    assert.deepEqual(res.body, ['moved'], 'the names of the page it led to');
  });
});

describe("a Glance error page echoing the request's headers", () => {
  for (const status of [500, 401]) {
    test(`${status}: the log's body excerpt holds the caller's token only as {SHA256}<hex>`, async (t) => {
      glanceAnswers(t, (req, res) => json(res, { error: 'echo', headers: req.headers }, status));
      const before = service.raw.length;
      const res = await get('/');
      assert.equal(res.status, status === 500 ? 502 : 401, `Glance's ${status} reaches the caller as usual`);
      const lines = service.raw.slice(before);
      assert.ok(!lines.some((l) => l.includes(token)), 'the raw token is in no log line');
      const failed = service.lines.slice(before).find((l) => l.msg === 'request failed');
      const body = String((failed?.error as { body?: string } | undefined)?.body);
      assert.ok(body.includes(`{SHA256}${sha256Hex(token)}`), "the excerpt holds the token's fingerprint instead");
    });
  }
});

describe("images of another shape than Glance's", () => {
  for (const [what, images] of [
    ['[null]', [null]],
    ['a name that is an object', [{ id: ID, name: { nested: 1 } }]],
    ['a name that is a number', [{ id: ID, name: 42 }]],
  ] as const) {
    test(`${what}: a 502 (the image service sent an invalid response), never a 500 or a list of other things`, async (t) => {
      glanceAnswers(t, (_req, res) => json(res, { images }));
      for (const path of ['/', '/?limit=5']) {
        const res = await get(path);
        assert.equal(res.status, 502, `${path}: an invalid answer of the image service`);
        assert.match(
          (res.body as { error: { message: string } }).error.message,
          /image service sent an invalid response/,
          `${path}: the message says so`,
        );
      }
    });
  }
});

describe("what the caller and the log are told about Glance's failures", () => {
  const UPSTREAM_ID = 'req-0a5f0b5e-4a8c-4d4a-9a4b-2f6f6e7b8c9d';

  test("Glance's request id reaches the body and the log only when it has the req-<uuid> shape", async (t) => {
    let id = '<script>"x';
    glanceAnswers(t, (_req, res) => {
      res.writeHead(500, { 'content-type': 'application/json', 'x-openstack-request-id': id });
      res.end('{}');
    });
    const before = service.raw.length;
    const odd = await get('/');
    assert.equal(odd.status, 502, "Glance's 500: a 502");
    assert.equal((odd.body as Record<string, unknown>).upstream_request_id, undefined, 'a malformed id is dropped');
    assert.ok(!service.raw.slice(before).some((l) => l.includes('<script>')), 'and is in no log line');
    id = UPSTREAM_ID;
    const fine = await get('/');
    assert.equal((fine.body as Record<string, unknown>).upstream_request_id, UPSTREAM_ID, 'a req-<uuid> is kept');
  });

  test('a protocol error is logged with the URL without its query (markers and filters stay out)', async (t) => {
    glanceAnswers(t, (_req, res) =>
      json(res, {
        images: [
          { id: ID, name: 'a' },
          { id: ID, name: 'b' },
        ],
      }),
    );
    const before = service.lines.length;
    const res = await get(`/?limit=1&marker=${ID}&name=secret-filter`);
    assert.equal(res.status, 502, 'two images where one was asked: a 502');
    const failed = service.lines.slice(before).find((l) => l.msg === 'request failed');
    const error = failed?.error as { code?: string; url?: string } | undefined;
    assert.equal(error?.code, 'protocol_error', 'logged as a protocol error');
    assert.equal(error?.url, `${glance.url}/v2/images`, 'with the URL, without its query');
  });

  test('a body over max_response_bytes: the log names the service and the URL', async (t) => {
    // 64 KiB: room for Keystone's token with its catalog, not for Glance's page.
    const small = await build(t, serviceOptions(mocks.keystoneUrl, { communication: { max_response_bytes: 65_536 } }), {
      level: 'info',
    });
    glanceAnswers(t, (_req, res) => json(res, { images: [{ id: ID, name: 'x'.repeat(70_000) }] }));
    const res = await get('/', small);
    assert.equal(res.status, 502, 'an oversized answer: a 502');
    const failed = small.lines.find((l) => l.msg === 'request failed');
    assert.match(
      String((failed?.error as { message?: string } | undefined)?.message),
      /^glance \(GET http:\/\/127\.0\.0\.1:\d+\/v2\/images\) sent a response body larger than 65536 bytes$/,
      'the message names the service, the call and the URL without its query',
    );
  });

  test('a catalog URL that is not http(s): a 502 saying the catalog has no usable endpoint', async () => {
    const vars = mocks.keystone.store.catalogVars;
    vars.glance_url = 'ftp://glance.example';
    try {
      const other = await tokenFor(mocks.keystoneUrl, 'alt');
      const res = await getJson(`${service.url}/`, { 'X-Auth-Token': other });
      assert.equal(res.status, 502, 'a 502');
      assert.equal(
        (res.body as { error: { message: string } }).error.message,
        "The token's service catalog has no usable endpoint: public endpoint for image service is not an http(s) URL.",
        'the catalog is named as the problem, not an unreachable service',
      );
    } finally {
      vars.glance_url = glance.url;
    }
  });
});
