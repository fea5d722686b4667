// The global session against local test servers: pooling, each timeout, retry rules, redirects, TLS,
// request ids and redacted logs.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { defaultConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import {
  ConnectionError,
  RedirectRefusedError,
  ServerError,
  TimeoutError,
  TlsError,
  RequestAbortedError,
  UnauthorizedError,
} from '../../src/keystoneauth/errors.js';
import type { AuthPlugin } from '../../src/keystoneauth/plugin.js';
import { PasswordPlugin } from '../../src/keystoneauth/password.js';
import { RequestScope } from '../../src/common/request-scope.js';
import { Session } from '../../src/keystoneauth/session.js';
import { sessionOptionsFromConfig } from '../../src/keystoneauth/conf.js';
import { backoffMs, retryAfterMs } from '../../src/keystoneauth/retry.js';
import { serviceRoot, versionedUrl } from '../../src/keystoneauth/url.js';
import { captureLogger } from '../helpers/logs.js';
import { closedUrl, listen as listenOn } from '../helpers/net.js';

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

const servers: { close(): Promise<void> }[] = [];
after(() => Promise.all(servers.map((s) => s.close())));

async function listen(
  handler: Handler,
  server: http.Server | https.Server = http.createServer(),
): Promise<{ url: string; sockets: () => number; requests: http.IncomingMessage[] }> {
  const requests: http.IncomingMessage[] = [];
  let sockets = 0;
  server.on('connection', () => sockets++);
  server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    requests.push(req);
    handler(req, res);
  });
  const served = await listenOn(server);
  servers.push(served);
  return { url: served.url, sockets: () => sockets, requests };
}

function makeSession(overrides: Partial<Config['communication']> = {}, level = 'trace') {
  const capture = captureLogger(level);
  const scope = new RequestScope(capture.logger);
  const session = new Session(
    sessionOptionsFromConfig({ ...defaultConfig().communication, retry_delay: 0.01, ...overrides }),
    scope,
  );
  servers.push({ close: () => session.close() });
  return { session, scope, ...capture };
}

const json =
  (status: number, body: unknown, headers: Record<string, string> = {}): Handler =>
  (_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };

class StaticAuth implements AuthPlugin {
  invalidations = 0;
  constructor(
    public token: string,
    private readonly endpoint = 'http://127.0.0.1:9',
  ) {}
  async getHeaders() {
    return { 'X-Auth-Token': this.token };
  }
  async getEndpoint() {
    return this.endpoint;
  }
  invalidate() {
    this.invalidations++;
    this.token = `${this.token}-renewed`;
    return true;
  }
}

describe('url joining', () => {
  test('exactly one version segment', () => {
    assert.equal(
      versionedUrl('http://g:9292', 'v2', 'images'),
      'http://g:9292/v2/images',
      'an unversioned root gains /v2',
    );
    assert.equal(
      versionedUrl('http://g:9292/v2/', 'v2', '/images'),
      'http://g:9292/v2/images',
      'a versioned root keeps its one /v2, slashes normalised',
    );
    assert.equal(
      versionedUrl('http://k/identity/v3', 'v3', 'auth/tokens'),
      'http://k/identity/v3/auth/tokens',
      'a path prefix before /v3 stays',
    );
    assert.equal(
      serviceRoot('http://g:9292/v2', 'v2'),
      'http://g:9292',
      'the root of a versioned URL drops the version',
    );
    assert.equal(
      serviceRoot('http://g:9292/image', 'v2'),
      'http://g:9292/image',
      'an unversioned URL under a prefix is its own root',
    );
  });
});

describe('pooling', () => {
  test('sequential requests reuse one keep-alive connection', async () => {
    const server = await listen(json(200, { ok: true }));
    const { session } = makeSession();
    for (let i = 0; i < 50; i++)
      assert.equal((await session.request(server.url)).status, 200, `request ${i + 1} answered`);
    // undici may open a second socket while the first is being released; never one per request.
    assert.ok(server.sockets() <= 2, `${server.sockets()} connections for 50 requests`);
  });

  test('headers: User-Agent, Accept, JSON bodies; relative paths resolve through the plugin', async () => {
    const server = await listen(json(200, { ok: true }));
    const { session } = makeSession({ user_agent: 'probe/1.0' });
    const auth = new StaticAuth('tok', `${server.url}/base/`);
    const res = await session.request('things?x=1', {
      method: 'POST',
      json: { a: 1 },
      auth,
      endpointFilter: { serviceType: 'thing' },
    });
    assert.deepEqual(res.json(), { ok: true }, 'the answer of the POST');
    const req = server.requests.at(-1)!;
    assert.equal(req.url, '/base/things?x=1', "the plugin's endpoint with the relative path and query");
    assert.equal(req.headers['user-agent'], 'probe/1.0', 'the configured user agent');
    assert.equal(req.headers['content-type'], 'application/json', 'a JSON body is sent as application/json');
    assert.equal(req.headers['x-auth-token'], 'tok', "the plugin's token");
  });
});

describe('timeouts: every kind ends in a TimeoutError', () => {
  test('connect (a TLS server that never completes the handshake)', async () => {
    const silent = await listenOn(net.createServer(() => {}));
    servers.push(silent);
    const { session } = makeSession({ connect_timeout: 0.2, connect_retries: 0 });
    await assert.rejects(
      session.request(`https://127.0.0.1:${silent.port}/`),
      TimeoutError,
      'a TLS handshake that never completes ends in the connect timeout',
    );
  });

  test('headers', async () => {
    const server = await listen(() => {});
    const { session } = makeSession({ headers_timeout: 0.2 });
    // The message names the timer that fired: the headers timeout, not the 30 s overall deadline. No stopwatch.
    await assert.rejects(
      session.request(server.url),
      (err: Error) => err instanceof TimeoutError && /stalled \(UND_ERR_HEADERS_TIMEOUT\)/.test(err.message),
      'the headers timeout ends a call whose answer never starts',
    );
  });

  test('body (headers sent, then silence)', async () => {
    const server = await listen((_req, res) => {
      res.writeHead(200);
      res.write('{"partial":');
    });
    const { session } = makeSession({ body_timeout: 0.2 });
    await assert.rejects(
      session.request(server.url),
      TimeoutError,
      'a body that stops arriving ends in the body timeout',
    );
  });

  test('overall deadline, even while data trickles in', async () => {
    const server = await listen((_req, res) => {
      res.writeHead(200);
      const timer = setInterval(() => res.write(' '), 50);
      res.on('close', () => clearInterval(timer));
    });
    const { session } = makeSession({ timeout: 0.4, body_timeout: 5 });
    // The message names the timer that fired: the 400 ms deadline, not the body timeout. No stopwatch.
    await assert.rejects(
      session.request(server.url),
      (err: Error) => err instanceof TimeoutError && /did not answer within 400 ms/.test(err.message),
      'the overall deadline ends a call whose body trickles in',
    );
  });

  test("the caller's AbortSignal is honoured as an abort, not a timeout", async () => {
    const server = await listen(() => {});
    const { session } = makeSession();
    const controller = new AbortController();
    const pending = session.request(server.url, { signal: controller.signal });
    setImmediate(() => controller.abort());
    await assert.rejects(pending, RequestAbortedError, "the caller's abort is an abort, not a timeout");
  });
});

describe('retries', () => {
  test('a 503 to a GET is retried; a 503 to a POST is not', async () => {
    let calls = 0;
    const server = await listen((req, res) => {
      calls++;
      json(calls % 2 === 1 ? 503 : 200, {})(req, res);
    });
    const { session } = makeSession({ status_code_retries: 1 });
    assert.equal((await session.request(server.url)).status, 200, 'the GET answered 503 is retried and answers 200');
    assert.equal(calls, 2, 'the 503 and the retry');
    calls = 0;
    await assert.rejects(
      session.request(server.url, { method: 'POST', json: {} }),
      ServerError,
      'a POST answered 503 is not retried: ServerError',
    );
    assert.equal(calls, 1, 'the POST was sent once');
  });

  test('retries give up after status_code_retries', async () => {
    let calls = 0;
    const server = await listen((req, res) => {
      calls++;
      json(503, {})(req, res);
    });
    const { session } = makeSession({ status_code_retries: 2 });
    await assert.rejects(
      session.request(server.url),
      (e: ServerError) => e.status === 503,
      'after the retries the 503 is a ServerError',
    );
    assert.equal(calls, 3, 'the first call and two retries');
  });

  test('Retry-After is honoured, capped by max_retry_delay', async () => {
    let calls = 0;
    const server = await listen((req, res) => {
      calls++;
      json(calls === 1 ? 503 : 200, {}, calls === 1 ? { 'retry-after': '1' } : {})(req, res);
    });
    const { session, lines } = makeSession({ status_code_retries: 1, max_retry_delay: 0.3 });
    await session.request(server.url);
    assert.equal(calls, 2, 'the 503 and one retry');
    // The wait the session chose (not a wall-clock window): Retry-After's 1 s, capped at 0.3 s.
    assert.deepEqual(
      lines.filter((l) => l.msg === 'retrying upstream request').map((l) => l.wait_ms),
      [300],
      "Retry-After's 1 s, capped at max_retry_delay 0.3 s",
    );
  });

  test('a refused connection is retried for any method (it was never sent)', async () => {
    const { session, lines } = makeSession({ connect_retries: 2 });
    await assert.rejects(
      session.request(await closedUrl('/'), { method: 'POST', json: {} }),
      ConnectionError,
      'refused every time: a ConnectionError after the retries',
    );
    assert.equal(
      lines.filter((l) => l.msg === 'retrying upstream request').length,
      2,
      'two retries, for a POST too, since it was never sent',
    );
  });

  test('a POST whose connection dies after sending is not retried', async () => {
    let calls = 0;
    const server = await listen((req) => {
      calls++;
      req.socket.destroy();
    });
    const { session } = makeSession({ connect_retries: 3 });
    await assert.rejects(
      session.request(server.url, { method: 'POST', json: {} }),
      ConnectionError,
      'a POST whose connection dies after sending: ConnectionError, not resent',
    );
    assert.equal(calls, 1, 'the POST was sent once');
    calls = 0;
    await assert.rejects(
      session.request(server.url),
      ConnectionError,
      'a GET whose connection dies is retried, then a ConnectionError',
    );
    assert.equal(calls, 4, 'an idempotent GET is retried');
  });

  test('backoff is exponential with full jitter and capped', () => {
    assert.equal(
      backoffMs(0, 100, 2000, () => 1),
      100,
      'first retry: the base delay',
    );
    assert.equal(
      backoffMs(3, 100, 2000, () => 1),
      800,
      'fourth: doubled three times',
    );
    assert.equal(
      backoffMs(10, 100, 2000, () => 1),
      2000,
      'capped at max_retry_delay',
    );
    assert.equal(
      backoffMs(10, 100, 2000, () => 0),
      0,
      'full jitter: as little as 0',
    );
    assert.equal(retryAfterMs('2'), 2000, 'Retry-After in seconds');
    assert.equal(
      retryAfterMs(new Date(Date.now() + 5000).toUTCString(), Date.now()) !== undefined,
      true,
      'Retry-After as an HTTP date in the future',
    );
    assert.equal(retryAfterMs('soon'), undefined, 'a Retry-After that is neither: ignored');
  });

  test('a 401 makes the plugin invalidate and retries once with the new token', async () => {
    const server = await listen((req, res) =>
      json(req.headers['x-auth-token'] === 'old-renewed' ? 200 : 401, {})(req, res),
    );
    const { session } = makeSession();
    const auth = new StaticAuth('old');
    assert.equal((await session.request(server.url, { auth })).status, 200, 'after the 401 the renewed token passes');
    assert.equal(auth.invalidations, 1, 'the plugin was invalidated once');
    const stubborn = await listen(json(401, {}));
    await assert.rejects(
      session.request(stubborn.url, { auth: new StaticAuth('x') }),
      UnauthorizedError,
      'a 401 again after the renewal: UnauthorizedError, no loop',
    );
  });
});

describe('redirects', () => {
  test('same origin keeps the token; a redirect to another origin is refused, whatever the method', async () => {
    const other = await listen(json(200, { where: 'other' }));
    const origin = await listen((req, res) => {
      if (req.url === '/same') return json(200, { where: 'same' })(req, res);
      const target = {
        '/to-same': '/same',
        '/to-other': `http://localhost:${new URL(other.url).port}/landing`,
        '/to-https': `${origin.url.replace(/^http:/, 'https:')}/same`,
        '/to-port': `http://127.0.0.1:${new URL(other.url).port}/same`,
      }[req.url ?? ''];
      res.writeHead(302, { location: target ?? '/same' });
      res.end();
    });
    const { session } = makeSession();
    const auth = new StaticAuth('secret-token');
    const same = await session.request(`${origin.url}/to-same`, { auth, headers: { 'X-Subject-Token': 'subject' } });
    assert.deepEqual(same.json(), { where: 'same' }, 'the same-origin redirect answered');
    assert.equal(
      origin.requests.at(-1)!.headers['x-auth-token'],
      'secret-token',
      'same origin: the token followed the redirect',
    );
    for (const [path, what] of [
      ['/to-other', 'another host'],
      ['/to-https', 'another scheme'],
      ['/to-port', 'another port'],
    ] as const) {
      for (const method of ['GET', 'HEAD', 'DELETE']) {
        await assert.rejects(
          session.request(`${origin.url}${path}`, {
            method,
            auth,
            headers: { 'X-Subject-Token': 'subject', 'X-Service-Token': 'svc' },
          }),
          (err: unknown) => err instanceof RedirectRefusedError && err.status === 302 && err.method === method,
          `${method} redirected to ${what}: a RedirectRefusedError`,
        );
      }
    }
    assert.equal(other.requests.length, 0, 'the other origin never got a request, with or without a token');
  });

  /**
   * A Keystone that redirects the paths in `redirects` (path -> [status, Location]) and issues a token to
   * whoever posts anywhere else, recording each body it read.
   */
  async function keystone(redirects: Record<string, [number, string]> = {}) {
    const bodies: string[] = [];
    const server = await listen((req, res) => {
      const redirect = redirects[req.url ?? ''];
      if (redirect) {
        res.writeHead(redirect[0], { location: redirect[1] });
        res.end();
        return;
      }
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (d: string) => (body += d));
      req.on('end', () => {
        bodies.push(body);
        const token = { user: { id: 'u', name: 'image-names' }, expires_at: '2100-01-01T00:00:00Z', catalog: [] };
        json(201, { token }, { 'x-subject-token': 'service-token' })(req, res);
      });
    });
    return { ...server, bodies };
  }
  const credentials = (authUrl: string) => ({
    authUrl,
    username: 'image-names',
    password: 'the-service-password',
    userDomainName: 'Default',
    projectName: 'service',
    projectDomainName: 'Default',
  });

  test("the service user's password never follows a 307 or 308 to another origin", async () => {
    const elsewhere = await keystone();
    const target = `${elsewhere.url}/v3/auth/tokens`;
    const front = await keystone({ '/307/v3/auth/tokens': [307, target], '/308/v3/auth/tokens': [308, target] });
    const { session, raw } = makeSession({}, 'trace');
    for (const status of [307, 308]) {
      const plugin = new PasswordPlugin(credentials(`${front.url}/${status}/v3`));
      await assert.rejects(
        plugin.getAccess(session),
        (err: unknown) =>
          err instanceof RedirectRefusedError &&
          err.status === status &&
          /never sent to another origin/.test(err.message),
        `${status}: a RedirectRefusedError that says why`,
      );
    }
    assert.equal(front.requests.length, 2, 'each authentication reached the configured origin once');
    assert.equal(elsewhere.requests.length, 0, 'the other origin never got a request, so never the password');
    assert.ok(!raw.join('\n').includes('the-service-password'), 'the password is in no log line');
  });

  test('a redirect on the same origin keeps working: the body follows it', async () => {
    const server = await keystone({ '/v3/auth/tokens': [307, '/moved/v3/auth/tokens'] });
    const { session } = makeSession();
    const access = await new PasswordPlugin(credentials(`${server.url}/v3`)).getAccess(session);
    assert.equal(access.authToken, 'service-token', 'authenticated through the same-origin redirect');
    assert.deepEqual(
      server.requests.map((r) => `${r.method} ${r.url}`),
      ['POST /v3/auth/tokens', 'POST /moved/v3/auth/tokens'],
      'the redirect, then its target on the same origin, both POSTs',
    );
    assert.match(server.bodies[0]!, /the-service-password/, 'the body (with the password) followed it');
  });

  test('a redirect loop stops at max_redirects', async () => {
    const server = await listen((_req, res) => {
      res.writeHead(302, { location: '/again' });
      res.end();
    });
    const { session } = makeSession({ max_redirects: 3 });
    const res = await session.request(server.url, { raiseExc: false });
    assert.equal(res.status, 302, 'the last redirect is returned as it is');
    assert.equal(server.requests.length, 4, 'the first request and three redirects');
  });
});

describe('TLS', () => {
  let dir: string;
  let server: { url: string };
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tls-'));
    const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
    run(
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      'ca.key',
      '-out',
      'ca.pem',
      '-days',
      '2',
      '-subj',
      '/CN=test-ca',
    );
    run(
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      'server.key',
      '-out',
      'server.csr',
      '-subj',
      '/CN=127.0.0.1',
    );
    fs.writeFileSync(path.join(dir, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1\n');
    run(
      'x509',
      '-req',
      '-in',
      'server.csr',
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      'server.pem',
      '-days',
      '2',
      '-extfile',
      'ext.cnf',
    );
    server = await listen(
      json(200, { tls: true }),
      https.createServer({
        key: fs.readFileSync(path.join(dir, 'server.key')),
        cert: fs.readFileSync(path.join(dir, 'server.pem')),
      }),
    );
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('a self-signed CA via cafile', async () => {
    const { session } = makeSession({ cafile: path.join(dir, 'ca.pem') });
    assert.deepEqual((await session.request(server.url)).json(), { tls: true }, 'trusted through cafile');
  });
  test('without the CA: a TlsError, not retried', async () => {
    const { session } = makeSession();
    await assert.rejects(session.request(server.url), TlsError, 'an unknown CA: TlsError');
  });
  test('insecure skips verification', async () => {
    const { session } = makeSession({ insecure: true });
    assert.equal((await session.request(server.url)).status, 200, 'insecure: the certificate is not checked');
  });
});

describe('request ids and logs', () => {
  test('the current request id is sent upstream; tokens are logged only as {SHA256}', async () => {
    const server = await listen(json(200, {}));
    const { session, scope, logger, raw } = makeSession();
    const id = 'req-11111111-2222-4333-8444-555555555555';
    await scope.run({ requestId: id, log: logger.child({ request_id: id }) }, () =>
      session.request(`${server.url}/x?marker=abc`, {
        auth: new StaticAuth('super-secret-token'),
        headers: { 'X-Subject-Token': 'subject-secret' },
      }),
    );
    assert.equal(
      server.requests.at(-1)!.headers['x-openstack-request-id'],
      id,
      'the current request id is sent upstream as X-OpenStack-Request-ID',
    );
    const global = 'req-99999999-2222-4333-8444-555555555555';
    await scope.run({ requestId: id, globalRequestId: global, log: logger }, () => session.request(server.url));
    assert.equal(
      server.requests.at(-1)!.headers['x-openstack-request-id'],
      global,
      "the caller's global request id, when there is one, is sent instead (oslo.context's global_id)",
    );
    const all = raw.join('\n');
    assert.doesNotMatch(all, /super-secret-token|subject-secret/, 'no token in the logs');
    assert.match(all, /\{SHA256\}[0-9a-f]{64}/, 'tokens appear in the logs as {SHA256}<hex>');
    assert.doesNotMatch(all, /marker=abc/, 'query strings stay out of logs');
    const line = JSON.parse(raw.find((l) => l.includes('"upstream request"'))!);
    assert.equal(line.request_id, id, 'the upstream line carries the request id');
    assert.equal(line.upstream.status, 200, 'and the upstream status');
  });

  test('collect_timing', async () => {
    const server = await listen(json(200, {}));
    const capture = captureLogger('silent');
    const session = new Session(
      { ...sessionOptionsFromConfig(defaultConfig().communication), collectTiming: true },
      new RequestScope(capture.logger),
    );
    servers.push({ close: () => session.close() });
    await session.request(server.url);
    await session.request(server.url, { method: 'HEAD' });
    assert.deepEqual(
      session.getTimings().map((t) => [t.method, t.status]),
      [
        ['GET', 200],
        ['HEAD', 200],
      ],
      'each request timed, in order',
    );
    session.resetTimings();
    assert.equal(session.getTimings().length, 0, 'resetTimings empties the list');
  });

  test('an oversized response is refused', async () => {
    const server = await listen((_req, res) => res.end('x'.repeat(10_000)));
    const { session } = makeSession({ max_response_bytes: 1000 });
    await assert.rejects(
      session.request(server.url),
      /larger than 1000 bytes/,
      'a body over max_response_bytes is refused',
    );
  });
});
