// Retry decisions without a network: what may be resent or retried, and how long to wait.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isIdempotent, mayResend, mayRetryStatus, retryWaitMs, type RetryWait } from '../../src/keystoneauth/retry.js';

test('idempotent methods, in any case', () => {
  for (const method of ['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE', 'get'])
    assert.equal(isIdempotent(method), true, method);
  for (const method of ['POST', 'PATCH']) assert.equal(isIdempotent(method), false, method);
});

test('a failed dispatch is resent when it never left, or when resending is harmless', () => {
  const table: [connectionFailed: boolean, neverSent: boolean, method: string, expected: boolean][] = [
    [true, true, 'POST', true],
    [true, false, 'POST', false],
    [true, false, 'GET', true],
    [true, true, 'GET', true],
    [false, true, 'GET', false],
    [false, false, 'GET', false],
  ];
  for (const [connectionFailed, neverSent, method, expected] of table) {
    assert.equal(
      mayResend({ connectionFailed, neverSent }, method),
      expected,
      `${connectionFailed} ${neverSent} ${method}`,
    );
  }
});

test('a status is retried when listed, for idempotent methods only', () => {
  assert.equal(mayRetryStatus(503, 'GET', [503]), true, 'a listed status to a GET is retried');
  assert.equal(mayRetryStatus(503, 'POST', [503]), false, 'never a POST: it may have been processed');
  assert.equal(mayRetryStatus(500, 'GET', [503]), false, 'an unlisted status is not retried');
  assert.equal(mayRetryStatus(429, 'PUT', [429, 503]), true, 'a PUT is idempotent: retried');
});

test('the wait: Retry-After or jittered backoff, capped, and never up to the deadline', () => {
  const w = (overrides: Partial<RetryWait>): RetryWait => ({
    attempt: 0,
    retryAfterMs: undefined,
    baseMs: 100,
    capMs: 2000,
    elapsedMs: 0,
    timeoutMs: 30_000,
    ...overrides,
  });
  const max = () => 1;
  assert.equal(retryWaitMs(w({ attempt: 0 }), max), 100, 'first retry: the base delay');
  assert.equal(retryWaitMs(w({ attempt: 3 }), max), 800, 'fourth: doubled three times');
  assert.equal(retryWaitMs(w({ attempt: 10 }), max), 2000, 'capped at max_retry_delay');
  assert.equal(
    retryWaitMs(w({ attempt: 3 }), () => 0.5),
    400,
    'jitter scales the backoff',
  );
  // Retry-After replaces the backoff (no jitter), within max_retry_delay.
  assert.equal(
    retryWaitMs(w({ retryAfterMs: 1000 }), () => 0),
    1000,
    'Retry-After replaces the backoff, without jitter',
  );
  assert.equal(retryWaitMs(w({ retryAfterMs: 60_000 }), max), 2000, 'Retry-After is capped at max_retry_delay');
  assert.equal(retryWaitMs(w({ retryAfterMs: 0 }), max), 0, 'Retry-After 0 retries at once');
  // A wait that reaches the deadline is pointless: undefined, and the caller gives up.
  assert.equal(
    retryWaitMs(w({ elapsedMs: 29_000, retryAfterMs: 999 }), max),
    999,
    'a wait that ends before the deadline is kept',
  );
  assert.equal(
    retryWaitMs(w({ elapsedMs: 29_000, retryAfterMs: 1000 }), max),
    undefined,
    'a wait that reaches the deadline is pointless: no retry',
  );
  assert.equal(retryWaitMs(w({ elapsedMs: 30_000, retryAfterMs: 0 }), max), undefined, 'past the deadline: no retry');
});
