// The command line as a unit: what parseCommandLine makes of argv, and the answers to --help, --version, a usage
// error and --print-config, without a process (the spawned server is in cli.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EXIT_USAGE, immediateAnswer, parseCommandLine, printConfigAnswer, usage } from '../src/cli.js';
import { SERVICE_NAME, VERSION } from '../src/common/package-info.js';
import { loadConfiguration } from '../src/config/load.js';
import { SAMPLE_PATH } from '../src/config/sample.js';
import { assertNoSecret, DEVSTACK, ownFile } from './helpers/cli-files.js';

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
