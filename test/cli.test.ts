// The command line: what parseCommandLine makes of argv, the answers to --help, --version, a usage error and
// --print-config (without a process), and one spawned `src/server.ts --print-config --config-file` end to end.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EXIT_USAGE, immediateAnswer, parseCommandLine, printConfigAnswer, usage } from '../src/cli.js';
import { SERVICE_NAME, VERSION } from '../src/common/package-info.js';
import { loadConfiguration } from '../src/config/load.js';
import { SAMPLE_PATH } from '../src/config/sample.js';

const DEVSTACK = path.join(import.meta.dirname, 'config', 'fixtures', 'devstack-glance-api.conf');
const DEVSTACK_PASSWORD = 'devstack-Service-Pw-5f2c';
const MEMCACHE_KEY = 'mc-Secret-Key-91d7';

test('parse: the sources in the order given, both spellings of a value', () => {
  assert.deepEqual(parseCommandLine([]), { action: 'serve', sources: [] }, 'no arguments: serve the defaults');
  assert.deepEqual(
    parseCommandLine(['--config-file', 'a.conf', '--config-dir=d', '--config-file=b.conf', '--print-config']),
    {
      action: 'print-config',
      sources: [
        { kind: 'file', path: 'a.conf' },
        { kind: 'dir', path: 'd' },
        { kind: 'file', path: 'b.conf' },
      ],
    },
    'files and directories interleaved as oslo.config reads them',
  );
  assert.deepEqual(parseCommandLine(['--help', '--config-file', 'a']), { action: 'help' }, '--help wins');
  assert.deepEqual(parseCommandLine(['-h']), { action: 'help' }, '-h');
  assert.deepEqual(parseCommandLine(['--version', '--print-config']), { action: 'version' }, '--version');
});

test('parse: unknown options, positional arguments and missing paths are usage errors', () => {
  const cases: [string[], RegExp][] = [
    [['--bogus'], /Unknown option '--bogus'/],
    [['serve'], /Unexpected argument 'serve'/],
    [['--config-file'], /'--config-file <value>' argument missing/],
    [['--config-file', '--print-config'], /'--config-file' argument is ambiguous/],
    [['--config-dir='], /'--config-dir' needs a path/],
    [['--print-config=yes'], /'--print-config' does not take an argument/],
    [['-c', 'x.conf'], /Unknown option '-c'/],
  ];
  for (const [argv, message] of cases) {
    const command = parseCommandLine(argv);
    assert.equal(command.action, 'usage-error', argv.join(' '));
    assert.match(command.action === 'usage-error' ? command.message : '', message, argv.join(' '));
  }
});

test('--help: usage on stdout, exit 0, every option and where the configuration reference is', () => {
  const help = immediateAnswer({ action: 'help' }, 'node dist/server.js');
  assert.equal(help.code, 0, 'exit 0');
  assert.equal(help.stderr, '', 'nothing on stderr');
  assert.match(help.stdout, /^usage: node dist\/server\.js /, 'usage first');
  for (const flag of ['--config-file PATH', '--config-dir DIR', '--print-config', '--help', '--version'])
    assert.ok(help.stdout.includes(flag), `${flag} listed`);
  for (const where of ['docs/configuration.md', SAMPLE_PATH, 'docs/deploy.md#configuration'])
    assert.ok(help.stdout.includes(where), `points at ${where}`);
});

test('--version: the version alone, as oslo.config prints it', () => {
  assert.deepEqual(
    immediateAnswer({ action: 'version' }, 'x'),
    { stdout: `${VERSION}\n`, stderr: '', code: 0 },
    "package.json's version",
  );
});

test('a usage error: the reason and the usage on stderr, exit 2', () => {
  const answer = immediateAnswer({ action: 'usage-error', message: "Unknown option '--bogus'" }, 'prog');
  assert.equal(answer.code, EXIT_USAGE, 'exit 2');
  assert.equal(EXIT_USAGE, 2, "argparse's status");
  assert.equal(answer.stdout, '', 'nothing on stdout');
  assert.equal(answer.stderr, `${SERVICE_NAME}: Unknown option '--bogus'\n\n${usage('prog')}`, 'reason, then usage');
});

function ownFile(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-'));
  const ca = path.join(dir, 'ca.pem');
  fs.writeFileSync(ca, 'not read at start');
  const file = path.join(dir, 'own.conf');
  fs.writeFileSync(
    file,
    [
      '[communication]',
      `cafile = ${ca}`,
      '[keystone_authtoken]',
      'memcache_security_strategy = ENCRYPT',
      `memcache_secret_key = ${MEMCACHE_KEY}`,
      `password = first-${DEVSTACK_PASSWORD}`,
      `password = ${DEVSTACK_PASSWORD}`,
      `admin_password = admin-${DEVSTACK_PASSWORD}`,
      '',
    ].join('\n'),
  );
  return file;
}

function assertNoSecret(output: string, where: string): void {
  for (const secret of [DEVSTACK_PASSWORD, MEMCACHE_KEY])
    assert.ok(!output.includes(secret), `${where} must not hold ${secret.slice(0, 8)}...`);
}

test('--print-config: the effective configuration as JSON, secrets masked, none anywhere in the output', () => {
  const loaded = loadConfiguration({
    env: {},
    configDir: '/nonexistent',
    sources: [
      { kind: 'file', path: DEVSTACK },
      { kind: 'file', path: ownFile() },
    ],
  });
  const answer = printConfigAnswer(loaded);
  assert.equal(answer.code, 0, 'exit 0');
  const printed = JSON.parse(answer.stdout);
  assert.equal(printed.keystone_authtoken.password, '***', 'password masked');
  assert.equal(printed.keystone_authtoken.memcache_secret_key, '***', 'memcache_secret_key masked');
  assert.equal(printed.keystone_authtoken.username, 'glance', 'the rest as loaded');
  assert.equal(printed.keystone_authtoken.auth_url, 'http://192.0.2.10/identity', "devstack's auth_url");
  assert.match(
    answer.stderr,
    new RegExp(`^${SERVICE_NAME}: warning: .*cafile: deprecated name`, 'm'),
    'warnings on stderr',
  );
  assert.match(answer.stderr, /password: set again/, 'the repeated key is named');
  assertNoSecret(answer.stdout + answer.stderr, 'stdout and stderr');
});

test('spawned: node src/server.ts --print-config --config-file prints and exits 0; a bad file exits 1', () => {
  const run = (args: string[]) =>
    spawnSync(process.execPath, ['--import', 'tsx', 'src/server.ts', ...args], {
      env: { PATH: process.env.PATH },
      encoding: 'utf8',
    });
  const ok = run(['--print-config', '--config-file', DEVSTACK, '--config-file', ownFile()]);
  assert.equal(ok.status, 0, ok.stderr);
  const printed = JSON.parse(ok.stdout);
  assert.equal(printed.keystone_authtoken.password, '***', 'masked');
  assert.equal(printed.keystone_authtoken.project_name, 'service', 'loaded from the devstack section');
  assertNoSecret(ok.stdout + ok.stderr, 'the process output');
  const bad = run(['--print-config', '--config-file', DEVSTACK]);
  assert.equal(bad.status, 1, 'invalid configuration: exit 1');
  assert.match(bad.stderr, /communication\.cafile: file not found/, 'says why');
  assert.equal(bad.stdout, '', 'prints no configuration');
  const usageError = run(['--config-fil', DEVSTACK]);
  assert.equal(usageError.status, 2, 'a usage error: exit 2');
});
