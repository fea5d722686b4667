// Redirects and the attempt state without a network: the unit steps, then the session end to end against
// undici's MockAgent (no sockets): no call is ever redirected to another origin, 303 turns a POST into a GET.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MockAgent } from 'undici';
import { attemptHeaders, dispatchOptions, type AttemptState } from '../../src/keystoneauth/attempt.js';
import { followRedirect, redirectLocation } from '../../src/keystoneauth/redirect.js';
import { Session, type SessionOptions } from '../../src/keystoneauth/session.js';
import type { AuthPlugin } from '../../src/keystoneauth/plugin.js';
import { ConnectionError, RedirectRefusedError } from '../../src/keystoneauth/errors.js';
import { RequestScope } from '../../src/common/request-scope.js';
import { createLogger } from '../../src/common/logger.js';
import { attemptState } from '../helpers/attempt.js';

function state(overrides: Partial<AttemptState> = {}): AttemptState {
  return attemptState({
    headers: { accept: 'application/json', 'content-type': 'application/json', 'x-subject-token': 'subject' },
    requestedMethod: 'POST',
    method: 'POST',
    url: new URL('http://a.test/v3/things?x=1'),
    body: '{}',
    retriesLeft: { connect: 0, status: 0, redirects: 2, reauth: 0 },
    ...overrides,
  });
}

describe('redirect steps', () => {
  test('which answers are followed', () => {
    for (const status of [301, 302, 303, 307, 308])
      assert.equal(
        redirectLocation(status, { location: '/next' }, 1),
        '/next',
        `${status} with a Location is followed`,
      );
    assert.equal(redirectLocation(300, { location: '/next' }, 1), undefined, '300 (multiple choices) is not followed');
    assert.equal(redirectLocation(302, { location: '/next' }, 0), undefined, 'no redirects left');
    assert.equal(redirectLocation(302, {}, 1), undefined, 'no Location');
    assert.equal(
      redirectLocation(302, { location: ['/first', '/second'] }, 1),
      '/first',
      'repeated Location headers: the first',
    );
  });

  test('same origin: tokens kept, method and body kept by 307', () => {
    const s = state();
    followRedirect(s, 307, '/v3/elsewhere');
    assert.equal(s.url.href, 'http://a.test/v3/elsewhere', 'resolved against the current URL');
    assert.equal(s.method, 'POST', '307 keeps the method');
    assert.equal(s.body, '{}', '307 keeps the body');
    assert.equal(s.retriesLeft.redirects, 1, 'one redirect used');
  });

  test('303, and 301/302 after a POST, become a bodiless GET', () => {
    for (const status of [303, 301, 302]) {
      const s = state();
      followRedirect(s, status, '/v3/result');
      assert.equal(s.method, 'GET', String(status));
      assert.equal(s.body, undefined, `${status}: the body is dropped`);
      assert.equal(s.headers['content-type'], undefined, `${status}: no Content-Type without a body`);
      assert.equal(s.requestedMethod, 'POST', `${status}: the method asked for is remembered`);
    }
    const put = state({ method: 'PUT', requestedMethod: 'PUT' });
    followRedirect(put, 302, '/v3/result');
    assert.equal(put.method, 'PUT', '302 after a PUT keeps PUT: only POST becomes GET');
  });

  test('same origin: 308 keeps method and body too', () => {
    const s = state();
    followRedirect(s, 308, 'http://a.test/v3/moved');
    assert.equal(s.method, 'POST', '308 keeps the method');
    assert.equal(s.body, '{}', '308 keeps the body on the same origin');
  });

  test('no call is redirected to another origin, whatever the method and the status', () => {
    for (const status of [301, 302, 303, 307, 308]) {
      for (const method of ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']) {
        const body = method === 'GET' || method === 'HEAD' ? undefined : '{}';
        const s = state({ method, requestedMethod: method, body });
        assert.throws(
          () => followRedirect(s, status, 'http://b.test/v3/auth/tokens', 'req-123'),
          (err: unknown) => {
            assert.ok(err instanceof RedirectRefusedError, `${method} ${status}: a RedirectRefusedError`);
            assert.match(err.message, /never sent to another origin/, 'the message says why');
            assert.match(err.message, /http:\/\/b\.test/, "the message names the target's origin");
            assert.doesNotMatch(err.message, /\?x=1/, 'the query string stays out of the message');
            assert.equal(err.status, status, "the error carries the redirect's status");
            assert.equal(err.requestId, 'req-123', "and the redirecting answer's request id");
            assert.equal(err.code, 'redirect_refused', 'a stable code');
            return true;
          },
          `${method} ${status}: refused with a RedirectRefusedError`,
        );
        assert.equal(s.url.href, 'http://a.test/v3/things?x=1', 'the call still points where it was');
        assert.equal(s.retriesLeft.redirects, 2, 'no redirect spent');
      }
    }
    for (const [target, what] of [
      ['https://a.test/v3/things', 'another scheme (https)'],
      ['http://a.test:8080/v3/things', 'another port'],
      ['http://sub.a.test/v3/things', 'another host'],
    ] as const) {
      assert.throws(
        () => followRedirect(state({ method: 'GET', body: undefined }), 302, target),
        RedirectRefusedError,
        `${what} is another origin`,
      );
    }
    const downgrade = state({ method: 'GET', body: undefined, url: new URL('https://a.test/v3/auth/tokens') });
    assert.throws(
      () => followRedirect(downgrade, 302, 'http://a.test/v3/auth/tokens'),
      RedirectRefusedError,
      'https to http on the same host is refused',
    );
    const defaultPort = state({ method: 'GET', body: undefined });
    followRedirect(defaultPort, 302, 'http://a.test:80/v3/elsewhere');
    assert.equal(defaultPort.url.href, 'http://a.test/v3/elsewhere', "the scheme's default port is the same origin");
  });

  test("attempt headers: the plugin's win over the caller's, names lower-cased", () => {
    const headers = attemptHeaders(state({ headers: { 'x-auth-token': 'caller' } }), { 'X-Auth-Token': 'plugin' });
    assert.deepEqual(
      headers,
      { 'x-auth-token': 'plugin' },
      "the plugin's token replaces the caller's header of the same name",
    );
  });

  test('GET and HEAD are dispatched without a body', () => {
    assert.equal(dispatchOptions(state(), {}).body, '{}', 'a POST carries its body');
    assert.equal(dispatchOptions(state({ method: 'GET' }), {}).body, undefined, 'a GET carries none');
    assert.equal(dispatchOptions(state({ method: 'HEAD' }), {}).body, undefined, 'a HEAD carries none');
    assert.equal(dispatchOptions(state(), {}).path, '/v3/things?x=1', 'the path with its query');
  });
});

describe('the session over a mocked dispatcher', () => {
  const options: SessionOptions = {
    // The mocked dispatcher answers at once: deadlines far from anything a loaded machine could reach.
    timeoutMs: 30_000,
    connectTimeoutMs: 10_000,
    headersTimeoutMs: 10_000,
    bodyTimeoutMs: 10_000,
    connectionsPerOrigin: 4,
    keepAliveTimeoutMs: 1000,
    connectRetries: 2,
    statusCodeRetries: 1,
    retriableStatusCodes: [503],
    retryDelayMs: 1,
    maxRetryDelayMs: 5,
    maxRedirects: 5,
    maxResponseBytes: 1024,
    userAgent: 'probe/1.0',
    tls: { rejectUnauthorized: true },
  };
  const agents: MockAgent[] = [];
  after(() => Promise.all(agents.map((a) => a.close())));

  function mocked() {
    const agent = new MockAgent({ enableCallHistory: true });
    agent.disableNetConnect();
    agents.push(agent);
    const session = new Session(options, new RequestScope(createLogger({ level: 'silent' })), agent);
    const calls = () => agent.getCallHistory()!.calls();
    return { agent, session, calls };
  }

  class CountingAuth implements AuthPlugin {
    asked = 0;
    async getHeaders() {
      this.asked++;
      return { 'X-Auth-Token': 'secret' };
    }
    async getEndpoint() {
      return 'http://a.test';
    }
    invalidate() {
      return false;
    }
  }

  test('a GET redirected to another origin: refused, nothing sent there, its answer never believed', async () => {
    const { agent, session, calls } = mocked();
    agent
      .get('http://a.test')
      .intercept({ path: '/v3/auth/tokens' })
      .reply(302, '', { headers: { location: 'http://b.test/v3/auth/tokens' } });
    agent
      .get('http://b.test')
      .intercept({ path: '/v3/auth/tokens' })
      .reply(200, { token: { forged: true } });
    const auth = new CountingAuth();
    await assert.rejects(
      session.request('http://a.test/v3/auth/tokens', {
        auth,
        service: 'keystone',
        headers: { 'X-Subject-Token': 'subject' },
      }),
      (err: unknown) => err instanceof RedirectRefusedError && /keystone \(GET http:\/\/a\.test/.test(err.message),
      'a RedirectRefusedError naming the call',
    );
    assert.deepEqual(
      calls().map((c) => c.origin),
      ['http://a.test'],
      'only the first origin was called',
    );
    assert.equal(auth.asked, 1, 'the plugin was asked once, for the first origin');
  });

  test('a POST with a body answered 307 by another origin: refused, nothing sent there', async () => {
    const { agent, session, calls } = mocked();
    agent
      .get('http://a.test')
      .intercept({ path: '/v3/auth/tokens', method: 'POST' })
      .reply(307, '', { headers: { location: 'http://b.test/v3/auth/tokens' } });
    await assert.rejects(
      session.request('http://a.test/v3/auth/tokens', {
        method: 'POST',
        json: { password: 'pw' },
        service: 'keystone',
      }),
      (err: unknown) => err instanceof RedirectRefusedError && /keystone \(POST http:\/\/a\.test/.test(err.message),
      'a RedirectRefusedError naming the call',
    );
    assert.deepEqual(
      calls().map((c) => c.origin),
      ['http://a.test'],
      'the body went to the first origin only',
    );
  });

  test('a POST answered 303 is followed by a GET without its body', async () => {
    const { agent, session, calls } = mocked();
    agent
      .get('http://a.test')
      .intercept({ path: '/create', method: 'POST' })
      .reply(303, '', { headers: { location: '/result' } });
    agent.get('http://a.test').intercept({ path: '/result', method: 'GET' }).reply(200, { done: true });
    assert.deepEqual(
      (await session.request('http://a.test/create', { method: 'post', json: { a: 1 } })).json(),
      {
        done: true,
      },
      'the GET after the 303 answered',
    );
    const [post, get] = calls();
    assert.equal(post!.method, 'POST', 'the first call was the POST');
    assert.equal(post!.body, '{"a":1}', 'with its body');
    assert.equal(get!.method, 'GET', 'the second was a GET');
    assert.equal(get!.headers!['content-type'], undefined, 'without a Content-Type');
  });

  test('a refused POST is resent (never sent); a reset POST is not (maybe processed)', async () => {
    const { agent, session, calls } = mocked();
    const pool = agent.get('http://a.test');
    pool
      .intercept({ path: '/refused', method: 'POST' })
      .replyWithError(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }));
    pool.intercept({ path: '/refused', method: 'POST' }).reply(201, {});
    assert.equal(
      (await session.request('http://a.test/refused', { method: 'POST', json: {} })).status,
      201,
      'a refused POST was never sent: resent, and answered 201',
    );
    assert.equal(calls().length, 2, 'the refused attempt and the resent one');
    pool
      .intercept({ path: '/reset', method: 'POST' })
      .replyWithError(Object.assign(new Error('reset'), { code: 'ECONNRESET' }));
    await assert.rejects(
      session.request('http://a.test/reset', { method: 'POST', json: {} }),
      ConnectionError,
      'a reset POST may have been processed: not resent, a ConnectionError',
    );
    assert.equal(calls().length, 3, 'one attempt only for the reset POST');
  });
});
