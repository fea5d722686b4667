import type { AttemptState } from '../../src/keystoneauth/attempt.js';

/** One call's state for unit tests of the session's steps: a GET to Glance, nothing left to spend. */
export function attemptState(overrides: Partial<AttemptState> = {}): AttemptState {
  return {
    service: 'glance',
    deadline: { timeoutMs: 1000, signal: new AbortController().signal, passed: false },
    callerSignal: undefined,
    started: 0,
    headers: {},
    requestedMethod: 'GET',
    method: 'GET',
    url: new URL('http://glance.test:9292/v2/images?marker=secret-marker'),
    body: undefined,
    attempt: 0,
    retriesLeft: { connect: 0, status: 0, redirects: 0, reauth: 0 },
    span: undefined,
    attemptStartedAt: 0,
    ...overrides,
  };
}
