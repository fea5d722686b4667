// Readiness on its own: what a caller sees of a failing check (a generic detail), what the log gets (the
// specifics), and that the log speaks once per change of state, not on every probe.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConnectionError, ServerError, UnauthorizedError } from '../src/keystoneauth/errors.js';
import { Readiness, type CheckResult } from '../src/readiness.js';
import { captureLogger } from './helpers/logs.js';

const URL_ = 'http://10.1.2.3:5000/v3/auth/tokens';

function readiness(checkTimeoutMs?: number) {
  const { logger, lines } = captureLogger('info');
  const logged = (msg: string) => lines.filter((l) => l.msg === msg);
  return { readiness: new Readiness({ log: logger, checkTimeoutMs }), lines, logged };
}

test('a failing check: the report says "unavailable" and nothing else; the log has the specifics', async () => {
  const { readiness: r, logged } = readiness();
  r.register(
    'keystone',
    () =>
      Promise.reject(
        new ConnectionError(`cannot reach keystone (POST ${URL_}) (ECONNREFUSED)`, {
          service: 'keystone',
          method: 'POST',
          url: URL_,
        }),
      ),
    { critical: false },
  );
  const report = await r.report();
  assert.deepEqual(
    report,
    { status: 'ready', checks: { keystone: { ok: false, detail: 'unavailable', critical: false } } },
    'a non-critical check fails without failing readiness, and its detail is generic',
  );
  const text = JSON.stringify(report);
  for (const internal of ['10.1.2.3', '5000', 'http', 'ECONNREFUSED', 'connection_failed'])
    assert.ok(!text.includes(internal), `the report does not carry ${internal}`);
  const [line] = logged('readiness check failing');
  assert.ok(line, 'the failure is logged');
  assert.equal(line.check, 'keystone', 'the log names the check');
  assert.match(String(line.reason), /ECONNREFUSED/, 'the log has the error code');
  assert.equal(line.url, URL_, 'the log has the URL');
  assert.equal(line.code, 'connection_failed', "the log has the error's class code");
});

test('an upstream status stays in the log; a passing check says "available"', async () => {
  const { readiness: r, logged } = readiness();
  r.register('keystone', () =>
    Promise.reject(new UnauthorizedError('keystone answered 401 Unauthorized', { status: 401, requestId: 'req-k1' })),
  );
  r.register('cache', () => Promise.resolve({ ok: true }));
  const report = await r.report();
  assert.equal(report.status, 'not_ready', 'a critical check failing fails readiness');
  assert.deepEqual(report.checks.cache, { ok: true, detail: 'available', critical: true }, 'a passing check');
  assert.ok(!/401|Unauthorized|req-k1/.test(JSON.stringify(report)), 'no status, status text or request id');
  const [line] = logged('readiness check failing');
  assert.equal(line?.upstream_status, 401, 'the log has the upstream status');
  assert.equal(line?.upstream_request_id, 'req-k1', "the log has Keystone's request id");
});

test('logged once per change of state: failing, failing for another reason, passing again', async () => {
  const { readiness: r, logged } = readiness();
  let result: CheckResult = { ok: false, reason: 'keystone answered 503' };
  r.register('keystone', () => Promise.resolve(result));
  for (let i = 0; i < 3; i++) await r.report();
  assert.equal(logged('readiness check failing').length, 1, 'three failing probes, one line');
  result = { ok: false, reason: 'keystone answered 401' };
  await r.report();
  await r.report();
  assert.deepEqual(
    logged('readiness check failing').map((l) => l.reason),
    ['keystone answered 503', 'keystone answered 401'],
    'a new reason is a new line',
  );
  result = { ok: true };
  await r.report();
  await r.report();
  assert.equal(logged('readiness check passes again').length, 1, 'the recovery, once');
  result = { ok: false, reason: 'keystone answered 401' };
  await r.report();
  assert.equal(logged('readiness check failing').length, 3, 'failing again after a recovery is logged again');
});

test('a passing check from the start logs nothing; a check that never answers is unavailable', async () => {
  const { readiness: r, lines } = readiness(1);
  r.register('fine', () => Promise.resolve({ ok: true }));
  await r.report();
  assert.equal(lines.length, 0, 'nothing to say while every check passes');
  r.register('hanging', () => new Promise<CheckResult>(() => {}));
  const report = await r.report();
  assert.deepEqual(report.checks.hanging, { ok: false, detail: 'unavailable', critical: true }, 'generic detail');
  assert.match(String(lines.at(-1)?.reason), /no answer within 1 ms/, 'the log says it did not answer');
});

test('shutting down wins over passing checks', async () => {
  const { readiness: r } = readiness();
  r.register('fine', () => Promise.resolve({ ok: true }));
  r.markShuttingDown();
  assert.equal((await r.report()).status, 'shutting_down', 'draining wins');
});

test('a misconfiguration fails readiness even from a non-critical check; an outage of that check does not', async () => {
  const { readiness: r, logged } = readiness();
  let error: Error = new UnauthorizedError('keystone answered 401 Unauthorized', { status: 401 });
  r.register('keystone', () => Promise.reject(error), {
    critical: false,
    isMisconfiguration: (err) => err instanceof UnauthorizedError,
  });
  const refused = await r.report();
  assert.deepEqual(
    refused,
    { status: 'not_ready', checks: { keystone: { ok: false, detail: 'misconfigured', critical: false } } },
    'a classified error: misconfigured, and not ready although the check is not critical',
  );
  const [line] = logged('readiness check failing');
  assert.equal(line?.detail, 'misconfigured', 'the log says misconfigured');
  assert.equal(line?.level, 50, 'at error level');
  error = new ServerError('keystone answered 500 Internal Server Error', { status: 500 });
  const out = await r.report();
  assert.deepEqual(
    out,
    { status: 'ready', checks: { keystone: { ok: false, detail: 'unavailable', critical: false } } },
    'an error the check does not classify: unavailable, and still ready',
  );
  assert.deepEqual(
    logged('readiness check failing').map((l) => [l.detail, l.level]),
    [
      ['misconfigured', 50],
      ['unavailable', 40],
    ],
    'the change is logged, the outage as a warning',
  );
  r.markShuttingDown();
  error = new UnauthorizedError('keystone answered 401 Unauthorized', { status: 401 });
  assert.equal((await r.report()).status, 'shutting_down', 'draining wins over a misconfiguration');
});

test('a check that never answers is unavailable, never misconfigured, whatever its classifier says', async () => {
  const { readiness: r } = readiness(1);
  r.register('hanging', () => new Promise<CheckResult>(() => {}), { critical: false, isMisconfiguration: () => true });
  assert.deepEqual(
    await r.report(),
    { status: 'ready', checks: { hanging: { ok: false, detail: 'unavailable', critical: false } } },
    'a timeout is an outage',
  );
});
