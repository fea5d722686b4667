// The service end to end against a Keystone that lies when it validates tokens: the service user's catalog (from
// the mock Keystone) points the identity endpoint at a small server on port 0 whose answers to GET
// /v3/auth/tokens each test chooses. Whatever it sends, the caller gets a documented answer (401 or 503, never a
// 200 for a forged identity, never a 500).
import type http from 'node:http';
import { after, before, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { startMocks, type Mocks } from '../helpers/mocks.js';
import { serviceOptions, startApp, type Service } from '../helpers/service.js';
import { getJson } from '../helpers/http.js';
import { listen, type Listening } from '../helpers/net.js';

/** What the lying Keystone does with one validation. */
type Answer = (req: http.IncomingMessage, res: http.ServerResponse) => void;

let mocks: Mocks;
let keystone: Listening<http.Server>;
let service: Service;
let answer: Answer = (_req, res) => res.writeHead(404).end();

function keystoneAnswers(t: TestContext, next: Answer): void {
  answer = next;
  t.after(() => {
    answer = (_req, res) => res.writeHead(404).end();
  });
}

/** A JSON answer. */
function json(res: http.ServerResponse, body: unknown, status = 200): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** A token body as Keystone sends it, for user `who`, with `catalog`. */
function tokenBody(who: string, catalog: unknown): unknown {
  return {
    token: {
      methods: ['password'],
      user: { id: who, name: who, domain: { id: 'default', name: 'Default' } },
      project: { id: 'p', name: 'p', domain: { id: 'default', name: 'Default' } },
      roles: [{ id: 'r', name: 'admin' }],
      expires_at: new Date(Date.now() + 3600_000).toISOString(),
      catalog,
    },
  };
}

/** A server on port 0 that records who called it and answers `body`. */
async function recorder(t: TestContext, body: unknown) {
  const seen: http.IncomingHttpHeaders[] = [];
  const server = await listen((req, res) => {
    seen.push(req.headers);
    json(res, body);
  });
  t.after(() => server.close());
  return { url: server.url, seen };
}

let tokenCount = 0;
/** A token no other test sent: never cached, so Keystone is asked. */
const freshToken = () => `not-a-token-${++tokenCount}`;

before(async () => {
  mocks = await startMocks();
  keystone = await listen((req, res) => answer(req, res));
  // The service user's catalog sends validations to the lying Keystone; its own authentication (auth_url) goes
  // to the mock Keystone.
  mocks.keystone.store.catalogVars.keystone_url = keystone.url;
  service = await startApp(serviceOptions(mocks.keystoneUrl), { level: 'info' });
});
after(async () => {
  await service.close();
  await keystone.close();
  await mocks.close();
});

describe('a validation Keystone redirects', () => {
  test("to another origin: refused, a 503; the other origin's forged identity is never asked for nor believed", async (t) => {
    const glance = await recorder(t, { images: [{ id: 'x', name: 'forged' }] });
    const forger = await recorder(
      t,
      tokenBody('admin', [{ type: 'image', endpoints: [{ interface: 'public', url: glance.url }] }]),
    );
    keystoneAnswers(t, (_req, res) => res.writeHead(307, { location: `${forger.url}/v3/auth/tokens` }).end());
    const res = await getJson(`${service.url}/`, { 'X-Auth-Token': freshToken() });
    assert.equal(res.status, 503, 'the identity service could not confirm the token: 503, never a 200');
    assert.equal(forger.seen.length, 0, 'the other origin was never asked');
    assert.equal(glance.seen.length, 0, "the forged catalog's Glance never got the caller's token");
    const failed = service.lines.findLast((l) => l.msg === 'token validation failed');
    assert.match(String(failed?.reason), /^redirect_refused: /, 'the log says the redirect was refused');
  });
});

describe("a validation answer of another shape than Keystone's", () => {
  const endpoint = { interface: 'public', region: 'RegionOne', url: 'http://127.0.0.1:1' };
  const cases: [string, unknown][] = [
    ['not JSON', '{"token":'],
    ['catalog [null]', tokenBody('u', [null])],
    ['endpoints null', tokenBody('u', [{ type: 'image', endpoints: null }])],
    ...[5, null, {}].map((url): [string, unknown] => [
      `url ${JSON.stringify(url)}`,
      tokenBody('u', [{ type: 'image', endpoints: [{ ...endpoint, url }] }]),
    ]),
    ['roles [null]', { token: { ...(tokenBody('u', []) as { token: object }).token, roles: [null] } }],
  ];
  for (const [what, body] of cases) {
    test(`${what}: 503 (the identity service answered something unusable), never a 500`, async (t) => {
      keystoneAnswers(t, (_req, res) =>
        typeof body === 'string'
          ? res.writeHead(200, { 'content-type': 'application/json' }).end(body)
          : json(res, body),
      );
      const res = await getJson(`${service.url}/`, { 'X-Auth-Token': freshToken() });
      assert.equal(res.status, 503, `${what}: 503, as for any answer of Keystone's that cannot be used`);
      const failed = service.lines.findLast((l) => l.msg === 'token validation failed');
      assert.match(
        String(failed?.reason),
        /^protocol_error: /,
        `${what}: logged as the identity service's protocol error`,
      );
    });
  }

  test('control: the same lying Keystone sending a well-formed token body is believed (so the 503s above are its shape)', async (t) => {
    const glance = await recorder(t, { images: [{ id: 'x', name: 'from-the-catalog' }] });
    keystoneAnswers(t, (_req, res) =>
      json(res, tokenBody('u', [{ type: 'image', endpoints: [{ ...endpoint, url: glance.url }] }])),
    );
    const res = await getJson(`${service.url}/`, { 'X-Auth-Token': freshToken() });
    assert.equal(res.status, 200, 'a well-formed answer confirms the token');
    assert.deepEqual(res.body, ['from-the-catalog'], "the names from the answer's catalog");
  });
});
