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
    /** Fire the n-th pending timer (modulo their number); false when none is pending. */
    fireOne: (n: number) => {
      const t = [...pending][n % Math.max(1, pending.size)];
      if (!t) return false;
      pending.delete(t);
      t.fn();
      return true;
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
    assert.equal(running, 2, 'two slots, two running');
    assert.deepEqual(ac.stats, { inflight: 2, queued: 4, clients: 3 }, 'the other four wait, from three clients');
    for (const g of gates) {
      g.open();
      await flush();
    }
    assert.deepEqual(await Promise.all(runs), [0, 1, 2, 3, 4, 5], 'every task ran and returned its value');
    assert.equal(peak, 2, 'never more than maxInflight at a time');
    assert.deepEqual(ac.stats, { inflight: 0, queued: 0, clients: 0 }, 'nothing left behind');
  });

  test('fewest outstanding first: a flood from one client delays another by one validation at most', async () => {
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
    assert.deepEqual(
      order,
      ['victim', 'other', 'flood0', 'flood1', 'flood2', 'flood3', 'flood4', 'flood5', 'flood6'],
      'the clients with one validation go before the flood, which keeps its own order',
    );
  });

  test('a newcomer takes the next free slot ahead of a flood from many addresses, served or not', async () => {
    // 2 slots, 6 flooding clients with 3 tokens each: 2 run, 16 wait, 4 of the clients never had a turn.
    // Round-robin would put the newcomer behind those 4; it goes first because each has 3 outstanding.
    const { ac } = control({ maxInflight: 2, maxQueuedPerClient: 10 });
    const order: string[] = [];
    const gates = new Map<string, ReturnType<typeof gate>>();
    const task = (name: string) => () => {
      order.push(name);
      const g = gate();
      gates.set(name, g);
      return g.done;
    };
    const runs: Promise<void>[] = [];
    for (let round = 0; round < 3; round++)
      for (let c = 0; c < 6; c++) runs.push(ac.run(`flood${c}`, task(`flood${c}.${round}`)));
    runs.push(ac.run('newcomer', task('newcomer')));
    await flush();
    assert.deepEqual(order, ['flood0.0', 'flood1.0'], 'two slots, taken at once');
    assert.deepEqual(ac.stats, { inflight: 2, queued: 17, clients: 7 }, 'the rest wait');
    gates.get('flood0.0')!.open();
    await flush();
    assert.equal(order[2], 'newcomer', 'the first slot that frees goes to the newcomer');
    // Free the slots one at a time, oldest first: every waiting task runs, once.
    for (let i = 1; i < 19; i++) {
      gates.get(order[i]!)!.open();
      await flush();
    }
    await Promise.all(runs);
    assert.equal(new Set(order).size, 19, 'every task ran once');
  });

  test('among equals the client served least recently goes first; one that comes back is not new', async () => {
    const { ac } = control({ maxInflight: 1 });
    const order: string[] = [];
    await ac.run('back', async () => void order.push('back (earlier turn)'));
    const hold = gate();
    const holding = ac.run('holder', () => hold.done);
    const queued = ['back', 'new1', 'new2'].map((c) => ac.run(c, async () => void order.push(c)));
    hold.open();
    await holding;
    await Promise.all(queued);
    assert.deepEqual(
      order,
      ['back (earlier turn)', 'new1', 'new2', 'back'],
      'a client that had a turn waits behind those that never had one, though it queued first',
    );
  });

  test('remembered turns are bounded: a client forgotten counts as new again', async () => {
    const { ac } = control({ maxInflight: 1, rememberedClients: 1 });
    const order: string[] = [];
    await ac.run('back', async () => undefined);
    await ac.run('pushes-it-out', async () => undefined);
    const hold = gate();
    const holding = ac.run('holder', () => hold.done);
    const queued = ['back', 'new1'].map((c) => ac.run(c, async () => void order.push(c)));
    hold.open();
    await holding;
    await Promise.all(queued);
    assert.deepEqual(order, ['back', 'new1'], 'forgotten, "back" is new again and first come, first served');
  });

  test('validations in flight are capped per client, and a capped client leaves free slots to others', async () => {
    const { ac } = control({ maxInflight: 4, maxInflightPerClient: 2 });
    let runningA = 0;
    let peakA = 0;
    const gatesA = Array.from({ length: 5 }, gate);
    const runsA = gatesA.map((g) =>
      ac.run('a', async () => {
        runningA++;
        peakA = Math.max(peakA, runningA);
        await g.done;
        runningA--;
      }),
    );
    await flush();
    assert.equal(runningA, 2, 'two of a run, though four slots are free');
    assert.deepEqual(ac.stats, { inflight: 2, queued: 3, clients: 1 }, "a's other three wait");
    const hold = gate();
    let bRan = false;
    const runB = ac.run('b', async () => {
      bRan = true;
      await hold.done;
    });
    await flush();
    assert.equal(bRan, true, 'another client takes a free slot at once');
    for (const g of gatesA) {
      g.open();
      await flush();
    }
    await Promise.all(runsA);
    assert.equal(peakA, 2, 'a never had more than two in flight');
    hold.open();
    await runB;
    assert.deepEqual(ac.stats, { inflight: 0, queued: 0, clients: 0 }, 'all done');
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
      'a third waiter from a is one too many',
    );
    assert.equal(ran, false, 'the shed task never runs');
    // Another client still queues.
    const other = ac.run('b', async () => 'b');
    hold.open();
    await running;
    assert.deepEqual(await Promise.all([...queued, other]), ['ok', 'ok', 'b'], 'the queued tasks all ran');
  });

  test('a full total queue sheds the newest waiter of the longest queue, not the newcomer', async () => {
    const { ac, timers } = control({ maxInflight: 1, maxQueuedPerClient: 10, maxQueued: 4 });
    const hold = gate();
    const holding = ac.run('holder', () => hold.done);
    const order: string[] = [];
    const queued = (client: string, name: string) => ac.run(client, async () => void order.push(name));
    const a = [queued('a', 'a1'), queued('a', 'a2'), queued('a', 'a3')];
    const b = queued('b', 'b1');
    assert.equal(timers.count, 4, 'four waiting: the queue is full');
    const c = queued('c', 'c1');
    await assert.rejects(
      a[2]!,
      (err: unknown) => err instanceof ValidationOverloadedError && err.reason === 'queue_full',
      "a's newest waiter is shed to make room",
    );
    assert.equal(timers.count, 4, "the shed waiter's timer is cancelled, the newcomer's set");
    hold.open();
    await holding;
    await Promise.all([a[0], a[1], b, c]);
    assert.deepEqual(order, ['b1', 'c1', 'a1', 'a2'], 'the shed task never ran; a keeps its oldest in order');
  });

  test('a full total queue sheds the newcomer when its own queue is the longest', async () => {
    const { ac } = control({ maxInflight: 1, maxQueuedPerClient: 10, maxQueued: 4 });
    const hold = gate();
    const holding = ac.run('holder', () => hold.done);
    const queued = ['a', 'a', 'b', 'b'].map((client) => ac.run(client, async () => client));
    let ran = false;
    await assert.rejects(
      ac.run('a', async () => void (ran = true)),
      (err: unknown) => err instanceof ValidationOverloadedError && err.reason === 'queue_full',
      'a already has as many waiting as anyone: its newcomer is shed',
    );
    assert.equal(ran, false, 'the shed task never runs');
    assert.equal(ac.stats.queued, 4, 'nobody else was shed');
    hold.open();
    await holding;
    assert.deepEqual(await Promise.all(queued), ['a', 'a', 'b', 'b'], 'the waiters all ran');
  });

  test('among queues as long, the one served last gives up a waiter', async () => {
    const { ac } = control({ maxInflight: 1, maxQueuedPerClient: 10, maxQueued: 2 });
    await ac.run('served', async () => undefined);
    const hold = gate();
    const holding = ac.run('holder', () => hold.done);
    const unserved = ac.run('unserved', async () => 'kept');
    const served = ac.run('served', async () => 'kept');
    const newcomer = ac.run('newcomer', async () => 'kept');
    await assert.rejects(served, ValidationOverloadedError, 'the client that already had a turn loses its waiter');
    hold.open();
    await holding;
    assert.deepEqual(await Promise.all([unserved, newcomer]), ['kept', 'kept'], 'the others keep theirs');
  });

  test('queue sizes of 0 mean: never wait, shed whenever every slot is busy', async () => {
    const { ac } = control({ maxInflight: 1, maxQueuedPerClient: 0, maxQueued: 0 });
    const hold = gate();
    const running = ac.run('a', () => hold.done);
    await assert.rejects(
      ac.run('b', async () => 1),
      ValidationOverloadedError,
      'no queue at all: shed at once',
    );
    hold.open();
    await running;
    assert.equal(await ac.run('b', async () => 1), 1, 'with a slot free again, it runs');
  });

  test('a wait past maxWaitMs is shed; its place is given up and the others keep theirs', async () => {
    const { ac, timers } = control({ maxInflight: 1, maxWaitMs: 5000 });
    const hold = gate();
    const running = ac.run('a', () => hold.done);
    let ran = false;
    const waiting = ac.run('b', async () => void (ran = true));
    assert.equal(timers.count, 1, 'one waiter, one timer');
    timers.fireAll();
    await assert.rejects(
      waiting,
      (err: unknown) => err instanceof ValidationOverloadedError && err.reason === 'wait_timeout',
      'its timer fired: shed',
    );
    assert.deepEqual(ac.stats, { inflight: 1, queued: 0, clients: 0 }, 'the expired waiter left the queue');
    const later = ac.run('c', async () => 'c');
    hold.open();
    await running;
    assert.equal(await later, 'c', 'a later client still gets its turn');
    assert.equal(ran, false, 'the expired task never ran');
    // Admitted waiters cancel their timers: nothing is left pending.
    assert.equal(timers.count, 0, 'no timer left pending');
  });

  test('a failing task frees its slot', async () => {
    const { ac } = control({ maxInflight: 1 });
    await assert.rejects(
      ac.run('a', async () => Promise.reject(new Error('boom'))),
      /boom/,
      "the task's own error comes through",
    );
    assert.equal(await ac.run('a', async () => 2), 2, 'the next task runs');
    assert.equal(ac.stats.inflight, 0, 'no slot is held');
  });

  test('random arrivals, completions and timeouts never break a bound, and no slot idles while someone may run', async () => {
    const limits = { maxInflight: 3, maxInflightPerClient: 2, maxQueuedPerClient: 4, maxQueued: 7 };
    const { ac, timers } = control(limits);
    let seed = 2024;
    const next = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    type State = 'waiting' | 'running' | 'done' | 'shed';
    const tasks: { client: string; state: State; gate: ReturnType<typeof gate> }[] = [];
    const settled: Promise<unknown>[] = [];
    const count = (state: State, client?: string) =>
      tasks.filter((t) => t.state === state && (client === undefined || t.client === client)).length;
    for (let step = 0; step < 600; step++) {
      const roll = next(10);
      if (roll < 5) {
        const t = { client: `c${next(6)}`, state: 'waiting' as State, gate: gate() };
        tasks.push(t);
        settled.push(
          ac
            .run(t.client, async () => {
              t.state = 'running';
              await t.gate.done;
            })
            .then(
              () => (t.state = 'done'),
              (err: unknown) => {
                assert.ok(err instanceof ValidationOverloadedError, 'only overload errors');
                assert.notEqual(t.state, 'running', 'a running task is never shed');
                t.state = 'shed';
              },
            ),
        );
      } else if (roll < 9) {
        const runningTasks = tasks.filter((t) => t.state === 'running');
        runningTasks[next(Math.max(1, runningTasks.length))]?.gate.open();
      } else timers.fireOne(next(100));
      await flush();
      const clients = new Set(tasks.map((t) => t.client));
      assert.equal(ac.stats.inflight, count('running'), `step ${step}: inflight counts the running tasks`);
      assert.equal(ac.stats.queued, count('waiting'), `step ${step}: queued counts the waiting tasks`);
      assert.equal(
        ac.stats.clients,
        [...clients].filter((c) => count('waiting', c) > 0).length,
        `step ${step}: clients counts those with tasks waiting`,
      );
      assert.ok(count('running') <= limits.maxInflight, `step ${step}: at most maxInflight run`);
      assert.ok(count('waiting') <= limits.maxQueued, `step ${step}: at most maxQueued wait`);
      for (const c of clients) {
        assert.ok(count('running', c) <= limits.maxInflightPerClient, `step ${step}: ${c} within its in-flight cap`);
        assert.ok(count('waiting', c) <= limits.maxQueuedPerClient, `step ${step}: ${c} within its queue`);
        if (count('running') < limits.maxInflight && count('waiting', c) > 0)
          assert.equal(
            count('running', c),
            limits.maxInflightPerClient,
            `step ${step}: a free slot, ${c} waits only at its cap`,
          );
      }
    }
    for (let i = 0; i < 100 && count('waiting') + count('running') > 0; i++) {
      for (const t of tasks) t.gate.open();
      await flush();
    }
    await Promise.all(settled);
    assert.equal(count('waiting') + count('running'), 0, 'every task ran or was shed');
    assert.ok(
      count('done') > 100 && count('shed') > 10,
      `both outcomes occur (${count('done')} ran, ${count('shed')} shed)`,
    );
    assert.deepEqual(ac.stats, { inflight: 0, queued: 0, clients: 0 }, 'nothing left behind');
    assert.equal(timers.count, 0, 'no timer left pending');
  });
});
