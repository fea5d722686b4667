// The runner's summary counts skipped suites: describeOrSkip on a made-up file, and the contract tests as a
// machine without the real OpenStack runs them (as `npm test` does there).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

const ROOT = path.resolve(import.meta.dirname, '../..');

interface Run {
  code: number;
  out: string;
  /** The TAP summary's counters: tests, suites, pass, fail, skipped... */
  summary: Record<string, number>;
}

/** `node --test` on `file` with only PATH and `env` set (no CI, no RO_* from the caller), TAP output. */
async function runTests(file: string, env: Record<string, string> = {}): Promise<Run> {
  const args = ['--import', 'tsx', '--test', '--test-reporter=tap', file];
  let code = 0;
  let out: string;
  try {
    ({ stdout: out } = await promisify(execFile)(process.execPath, args, {
      cwd: ROOT,
      env: { PATH: process.env.PATH, ...env },
    }));
  } catch (err) {
    const failed = err as { code: number; stdout: string; stderr: string };
    code = failed.code;
    out = failed.stdout + failed.stderr;
  }
  const summary = Object.fromEntries([...out.matchAll(/^# (\w+) (\d+)$/gm)].map(([, k, v]) => [k!, Number(v)]));
  return { code, out, summary };
}

test('a suite skipped with describeOrSkip counts in "# skipped", and its body does not run', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'suite-skip-'));
  try {
    const file = path.join(dir, 'fixture.ts');
    const helper = pathToFileURL(path.join(ROOT, 'test/helpers/suite.ts')).href;
    fs.writeFileSync(
      file,
      [
        "import { test } from 'node:test';",
        `import { describeOrSkip } from ${JSON.stringify(helper)};`,
        "describeOrSkip('needs a missing program', { skip: 'program X not installed' }, () => {",
        "  throw new Error('the body of a skipped suite ran');",
        '});',
        "describeOrSkip('has what it needs', { skip: false }, () => {",
        "  test('runs', () => {});",
        '});',
      ].join('\n'),
    );
    const run = await runTests(file);
    assert.equal(run.code, 0, `the fixture passes:\n${run.out}`);
    assert.equal(run.summary.skipped, 1, `one skipped suite counted:\n${run.out}`);
    assert.equal(run.summary.pass, 1, `the suite that is not skipped runs its test:\n${run.out}`);
    assert.match(run.out, /# SKIP program X not installed/, 'the reason is reported');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('without a real OpenStack every contract suite is counted as skipped, with the reason', async () => {
  const sources = fs
    .readdirSync(path.join(ROOT, 'test/contract'))
    .filter((f) => f.endsWith('.suite.ts'))
    .map((f) => fs.readFileSync(path.join(ROOT, 'test/contract', f), 'utf8'));
  const suites = sources.join('\n').split('describeOrSkip(').length - 1;
  // At least one (a fork that removes Glance keeps Keystone's); the count below must then match it exactly.
  assert.ok(suites >= 1, `the contract suites use describeOrSkip (found ${suites})`);

  const run = await runTests('test/contract/real-openstack.test.ts');
  assert.equal(run.code, 0, `skipping is not failing:\n${run.out}`);
  assert.equal(run.summary.skipped, suites, `each contract suite counted as skipped:\n${run.out}`);
  assert.equal(run.summary.pass, 0, 'nothing ran against a real OpenStack that is not there');
  assert.match(run.out, /# SKIP real OpenStack not running/, 'the reason says what is missing');
});

test('a CI job that runs the contract tests elsewhere skips them with its reason; CI without RO_* fails', async () => {
  const elsewhere = await runTests('test/contract/real-openstack.test.ts', {
    CI: 'true',
    SKIP_CONTRACT_TESTS: 'they run in the contract job',
  });
  assert.equal(elsewhere.code, 0, `skipped, not failed:\n${elsewhere.out}`);
  assert.ok((elsewhere.summary.skipped ?? 0) > 0, `the suites are counted as skipped:\n${elsewhere.out}`);
  assert.match(elsewhere.out, /# SKIP SKIP_CONTRACT_TESTS: they run in the contract job/, 'with the job’s reason');

  const missing = await runTests('test/contract/real-openstack.test.ts', { CI: 'true' });
  assert.notEqual(missing.code, 0, `CI without RO_KEYSTONE_URL/RO_GLANCE_URL must fail:\n${missing.out}`);
  assert.match(missing.out, /CI must export RO_KEYSTONE_URL and RO_GLANCE_URL/, 'and say what is missing');
});
