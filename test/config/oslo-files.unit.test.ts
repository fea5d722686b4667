// oslo.config files: which files in which order, what each assignment sets, and what is refused or warned.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MAX_CONFIG_FILE_BYTES } from '../../src/config/config-file.js';
import { readOsloFiles, sourceFiles } from '../../src/config/oslo-files.js';
import { schema } from '../../src/config/schema.js';

function tmpDir(files: Record<string, string | Buffer> = {}): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oslo-'));
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  return dir;
}

/** readOsloFiles over files written from `texts`, in order (named 1.conf, 2.conf...). */
function read(...texts: string[]) {
  const dir = tmpDir(Object.fromEntries(texts.map((t, i) => [`${i + 1}.conf`, t])));
  return {
    dir,
    ...readOsloFiles(
      texts.map((_, i) => path.join(dir, `${i + 1}.conf`)),
      schema,
    ),
  };
}

test('--config-dir: its *.conf in name order, no dot files, where it stands among the files', () => {
  const dir = tmpDir({ 'b.conf': '', 'a.conf': '', '10.conf': '', '.hidden.conf': '', 'c.conf.bak': '', 'd.txt': '' });
  const { files, problems } = sourceFiles([
    { kind: 'file', path: '/etc/first.conf' },
    { kind: 'dir', path: dir },
    { kind: 'file', path: '/etc/last.conf' },
  ]);
  assert.deepEqual(problems, [], 'no problem');
  assert.deepEqual(
    files,
    ['/etc/first.conf', ...['10.conf', 'a.conf', 'b.conf'].map((n) => path.join(dir, n)), '/etc/last.conf'],
    'files as given; the directory sorted by name, dot files and other endings left out',
  );
  assert.deepEqual(
    sourceFiles([{ kind: 'dir', path: path.join(dir, 'missing') }]).problems,
    [`${path.join(dir, 'missing')}: not found (--config-dir)`],
    'a missing directory is an error, as oslo.config raises ConfigDirNotFoundError',
  );
});

test('values stay strings; groups compare in lower case; a later file wins', () => {
  const r = read(
    '[KEYSTONE_AUTHTOKEN]\nusername = first\ntoken_cache_time = 60\n[server]\nport: 1000\n',
    '[keystone_authtoken]\nusername = second\n',
  );
  assert.deepEqual(r.problems, [], 'no problem');
  assert.deepEqual(r.warnings, [], 'no warning');
  assert.deepEqual(
    r.values,
    { keystone_authtoken: { username: 'second', token_cache_time: '60' }, server: { port: '1000' } },
    'the later file wins for username; strings for convict to parse',
  );
  assert.equal(
    r.origins.get('keystone_authtoken.username'),
    `${r.dir}/2.conf:2 [keystone_authtoken] username`,
    'the origin of username is the later file, with its line and section',
  );
});

test('unknown groups and keys are errors naming file, line, group and key, with a hint', () => {
  const r = read(
    '[DEFAULT]\ndebug = true\n[default]\nx = 1\n[database]\nconnection = sqlite://\nmore = 1\n' +
      '[keystone_authtoken]\nauth-url = http://k/v3\nport = 1\nmade_up = 1\n',
  );
  const f = `${r.dir}/1.conf`;
  assert.deepEqual(
    r.problems,
    [
      `${f}:2: [DEFAULT] debug: unknown option ([DEFAULT] holds none of this service's options)`,
      `${f}:3: [default]: unknown group (oslo.config's is [DEFAULT], in capitals)`,
      `${f}:5: [database]: unknown group (groups: DEFAULT, ${Object.keys(schema).join(', ')})`,
      `${f}:9: [keystone_authtoken] auth-url: unknown option; did you mean auth_url?`,
      `${f}:10: [keystone_authtoken] port: unknown option; it is in [server]`,
      `${f}:11: [keystone_authtoken] made_up: unknown option`,
    ],
    'one problem per key, one per unknown group',
  );
});

test("keystonemiddleware's names: TLS options as deprecated aliases, a warning naming their place", () => {
  const r = read('[keystone_authtoken]\ncafile = /ca.pem\ninsecure = false\nmemcache_servers = mc:11211\n');
  assert.deepEqual(r.problems, [], 'accepted');
  assert.deepEqual(
    r.values,
    {
      communication: { cafile: '/ca.pem', insecure: 'false' },
      keystone_authtoken: { memcached_servers: 'mc:11211' },
    },
    'set where the options live here',
  );
  assert.equal(r.warnings.length, 3, r.warnings.join('\n'));
  assert.match(
    r.warnings[0]!,
    /1\.conf:2: \[keystone_authtoken\] cafile: deprecated name, use \[communication\] cafile/,
    "keystonemiddleware's cafile: a warning naming the file, line and the option to use",
  );
  assert.match(
    r.warnings[2]!,
    /memcache_servers: deprecated name, use \[keystone_authtoken\] memcached_servers/,
    'memcache_servers: a warning naming memcached_servers',
  );
});

test('in one file the current name beats a deprecated one whatever the order; across files the later file wins', () => {
  const same = read('[communication]\ncafile = /new.pem\n[keystone_authtoken]\ncafile = /old.pem\n');
  assert.equal(same.values.communication?.cafile, '/new.pem', 'current name wins within a file');
  const later = read('[communication]\ncafile = /new.pem\n', '[keystone_authtoken]\ncafile = /old.pem\n');
  assert.equal(later.values.communication?.cafile, '/old.pem', 'the later file wins, even through an alias');
});

test('a repeated key: the last value wins, as in oslo.config, with a warning', () => {
  const r = read('[server]\nport = 1\n[log]\nlevel = warn\n[server]\nport = 2\n');
  assert.equal(r.values.server?.port, '2', 'last wins');
  assert.deepEqual(
    r.warnings,
    [`${r.dir}/1.conf:6: [server] port: set again (first at line 2); the last value wins, as in oslo.config`],
    'said once',
  );
});

test('upstream options not implemented here: one warning listing them all, over every file', () => {
  const r = read(
    '[keystone_authtoken]\nhttp_connect_timeout = 5\nmemcache_pool_maxsize = 10\n',
    '[keystone_authtoken]\nauth_uri = http://k:5000\nmemcache_tls_enabled = false\n',
  );
  assert.deepEqual(r.problems, [], 'not errors');
  assert.deepEqual(r.values, {}, 'nothing set');
  assert.deepEqual(
    r.warnings,
    [
      `keystone_authtoken: keystonemiddleware options this service does not implement, ignored (docs/upstream-differences.md): http_connect_timeout (${r.dir}/1.conf:2), memcache_pool_maxsize (${r.dir}/1.conf:3), auth_uri (${r.dir}/2.conf:2), memcache_tls_enabled (${r.dir}/2.conf:3)`,
    ],
    'exactly one warning',
  );
});

test('upstream options whose absence would change who we are or drop a protection are refused', () => {
  const r = read('[keystone_authtoken]\nuser_id = 1b2c3d4e\nmemcache_tls_enabled = True\n');
  assert.deepEqual(
    r.problems,
    [
      `${r.dir}/1.conf:2: [keystone_authtoken] user_id: not implemented by this service: name the service user with username and user_domain_name (or user_domain_id)`,
      `${r.dir}/1.conf:3: [keystone_authtoken] memcache_tls_enabled: not implemented by this service: protect the entries with memcache_security_strategy ENCRYPT (TLS to memcached is not implemented)`,
    ],
    'each refused with what to do instead',
  );
});

test('$: escapes read, substitutions refused without showing the value', () => {
  const r = read('[keystone_authtoken]\npassword = pa$$word\nusername = $my_user\n');
  assert.equal(r.values.keystone_authtoken?.password, 'pa$word', '$$ is a $');
  assert.equal(r.problems.length, 1, r.problems.join('\n'));
  assert.match(
    r.problems[0]!,
    /1\.conf:3: \[keystone_authtoken\] username: holds a \$name or \$\{group\.name\}/,
    'a substitution is refused, naming the file, line and key',
  );
  assert.ok(!r.problems[0]!.includes('my_user'), 'the value is not repeated');
});

test('files oslo.config cannot read: missing, a directory, a syntax error, not UTF-8, a byte order mark', () => {
  const dir = tmpDir({
    'syntax.conf': '[s]\n  oops\n',
    'latin1.conf': Buffer.from([0x5b, 0x73, 0x5d, 0x0a, 0x6b, 0x3d, 0xe9, 0x0a]),
    'bom.conf': Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('[server]\nport = 1\n')]),
  });
  fs.mkdirSync(path.join(dir, 'sub.conf'));
  const names = ['missing.conf', 'sub.conf', 'syntax.conf', 'latin1.conf', 'bom.conf'];
  const r = readOsloFiles(
    names.map((n) => path.join(dir, n)),
    schema,
  );
  assert.deepEqual(
    r.problems,
    [
      `${dir}/missing.conf: not found`,
      `${dir}/sub.conf: not a regular file (a directory)`,
      `${dir}/syntax.conf:2: unexpected continuation line`,
      `${dir}/latin1.conf: is not UTF-8 text`,
      `${dir}/bom.conf: starts with a byte order mark: save it as UTF-8 without one`,
    ],
    'one problem per file, each naming it',
  );
});

test('a file that is not a regular one, or over 1 MiB, is refused naming it, and never read whole', () => {
  const dir = tmpDir({ 'exact.conf': `[server]\nhost = ${'a'.repeat(MAX_CONFIG_FILE_BYTES - 17)}\n` });
  fs.symlinkSync('/dev/zero', path.join(dir, 'zero.conf'));
  fs.writeFileSync(path.join(dir, 'big.conf'), Buffer.alloc(MAX_CONFIG_FILE_BYTES + 1, 0x23));
  const { files } = sourceFiles([{ kind: 'dir', path: dir }]);
  const r = readOsloFiles(files, schema);
  assert.equal(fs.statSync(path.join(dir, 'exact.conf')).size, MAX_CONFIG_FILE_BYTES, 'exactly 1 MiB');
  assert.deepEqual(
    r.problems,
    [
      `${dir}/big.conf: larger than ${MAX_CONFIG_FILE_BYTES} bytes (1 MiB)`,
      `${dir}/zero.conf: not a regular file (a device)`,
    ],
    'a link to /dev/zero and a file one byte over 1 MiB are refused, each named; a file of exactly 1 MiB is read',
  );
  assert.equal(r.values.server?.host?.length, MAX_CONFIG_FILE_BYTES - 17, 'the 1 MiB file was read whole');
});
