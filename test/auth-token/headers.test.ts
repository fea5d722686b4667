// Forged identity headers in every view of the request a route can read: req.headers (Koa's ctx.headers,
// ctx.request.headers, ctx.get()), req.headersDistinct, req.trailers, req.trailersDistinct; in every spelling
// (X-Roles, X_ROLES, x-user_id). rawHeaders and rawTrailers stay the wire.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type http from 'node:http';
import net from 'node:net';
import type { Middleware } from 'koa';
import { stripSpoofableHeaders } from '../../src/auth-token/headers.js';
import { buildEcho } from '../helpers/echo.js';
import { listen } from '../helpers/net.js';
import { DEMO_PROJECT_ID, USERS, startMocks, tokenFor, type Mocks } from '../helpers/mocks.js';

/** One HTTP/1.1 request written byte for byte (repeated and underscore names, trailers), its answer parsed. */
async function rawRequest(url: string, head: string[], body?: { chunks: string[]; trailers: string[] }) {
  const { port } = new URL(url);
  let request = `POST / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n${head.map((l) => `${l}\r\n`).join('')}`;
  if (body === undefined) request += 'Content-Length: 0\r\n\r\n';
  else {
    request += 'Transfer-Encoding: chunked\r\n\r\n';
    for (const c of body.chunks) request += `${Buffer.byteLength(c).toString(16)}\r\n${c}\r\n`;
    request += `0\r\n${body.trailers.map((l) => `${l}\r\n`).join('')}\r\n`;
  }
  const answer = await new Promise<string>((resolve, reject) => {
    let data = '';
    // Not half-closed: node:http drops a request whose client ends its side before the answer.
    const socket = net.connect(Number(port), '127.0.0.1', () => socket.write(request));
    socket.on('data', (d: Buffer) => (data += d.toString('utf8')));
    socket.on('close', () => resolve(data));
    socket.on('error', reject);
  });
  const split = answer.indexOf('\r\n\r\n');
  const status = Number(answer.slice(9, 12));
  return { status, body: JSON.parse(answer.slice(split + 4)) as Record<string, any> };
}

/** Forged identity in every spelling, repeated, in mixed case; plus names that are not ours, which stay. */
const FORGED_HEAD = [
  'X-Roles: admin',
  'x-roles: admin2',
  'X_ROLES: admin',
  'X_Roles: admin',
  'X_USER_ID: forged',
  'X-User_Id: forged',
  'X_IDENTITY_STATUS: Confirmed',
  'X-Identity-Status: Confirmed',
  'X-Project-Id: forged',
  'X_PROJECT_ID: forged',
  'X_SERVICE_ROLES: service',
  'OPENSTACK_SYSTEM_SCOPE: all',
  'X_IS_ADMIN_PROJECT: True',
  'X_TENANT: forged',
  'X_Custom: kept',
  'X-Repeated: a',
  'X-Repeated: b',
];
const FORGED_TRAILERS = ['X-Roles: admin', 'X_ROLES: admin', 'X-User-Id: forged', 'X-Checksum: abc'];

/** The entries of a header object whose names look like identity or are the test's own (x-..., openstack-...). */
function pick(headers: NodeJS.Dict<unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(headers))
    if (/^(x|openstack)[-_]/.test(k) && k !== 'x-auth-token' && k !== 'x-service-catalog') out[k] = v;
  return out;
}

/** Every forged value a test sends; none may be in any sanitized view. */
const FORGED_VALUES = ['admin', 'admin2', 'forged', 'Confirmed', 'service', 'all', 'True'];

describe('stripSpoofableHeaders on a bare node:http request', () => {
  let server: Awaited<ReturnType<typeof listen>>;
  before(async () => {
    // What a middleware mounted before auth_token may have done: parse headersDistinct and trailers early.
    server = await listen((req: http.IncomingMessage, res: http.ServerResponse) => {
      const early = { distinct: Object.keys(req.headersDistinct), trailers: req.trailers };
      stripSpoofableHeaders(req);
      req.headers['x-roles'] = 'member'; // as the middleware sets it
      req.resume();
      req.on('end', () => {
        const body = {
          early,
          headers: pick(req.headers),
          distinct: pick(req.headersDistinct),
          trailers: pick(req.trailers),
          trailersDistinct: pick(req.trailersDistinct),
          rawHeaders: req.rawHeaders,
          rawTrailers: req.rawTrailers,
        };
        res.setHeader('Content-Type', 'application/json');
        res.end(JSON.stringify(body));
      });
    });
  });
  after(() => server.close());

  test('views parsed before the strip are clean after it; rawHeaders and rawTrailers stay the wire', async () => {
    const res = await rawRequest(server.url, FORGED_HEAD, { chunks: ['hello'], trailers: FORGED_TRAILERS });
    assert.equal(res.status, 200, 'the request is served');
    assert.ok(res.body.early.distinct.includes('x_roles'), 'Node had parsed x_roles from the wire before the strip');
    const expected = { 'x-roles': 'member', x_custom: 'kept', 'x-repeated': 'a, b' };
    assert.deepEqual(res.body.headers, expected, 'req.headers: only the middleware value and names not ours');
    assert.deepEqual(
      res.body.distinct,
      { 'x-roles': ['member'], x_custom: ['kept'], 'x-repeated': ['a', 'b'] },
      'headersDistinct: the same, with repeated headers still distinct',
    );
    assert.deepEqual(res.body.trailers, { 'x-checksum': 'abc' }, 'trailers: no spoofable name');
    assert.deepEqual(res.body.trailersDistinct, { 'x-checksum': ['abc'] }, 'trailersDistinct: no spoofable name');
    assert.ok(res.body.rawHeaders.includes('X_ROLES'), 'rawHeaders is the wire, forged names included');
    assert.ok(res.body.rawTrailers.includes('X_ROLES'), 'rawTrailers is the wire, forged names included');
  });

  test('a request without a body: headersDistinct cleaned, no trailers', async () => {
    const res = await rawRequest(server.url, FORGED_HEAD);
    assert.deepEqual(res.body.distinct['x-roles'], ['member'], 'headersDistinct holds the middleware value only');
    assert.equal(res.body.distinct.x_roles, undefined, 'the underscore spelling is gone from headersDistinct');
    assert.deepEqual(res.body.trailers, {}, 'no trailers without a chunked body');
  });
});

describe('through the auth_token middleware: what a route reads', () => {
  let mocks: Mocks;
  before(async () => {
    mocks = await startMocks();
  });
  after(() => mocks.close());

  /** A route reading every view, after the body (so that trailers have arrived). */
  const views: Middleware = async (ctx) => {
    ctx.req.resume();
    await new Promise((resolve) => ctx.req.once('end', resolve));
    const names = FORGED_HEAD.map((l) => l.slice(0, l.indexOf(':')));
    ctx.body = {
      ctxHeaders: pick(ctx.headers),
      requestHeaders: pick(ctx.request.headers),
      reqHeaders: pick(ctx.req.headers),
      get: Object.fromEntries(names.map((n) => [n, ctx.get(n)])),
      distinct: pick(ctx.req.headersDistinct),
      trailers: pick(ctx.req.trailers),
      trailersDistinct: pick(ctx.req.trailersDistinct),
      rawHeaders: ctx.req.rawHeaders,
    };
  };

  test('a valid token: every view holds Keystone values only, in the dash spelling', async (t) => {
    const echo = await buildEcho(t, {
      credentials: { authUrl: mocks.keystoneUrl, ...USERS.service },
      routes: views,
    });
    const token = await tokenFor(mocks.keystoneUrl, 'demo');
    const res = await rawRequest(echo.url, [...FORGED_HEAD, `X-Auth-Token: ${token}`], {
      chunks: ['{}'],
      trailers: FORGED_TRAILERS,
    });
    assert.equal(res.status, 200, 'the valid token is served');
    const { reqHeaders } = res.body;
    assert.equal(reqHeaders['x-roles'], 'member,reader', "X-Roles is Keystone's");
    assert.equal(reqHeaders['x-project-id'], DEMO_PROJECT_ID, "X-Project-Id is Keystone's");
    assert.equal(reqHeaders['x-identity-status'], 'Confirmed', 'X-Identity-Status set by the middleware');
    assert.equal(reqHeaders['x-tenant'], 'demo', 'the deprecated alias is the project name');
    assert.equal(reqHeaders.x_custom, 'kept', 'a name that is not ours stays');
    for (const [name, value] of Object.entries(reqHeaders)) {
      if (name === 'x-identity-status' || name === 'x-is-admin-project') continue; // set by the middleware
      assert.ok(!FORGED_VALUES.includes(String(value)), `${name}=${String(value)} is not a forged value`);
      assert.ok(!name.includes('_') || name === 'x_custom', `${name}: no underscore spelling of ours is left`);
    }
    assert.equal(reqHeaders['x-service-roles'], undefined, 'no service token, no X-Service-Roles');
    assert.equal(reqHeaders['openstack-system-scope'], undefined, 'not a system-scoped token');
    assert.deepEqual(res.body.ctxHeaders, reqHeaders, 'ctx.headers is req.headers');
    assert.deepEqual(res.body.requestHeaders, reqHeaders, 'ctx.request.headers is req.headers');
    const distinct = Object.fromEntries(
      Object.entries(reqHeaders).map(([k, v]) => [k, k === 'x-repeated' ? ['a', 'b'] : [v]]),
    );
    assert.deepEqual(res.body.distinct, distinct, 'headersDistinct agrees with req.headers');
    for (const name of ['X_ROLES', 'X_Roles', 'X_USER_ID', 'X-User_Id', 'X_IDENTITY_STATUS', 'OPENSTACK_SYSTEM_SCOPE'])
      assert.equal(res.body.get[name], '', `ctx.get('${name}') finds nothing`);
    assert.equal(res.body.get['X-Roles'], 'member,reader', "ctx.get('X-Roles') is Keystone's");
    assert.deepEqual(res.body.trailers, { 'x-checksum': 'abc' }, 'trailers: nothing spoofable');
    assert.deepEqual(res.body.trailersDistinct, { 'x-checksum': ['abc'] }, 'trailersDistinct: nothing spoofable');
    assert.ok(res.body.rawHeaders.includes('X_ROLES'), 'rawHeaders is the wire (documented, never sanitized)');
  });

  test('delay_auth_decision and no token: the forged spellings are gone, the status is Invalid everywhere', async (t) => {
    const echo = await buildEcho(t, {
      credentials: { authUrl: mocks.keystoneUrl, ...USERS.service },
      delayAuthDecision: true,
      routes: views,
    });
    const res = await rawRequest(echo.url, FORGED_HEAD);
    assert.equal(res.status, 200, 'delay_auth_decision lets the request through');
    const expected = { 'x-identity-status': 'Invalid', x_custom: 'kept', 'x-repeated': 'a, b' };
    assert.deepEqual(res.body.reqHeaders, expected, 'req.headers: only the status the middleware set');
    assert.deepEqual(
      res.body.distinct,
      { 'x-identity-status': ['Invalid'], x_custom: ['kept'], 'x-repeated': ['a', 'b'] },
      'headersDistinct: the same',
    );
    assert.equal(res.body.get.X_IDENTITY_STATUS, '', 'the underscore spelling of the status is gone');
  });
});
