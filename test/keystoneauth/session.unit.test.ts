// Session.abandon without a network: every call in flight ends at once with a SessionAbandonedError, whatever it
// waits for (an answer that never comes, a backoff), and so does every call made afterwards.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Dispatcher } from 'undici';
import { RequestScope } from '../../src/common/request-scope.js';
import { createLogger } from '../../src/common/logger.js';
import { SessionAbandonedError } from '../../src/keystoneauth/errors.js';
import { Session, type SessionOptions } from '../../src/keystoneauth/session.js';

const options: SessionOptions = {
  // Far beyond the test: only abandon() can end these calls.
  timeoutMs: 600_000,
  connectTimeoutMs: 600_000,
  headersTimeoutMs: 600_000,
  bodyTimeoutMs: 600_000,
  connectionsPerOrigin: 4,
  keepAliveTimeoutMs: 1000,
  connectRetries: 3,
  statusCodeRetries: 3,
  retriableStatusCodes: [503],
  retryDelayMs: 300_000,
  maxRetryDelayMs: 300_000,
  maxRedirects: 5,
  maxResponseBytes: 1024,
  userAgent: 'probe/1.0',
  tls: { rejectUnauthorized: true },
};

/** A dispatcher whose calls never answer (they end when their signal aborts), or fail as refused. */
function dispatcher(mode: 'hang' | 'refuse') {
  let calls = 0;
  const d = {
    request(opts: Dispatcher.RequestOptions): Promise<Dispatcher.ResponseData> {
      calls++;
      const signal = opts.signal as AbortSignal;
      if (mode === 'refuse') return Promise.reject(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }));
      return new Promise((_resolve, reject) => {
        const end = () => reject(Object.assign(new Error('aborted'), { name: 'AbortError' }));
        if (signal.aborted) end();
        else signal.addEventListener('abort', end, { once: true });
      });
    },
    close: async () => undefined,
  };
  return { d: d as unknown as Dispatcher, calls: () => calls };
}

const session = (d: Dispatcher) => new Session(options, new RequestScope(createLogger({ level: 'silent' })), d);
const abandonedError = (err: unknown) =>
  err instanceof SessionAbandonedError &&
  /keystone \(GET http:\/\/k\.test\/v3\/auth\/tokens\) abandoned/.test(err.message);

test('calls waiting for an answer end with a SessionAbandonedError when the session is abandoned', async () => {
  const { d, calls } = dispatcher('hang');
  const s = session(d);
  const pending = [1, 2, 3].map(() => s.request('http://k.test/v3/auth/tokens?x=1', { service: 'keystone' }));
  // Until all three wait at the dispatcher (a few turns of the event loop, no clock).
  while (calls() < 3) await new Promise((resolve) => setImmediate(resolve));
  assert.equal(s.abandoned, false, 'not abandoned yet');
  s.abandon();
  assert.equal(s.abandoned, true, 'abandoned');
  for (const call of pending) await assert.rejects(call, abandonedError, 'each call in flight: abandoned, named');
  assert.equal(calls(), 3, 'none was sent again');
});

test('a call waiting in a backoff ends too; a call made afterwards is never sent', async () => {
  const { d, calls } = dispatcher('refuse');
  const s = session(d);
  // Refused: retried after a 300 s backoff, which abandon() cuts short.
  const backingOff = s.request('http://k.test/v3/auth/tokens', { service: 'keystone' });
  while (calls() < 1) await new Promise((resolve) => setImmediate(resolve));
  await new Promise((resolve) => setImmediate(resolve));
  s.abandon();
  await assert.rejects(backingOff, abandonedError, 'the call in its backoff: abandoned');
  const sentBefore = calls();
  await assert.rejects(
    s.request('http://k.test/v3/auth/tokens', { service: 'keystone' }),
    abandonedError,
    'a call after abandon(): abandoned at once',
  );
  assert.equal(calls(), sentBefore, 'a call after abandon() is never sent');
});
