// Failure classification without a network: each undici/Node code maps to one of keystoneauth's exceptions,
// the deadline and the caller's abort win over the code, and "never sent" is told apart from "maybe sent".
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  classify,
  classifyDispatchFailure,
  errorCode,
  wasNeverSent,
  type FailureContext,
} from '../../src/keystoneauth/classify.js';
import {
  ConnectionError,
  NotFoundError,
  RequestAbortedError,
  SessionAbandonedError,
  TimeoutError,
  TlsError,
  type UpstreamError,
} from '../../src/keystoneauth/errors.js';

function context(overrides: Partial<FailureContext> = {}): FailureContext {
  return {
    service: 'glance',
    method: 'GET',
    url: new URL('http://user:pw@glance.test:9292/v2/images?marker=secret'),
    deadline: { timeoutMs: 500, passed: false },
    callerSignal: undefined,
    ...overrides,
  };
}

/** An error shaped like Node's (code on the error) or undici's (code on its cause). */
const nodeError = (code: string) => Object.assign(new Error(`node says ${code}`), { code });
const undiciError = (code: string) => new TypeError('fetch failed', { cause: nodeError(code) });

describe('classify', () => {
  const table: [code: string, expected: typeof UpstreamError, message: RegExp][] = [
    [
      'ECONNREFUSED',
      ConnectionError,
      /^cannot reach glance \(GET http:\/\/glance\.test:9292\/v2\/images\) \(ECONNREFUSED\)$/,
    ],
    ['ENOTFOUND', ConnectionError, /cannot reach/],
    ['EAI_AGAIN', ConnectionError, /cannot reach/],
    ['EHOSTUNREACH', ConnectionError, /cannot reach/],
    ['ENETUNREACH', ConnectionError, /cannot reach/],
    ['ECONNRESET', ConnectionError, /cannot reach/],
    ['EPIPE', ConnectionError, /cannot reach/],
    ['ECONNABORTED', ConnectionError, /cannot reach/],
    ['UND_ERR_SOCKET', ConnectionError, /cannot reach/],
    ['UND_ERR_CLOSED', ConnectionError, /cannot reach/],
    ['UND_ERR_CONNECT_TIMEOUT', TimeoutError, /^connecting to glance \(GET .*\) timed out$/],
    ['UND_ERR_HEADERS_TIMEOUT', TimeoutError, /stalled \(UND_ERR_HEADERS_TIMEOUT\)/],
    ['UND_ERR_BODY_TIMEOUT', TimeoutError, /stalled \(UND_ERR_BODY_TIMEOUT\)/],
    ['DEPTH_ZERO_SELF_SIGNED_CERT', TlsError, /^TLS with glance .* failed \(DEPTH_ZERO_SELF_SIGNED_CERT\)$/],
    ['SELF_SIGNED_CERT_IN_CHAIN', TlsError, /TLS/],
    ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', TlsError, /TLS/],
    ['CERT_HAS_EXPIRED', TlsError, /TLS/],
    ['ERR_TLS_CERT_ALTNAME_INVALID', TlsError, /TLS/],
    ['ERR_SSL_WRONG_VERSION_NUMBER', TlsError, /TLS/],
    ['EPROTO', TlsError, /TLS/],
    ['UND_ERR_INVALID_ARG', ConnectionError, /^request to glance \(GET .*\) failed \(UND_ERR_INVALID_ARG\)$/],
  ];
  for (const [code, expected, message] of table) {
    test(`${code} -> ${expected.name}`, () => {
      for (const err of [nodeError(code), undiciError(code)]) {
        const error = classify(err, context());
        assert.equal(error.constructor, expected, `${code} (${err.constructor.name}): a ${expected.name}`);
        assert.match(error.message, message, `${code}: the message names the service, the call and the code`);
        assert.equal(error.cause, err, `${code}: the original error is kept as the cause`);
      }
    });
  }

  test('without a code: the message, else "unknown error"', () => {
    assert.match(
      classify(new Error('boom'), context()).message,
      /failed \(boom\)$/,
      "no code: the error's own message",
    );
    assert.match(classify(null, context()).message, /failed \(unknown error\)$/, 'null: unknown error');
    assert.match(
      classify({ code: 42 }, context()).message,
      /failed \(unknown error\)$/,
      'a code that is not a string: unknown error',
    );
  });

  test('details: method, service, and the URL without userinfo or query', () => {
    const error = classify(nodeError('ECONNRESET'), context({ method: 'POST' }));
    assert.equal(error.method, 'POST', 'the method of the call');
    assert.equal(error.service, 'glance', 'the service of the call');
    assert.equal(error.url, 'http://glance.test:9292/v2/images', 'the URL without userinfo or query');
    assert.doesNotMatch(error.message, /secret|pw@/, 'no password or query value in the message');
  });

  test('the deadline wins over any code, then the caller abort', () => {
    const abortedCaller = AbortSignal.abort();
    const late = classify(
      nodeError('ECONNREFUSED'),
      context({ deadline: { timeoutMs: 500, passed: true }, callerSignal: abortedCaller }),
    );
    assert.ok(late instanceof TimeoutError, "the deadline passed: a timeout, whatever the code and the caller's abort");
    assert.match(late.message, /did not answer within 500 ms/, 'the message names the deadline');
    const aborted = classify(nodeError('ECONNREFUSED'), context({ callerSignal: abortedCaller }));
    assert.ok(aborted instanceof RequestAbortedError, 'the caller aborted (deadline not passed): an abort');
    assert.match(aborted.message, /aborted by the caller/, 'the message says the caller aborted');
    assert.ok(
      classify(nodeError('ECONNREFUSED'), context({ callerSignal: new AbortController().signal })) instanceof
        ConnectionError,
      "a caller's signal that did not abort changes nothing: the code decides",
    );
  });

  test("the session's abandonment (shutdown) wins over the deadline, the caller's abort and the code", () => {
    const abandoned = classify(
      nodeError('ECONNRESET'),
      context({ deadline: { timeoutMs: 500, passed: true, abandoned: true }, callerSignal: AbortSignal.abort() }),
    );
    assert.ok(abandoned instanceof SessionAbandonedError, 'abandoned: neither a timeout nor an abort by the caller');
    assert.equal(abandoned.code, 'shutting_down', 'a stable code');
    assert.match(abandoned.message, /abandoned: the service is shutting down/, 'the message says why');
  });

  test('an UpstreamError is passed through as it is', () => {
    const own = new NotFoundError('gone', { status: 404 });
    assert.equal(
      classify(own, context({ deadline: { timeoutMs: 1, passed: true } })),
      own,
      'an UpstreamError already classified is returned as it is',
    );
  });
});

describe('never sent, and connection failures', () => {
  test('errorCode reads the error or its cause', () => {
    assert.equal(errorCode(nodeError('EPIPE')), 'EPIPE', 'the code on the error');
    assert.equal(errorCode(undiciError('EPIPE')), 'EPIPE', 'the code on the cause, as undici wraps it');
    assert.equal(errorCode(new Error('x')), undefined, 'no code');
    assert.equal(errorCode(undefined), undefined, 'nothing at all');
  });

  test('only failures before the first byte are "never sent"', () => {
    for (const code of [
      'ECONNREFUSED',
      'ENOTFOUND',
      'EAI_AGAIN',
      'EHOSTUNREACH',
      'ENETUNREACH',
      'UND_ERR_CONNECT_TIMEOUT',
    ]) {
      assert.equal(wasNeverSent(undiciError(code)), true, code);
    }
    for (const code of [
      'ECONNRESET',
      'EPIPE',
      'UND_ERR_SOCKET',
      'UND_ERR_CLOSED',
      'UND_ERR_HEADERS_TIMEOUT',
      'EPROTO',
    ]) {
      assert.equal(wasNeverSent(undiciError(code)), false, code);
    }
    assert.equal(
      wasNeverSent(new Error('no code')),
      false,
      'no code: not known to be unsent, so never resent as unsent',
    );
  });

  test('connect_retries applies to connection failures and connect timeouts only', () => {
    const failed = (err: unknown, overrides: Partial<FailureContext> = {}) =>
      classifyDispatchFailure(err, context(overrides));
    assert.deepEqual(
      pick(failed(nodeError('ECONNREFUSED'))),
      { neverSent: true, connectionFailed: true },
      'refused: never sent, a connection failure',
    );
    assert.deepEqual(
      pick(failed(nodeError('ECONNRESET'))),
      { neverSent: false, connectionFailed: true },
      'reset: maybe sent, a connection failure (resent only if idempotent)',
    );
    assert.deepEqual(
      pick(failed(nodeError('UND_ERR_CONNECT_TIMEOUT'))),
      { neverSent: true, connectionFailed: true },
      'connect timeout: never sent, a connection failure',
    );
    assert.deepEqual(
      pick(failed(nodeError('UND_ERR_HEADERS_TIMEOUT'))),
      { neverSent: false, connectionFailed: false },
      'headers timeout: sent, not a connection failure',
    );
    assert.deepEqual(
      pick(failed(nodeError('DEPTH_ZERO_SELF_SIGNED_CERT'))),
      {
        neverSent: false,
        connectionFailed: false,
      },
      'a TLS failure: not retried',
    );
    // Refused, but the deadline or the caller ended the call: a timeout or an abort, never resent.
    assert.deepEqual(
      pick(failed(nodeError('ECONNREFUSED'), { deadline: { timeoutMs: 1, passed: true } })),
      {
        neverSent: true,
        connectionFailed: false,
      },
      'refused after the deadline: a timeout, not retried',
    );
    assert.deepEqual(
      pick(failed(nodeError('ECONNREFUSED'), { callerSignal: AbortSignal.abort() })),
      {
        neverSent: true,
        connectionFailed: false,
      },
      "refused after the caller's abort: not retried",
    );
  });
});

function pick(failure: { neverSent: boolean; connectionFailed: boolean }) {
  return { neverSent: failure.neverSent, connectionFailed: failure.connectionFailed };
}
