// callerSignal on stand-in responses (an EventEmitter with the two properties it reads): aborted when the caller
// hangs up before the response is finished, never for a finished one. Through a real server: the worked example's
// hang-up test (test/examples/projects.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { callerSignal } from '../../src/middleware/caller-signal.js';

/** A response as callerSignal sees it; `close(finished)` ends it as Node does. */
function response() {
  const res = Object.assign(new EventEmitter(), { closed: false, writableFinished: false });
  return {
    ctx: { res: res as unknown as ServerResponse },
    res,
    close(finished: boolean) {
      res.writableFinished = finished;
      res.closed = true;
      res.emit('close');
    },
  };
}

test('a caller who hangs up before the response is finished aborts the signal', () => {
  const r = response();
  const signal = callerSignal(r.ctx);
  assert.equal(signal.aborted, false, 'not aborted while the request runs');
  r.close(false);
  assert.equal(signal.aborted, true, 'aborted when the response closes unfinished');
  assert.equal(r.res.listenerCount('close'), 0, 'its listener went with the close');
});

test('a finished response never aborts it', () => {
  const r = response();
  const signal = callerSignal(r.ctx);
  r.close(true);
  assert.equal(signal.aborted, false, 'a response that was sent whole is no hang-up');
  assert.equal(r.res.listenerCount('close'), 0, 'its listener went with the close');
});

test('asked after the caller is gone: aborted from the start', () => {
  const r = response();
  r.close(false);
  assert.equal(callerSignal(r.ctx).aborted, true, 'the caller left before the handler asked');
});

test('one signal and one listener per response, however often it is asked for', () => {
  const r = response();
  const first = callerSignal(r.ctx);
  assert.equal(callerSignal(r.ctx), first, 'the same signal the second time');
  assert.equal(r.res.listenerCount('close'), 1, 'one listener');
  assert.notEqual(callerSignal(response().ctx), first, 'another response has its own signal');
});
