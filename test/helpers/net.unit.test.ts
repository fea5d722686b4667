// waitFor as a unit, on mocked timers: it polls once per POLL_INTERVAL_MS and never spins between polls
// (listen and the ports open sockets: they are used by every integration test).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { POLL_INTERVAL_MS, waitFor } from './net.js';

/** Let every pending promise callback and setImmediate run, without moving the (mocked) clock. */
const settle = async () => {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
};

test('waitFor polls once per interval on a timer until the condition holds', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  let polls = 0;
  let ready = false;
  let done = false;
  const waiting = waitFor(() => {
    polls++;
    return ready;
  }, 'the test to say so').then(() => (done = true));
  await settle();
  assert.equal(polls, 1, 'the condition is polled at once');
  await settle();
  assert.equal(polls, 1, 'no further poll before the interval has passed: nothing spins');
  t.mock.timers.tick(POLL_INTERVAL_MS - 1);
  await settle();
  assert.equal(polls, 1, 'still one poll just before the interval');
  t.mock.timers.tick(1);
  await settle();
  assert.equal(polls, 2, 'a second poll once the interval has passed');
  ready = true;
  t.mock.timers.tick(POLL_INTERVAL_MS);
  await waiting;
  assert.equal(polls, 3, 'the poll that sees the condition is the last');
  assert.equal(done, true, 'waitFor resolved');
});

test('an async condition is awaited before the next poll is scheduled', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  let polls = 0;
  const waiting = waitFor(() => Promise.resolve(++polls >= 3), 'the third poll');
  for (let i = 0; i < 2; i++) {
    await settle();
    t.mock.timers.tick(POLL_INTERVAL_MS);
  }
  await waiting;
  assert.equal(polls, 3, 'three polls, one per interval');
});
