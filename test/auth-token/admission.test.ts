// Admission control: the rules, proven with controllable tasks and an injected timer (no wall clock).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AdmissionControl, type AdmissionOptions } from '../../src/auth-token/admission.js';
import { ValidationOverloadedError } from '../../src/auth-token/errors.js';

/** A task that finishes when the test says so, recording when it started. */
function gate() {
  let open!: () => void;
  const done = new Promise<void>((resolve) => (open = resolve));
  return { done, open };
}

/** Timers the test fires by hand. */
function manualTimers() {
  const pending = new Set<{ fn: () => void; ms: number }>();
  return {
    setTimer: (fn: () => void, ms: number) => {
      const t = { fn, ms };
      pending.add(t);
      return () => pending.delete(t);
    },
    fireAll: () => {
      for (const t of [...pending]) {
        pending.delete(t);
        t.fn();
      }
    },
    get count() {
      return pending.size;
    },
  };
}

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

function control(options: Partial<AdmissionOptions> = {}) {
  const timers = manualTimers();
  const ac = new AdmissionControl({
    maxInflight: 1,
    maxQueuedPerClient: 10,
    maxQueued: 100,
    maxWaitMs: 5000,
    setTimer: timers.setTimer,
    ...options,
  });
  return { ac, timers };
}

describe('AdmissionControl', () => {
  test('runs at once while a slot is free, and never more than maxInflight at a time', async () => {
    const { ac } = control({ maxInflight: 2 });
    let running = 0;
    let peak = 0;
    const gates = Array.from({ length: 6 }, gate);
    const runs = gates.map((g, i) =>
      ac.run(`c${i % 3}`, async () => {
        running++;
        peak = Math.max(peak, running);
        await g.done;
        running--;
        return i;
      }),
    );
    await flush();
    assert.equal(running, 2);
    assert.deepEqual(ac.stats, { inflight: 2, queued: 4, clients: 3 });
    for (const g of gates) {
      g.open();
      await flush();
    }
    assert.deepEqual(await Promise.all(runs), [0, 1, 2, 3, 4, 5]);
    assert.equal(peak, 2);
    assert.deepEqual(ac.stats, { inflight: 0, queued: 0, clients: 0 });
  });

  test('waiting clients are served round-robin: a flood from one client delays another by one turn', async () => {
    const { ac } = control({ maxInflight: 1, maxQueuedPerClient: 50 });
    const order: string[] = [];
    const first = gate();
    const running = ac.run('flood', () => first.done);
    const tasks: Promise<void>[] = [];
    for (let i = 0; i < 5; i++) tasks.push(ac.run('flood', async () => void order.push(`flood${i}`)));
    tasks.push(ac.run('victim', async () => void order.push('victim')));
    for (let i = 5; i < 7; i++) tasks.push(ac.run('flood', async () => void order.push(`flood${i}`)));
    tasks.push(ac.run('other', async () => void order.push('other')));
    first.open();
    await running;
    await Promise.all(tasks);
    // flood0 was first in line; then each client in turn.
    assert.deepEqual(order.slice(0, 3), ['flood0', 'victim', 'other']);
    assert.deepEqual(order.slice(3), ['flood1', 'flood2', 'flood3', 'flood4', 'flood5', 'flood6']);
  });

  test('a full client queue sheds that client only, at once, without running the task', async () => {
    const { ac } = control({ maxInflight: 1, maxQueuedPerClient: 2 });
    const hold = gate();
    const running = ac.run('a', () => hold.done);
    const queued = [ac.run('a', async () => 'ok'), ac.run('a', async () => 'ok')];
    let ran = false;
    await assert.rejects(
      ac.run('a', async () => void (ran = true)),
      (err: unknown) =>
        err instanceof ValidationOverloadedError && err.reason === 'client_queue_full' && err.retryAfterSeconds >= 1,
    );
    assert.equal(ran, false);
    // Another client still queues.
    const other = ac.run('b', async () => 'b');
    hold.open();
    await running;
    assert.deepEqual(await Promise.all([...queued, other]), ['ok', 'ok', 'b']);
  });

  test('a full total queue sheds everyone', async () => {
    const { ac } = control({ maxInflight: 1, maxQueuedPerClient: 10, maxQueued: 2 });
    const hold = gate();
    const running = ac.run('a', () => hold.done);
    const queued = [ac.run('a', async () => 1), ac.run('b', async () => 2)];
    await assert.rejects(
      ac.run('c', async () => 3),
      (err: unknown) => err instanceof ValidationOverloadedError && err.reason === 'queue_full',
    );
    hold.open();
    await running;
    assert.deepEqual(await Promise.all(queued), [1, 2]);
  });

  test('queue sizes of 0 mean: never wait, shed whenever every slot is busy', async () => {
    const { ac } = control({ maxInflight: 1, maxQueuedPerClient: 0, maxQueued: 0 });
    const hold = gate();
    const running = ac.run('a', () => hold.done);
    await assert.rejects(
      ac.run('b', async () => 1),
      ValidationOverloadedError,
    );
    hold.open();
    await running;
    assert.equal(await ac.run('b', async () => 1), 1);
  });

  test('a wait past maxWaitMs is shed; its place is given up and the others keep theirs', async () => {
    const { ac, timers } = control({ maxInflight: 1, maxWaitMs: 5000 });
    const hold = gate();
    const running = ac.run('a', () => hold.done);
    let ran = false;
    const waiting = ac.run('b', async () => void (ran = true));
    assert.equal(timers.count, 1);
    timers.fireAll();
    await assert.rejects(
      waiting,
      (err: unknown) => err instanceof ValidationOverloadedError && err.reason === 'wait_timeout',
    );
    assert.deepEqual(ac.stats, { inflight: 1, queued: 0, clients: 0 });
    const later = ac.run('c', async () => 'c');
    hold.open();
    await running;
    assert.equal(await later, 'c');
    assert.equal(ran, false);
    // Admitted waiters cancel their timers: nothing is left pending.
    assert.equal(timers.count, 0);
  });

  test('a failing task frees its slot', async () => {
    const { ac } = control({ maxInflight: 1 });
    await assert.rejects(
      ac.run('a', async () => Promise.reject(new Error('boom'))),
      /boom/,
    );
    assert.equal(await ac.run('a', async () => 2), 2);
    assert.equal(ac.stats.inflight, 0);
  });
});
