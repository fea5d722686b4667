// One call's attempt: its headers (the call's, then the plugin's; a redirect never leaves the first origin), whether it sends a body, undici's options and the context a failure is classified in.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { attemptHeaders, dispatchOptions, failureContext, sendsBody } from '../../src/keystoneauth/attempt.js';
import { attemptState } from '../helpers/attempt.js';

test("the plugin's headers come after the call's, lower-cased, so they win", () => {
  const state = attemptState({ headers: { 'user-agent': 'ua', 'x-auth-token': 'forged' } });
  assert.deepEqual(
    attemptHeaders(state, { 'X-Auth-Token': 'real', 'X-Service-Token': 'own' }),
    { 'user-agent': 'ua', 'x-auth-token': 'real', 'x-service-token': 'own' },
    "the plugin's token replaces one the call carried",
  );
  assert.deepEqual(state.headers['x-auth-token'], 'forged', "the call's own headers are not changed");
});

test('a body is sent except with GET and HEAD', () => {
  assert.equal(sendsBody(attemptState({ method: 'POST', body: '{}' })), true, 'POST with a body sends it');
  assert.equal(sendsBody(attemptState({ method: 'POST', body: undefined })), false, 'no body, nothing to send');
  for (const method of ['GET', 'HEAD'])
    assert.equal(sendsBody(attemptState({ method, body: '{}' })), false, `${method} never sends one`);
});

test("undici's options: origin, path with query, method, headers, the deadline's signal, the body if any", () => {
  const state = attemptState({ method: 'PUT', body: 'x', url: new URL('http://glance.test:9292/v2/images/1?a=b') });
  const options = dispatchOptions(state, { accept: '*/*' });
  assert.deepEqual(
    [options.origin, options.path, options.method, options.headers, options.signal, options.body],
    ['http://glance.test:9292', '/v2/images/1?a=b', 'PUT', { accept: '*/*' }, state.deadline.signal, 'x'],
    'every field of the attempt',
  );
  assert.equal('body' in dispatchOptions(attemptState(), {}), false, 'a GET has no body field at all');
});

test('a failure is reported under the method asked for, even after a 303 turned the call into a GET', () => {
  const callerSignal = new AbortController().signal;
  const state = attemptState({ requestedMethod: 'POST', method: 'GET', displayName: 'image service', callerSignal });
  assert.deepEqual(
    failureContext(state),
    {
      service: 'glance',
      displayName: 'image service',
      method: 'POST',
      url: state.url,
      deadline: state.deadline,
      callerSignal,
    },
    'the requested method, with the service, URL, deadline and caller signal',
  );
});
