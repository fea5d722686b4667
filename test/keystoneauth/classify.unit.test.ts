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
        assert.equal(error.constructor, expected);
        assert.match(error.message, message);
        assert.equal(error.cause, err);
      }
    });
  }

  test('without a code: the message, else "unknown error"', () => {
    assert.match(classify(new Error('boom'), context()).message, /failed \(boom\)$/);
    assert.match(classify(null, context()).message, /failed \(unknown error\)$/);
    assert.match(classify({ code: 42 }, context()).message, /failed \(unknown error\)$/);
  });

  test('details: method, service, and the URL without userinfo or query', () => {
    const error = classify(nodeError('ECONNRESET'), context({ method: 'POST' }));
    assert.equal(error.method, 'POST');
    assert.equal(error.service, 'glance');
    assert.equal(error.url, 'http://glance.test:9292/v2/images');
    assert.doesNotMatch(error.message, /secret|pw@/);
  });

  test('the deadline wins over any code, then the caller abort', () => {
    const abortedCaller = AbortSignal.abort();
    const late = classify(
      nodeError('ECONNREFUSED'),
      context({ deadline: { timeoutMs: 500, passed: true }, callerSignal: abortedCaller }),
    );
    assert.ok(late instanceof TimeoutError);
    assert.match(late.message, /did not answer within 500 ms/);
    const aborted = classify(nodeError('ECONNREFUSED'), context({ callerSignal: abortedCaller }));
    assert.ok(aborted instanceof RequestAbortedError);
    assert.match(aborted.message, /aborted by the caller/);
    assert.ok(
      classify(nodeError('ECONNREFUSED'), context({ callerSignal: new AbortController().signal })) instanceof
        ConnectionError,
    );
  });

  test('an UpstreamError is passed through as it is', () => {
    const own = new NotFoundError('gone', { status: 404 });
    assert.equal(classify(own, context({ deadline: { timeoutMs: 1, passed: true } })), own);
  });
});

describe('never sent, and connection failures', () => {
  test('errorCode reads the error or its cause', () => {
    assert.equal(errorCode(nodeError('EPIPE')), 'EPIPE');
    assert.equal(errorCode(undiciError('EPIPE')), 'EPIPE');
    assert.equal(errorCode(new Error('x')), undefined);
    assert.equal(errorCode(undefined), undefined);
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
    assert.equal(wasNeverSent(new Error('no code')), false);
  });

  test('connect_retries applies to connection failures and connect timeouts only', () => {
    const failed = (err: unknown, overrides: Partial<FailureContext> = {}) =>
      classifyDispatchFailure(err, context(overrides));
    assert.deepEqual(pick(failed(nodeError('ECONNREFUSED'))), { neverSent: true, connectionFailed: true });
    assert.deepEqual(pick(failed(nodeError('ECONNRESET'))), { neverSent: false, connectionFailed: true });
    assert.deepEqual(pick(failed(nodeError('UND_ERR_CONNECT_TIMEOUT'))), { neverSent: true, connectionFailed: true });
    assert.deepEqual(pick(failed(nodeError('UND_ERR_HEADERS_TIMEOUT'))), { neverSent: false, connectionFailed: false });
    assert.deepEqual(pick(failed(nodeError('DEPTH_ZERO_SELF_SIGNED_CERT'))), {
      neverSent: false,
      connectionFailed: false,
    });
    // Refused, but the deadline or the caller ended the call: a timeout or an abort, never resent.
    assert.deepEqual(pick(failed(nodeError('ECONNREFUSED'), { deadline: { timeoutMs: 1, passed: true } })), {
      neverSent: true,
      connectionFailed: false,
    });
    assert.deepEqual(pick(failed(nodeError('ECONNREFUSED'), { callerSignal: AbortSignal.abort() })), {
      neverSent: true,
      connectionFailed: false,
    });
  });
});

function pick(failure: { neverSent: boolean; connectionFailed: boolean }) {
  return { neverSent: failure.neverSent, connectionFailed: failure.connectionFailed };
}
