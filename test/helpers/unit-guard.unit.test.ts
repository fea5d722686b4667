// The guard of `npm run test:unit` (unit-guard.ts): in a unit test file every way to start a process or to
// reach the network throws UnitGuardError, and `npm run test:unit` loads it before every *.unit.test.ts file.
// Importing the guard installs it here too, so this file proves it under `npm test` as well.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import childProcess, { exec, execFile, execFileSync, execSync, fork, spawn, spawnSync } from 'node:child_process';
import dgram from 'node:dgram';
import dns from 'node:dns';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import tls from 'node:tls';
import { request } from 'undici';
import { UnitGuardError } from './unit-guard.js';

const isGuard = (what: string) => (err: unknown) =>
  err instanceof UnitGuardError && err.message.startsWith(what) && /\*\.unit\.test\.ts/.test(err.message);

describe('what a unit test may not do throws UnitGuardError', () => {
  test('child processes: every child_process function, as a named import and on the module', () => {
    const named = { spawn, spawnSync, exec, execSync, execFile, execFileSync, fork } as unknown as Record<
      string,
      () => unknown
    >;
    for (const [name, fn] of Object.entries(named)) {
      assert.throws(() => fn(), isGuard(`child_process.${name}()`), `${name} imported by name refuses to start`);
      const onModule = (childProcess as unknown as Record<string, () => unknown>)[name]!;
      assert.throws(() => onModule(), isGuard(`child_process.${name}()`), `child_process.${name} refuses to start`);
    }
  });

  test('listening: an HTTP server and a plain TCP server, even on loopback port 0', () => {
    assert.throws(() => http.createServer().listen(0, '127.0.0.1'), isGuard('listening'), 'http.Server.listen');
    assert.throws(() => net.createServer().listen(0, '127.0.0.1'), isGuard('listening'), 'net.Server.listen');
  });

  test('connecting: net, TLS, node:http, undici and fetch', async () => {
    assert.throws(() => net.connect(9, '127.0.0.1'), isGuard('connecting a socket'), 'net.connect');
    assert.throws(() => tls.connect(9, '127.0.0.1'), isGuard('connecting a socket'), 'tls.connect');
    assert.throws(() => http.get('http://127.0.0.1:9/'), isGuard('connecting a socket'), 'http.get');
    await assert.rejects(request('http://127.0.0.1:9/'), isGuard('connecting a socket'), 'undici.request');
    await assert.rejects(fetch('http://127.0.0.1:9/'), isGuard('fetch()'), 'fetch, with the guard as the error');
  });

  test('DNS and UDP', async () => {
    assert.throws(() => dns.lookup('localhost', () => undefined), isGuard('dns.lookup()'), 'dns.lookup');
    await assert.rejects(async () => dns.promises.lookup('localhost'), isGuard('dns.lookup()'), 'dns.promises');
    const socket = dgram.createSocket('udp4');
    assert.throws(() => socket.bind(0), isGuard('binding a UDP socket'), 'dgram bind');
    socket.close();
  });
});

test('npm run test:unit preloads the guard and runs exactly the *.unit.test.ts files', () => {
  const scripts = (JSON.parse(fs.readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> }).scripts;
  const unit = scripts['test:unit'] ?? '';
  assert.match(unit, /--import \.\/test\/helpers\/unit-guard\.ts /, 'the guard loads before each test file');
  assert.match(unit, /find test -name '\*\.unit\.test\.ts'/, 'the unit set is the files named *.unit.test.ts');
  assert.match(scripts.test ?? '', /find test -name '\*\.test\.ts'/, 'npm test still runs every file, unit included');
});
