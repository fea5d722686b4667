// The rule of `npm run test:unit`, enforced: a unit test starts no child process and touches no network, not
// even loopback. `node --import ./test/helpers/unit-guard.ts` loads this before the test file, so a unit test
// that spawns, listens, connects, resolves a name or fetches fails at once with an error naming the rule.
// Integration tests are the files named `*.test.ts` without `.unit` (docs/testing.md).
import { createRequire, syncBuiltinESMExports } from 'node:module';
import type Dgram from 'node:dgram';
import type Net from 'node:net';

export class UnitGuardError extends Error {
  override name = 'UnitGuardError';
}

const refusal = (what: string) =>
  new UnitGuardError(
    `${what} in a unit test: *.unit.test.ts files start no child process and open no socket, loopback ` +
      'included (test/helpers/unit-guard.ts). Fake the dependency, or move the test to a *.test.ts file.',
  );

const forbidden = (what: string) => () => {
  throw refusal(what);
};

const CHILD_PROCESS = ['spawn', 'spawnSync', 'exec', 'execSync', 'execFile', 'execFileSync', 'fork'] as const;
const DNS = ['lookup', 'lookupService', 'resolve', 'resolve4', 'resolve6', 'resolveAny'] as const;

let installed = false;

/** Make child processes, listening, connecting, DNS and fetch throw in this process. Idempotent. */
export function installUnitGuard(): void {
  if (installed) return;
  installed = true;
  // The CommonJS module objects are the ones ESM named imports mirror (syncBuiltinESMExports below).
  const require = createRequire(import.meta.url);
  const childProcess = require('node:child_process') as Record<string, unknown>;
  for (const name of CHILD_PROCESS) childProcess[name] = forbidden(`child_process.${name}()`);
  const net = require('node:net') as typeof Net;
  // http(s).Server and tls.Server are net.Servers; every client socket (http, https, tls, undici, fetch) is
  // a net.Socket that connects.
  net.Server.prototype.listen = forbidden('listening (net.Server.listen)');
  net.Socket.prototype.connect = forbidden('connecting a socket (net.Socket.connect)');
  const dgram = require('node:dgram') as typeof Dgram;
  dgram.Socket.prototype.bind = forbidden('binding a UDP socket');
  dgram.Socket.prototype.send = forbidden('sending a UDP datagram');
  const dns = require('node:dns') as Record<string, unknown> & { promises: Record<string, unknown> };
  for (const name of DNS) dns[name] = dns.promises[name] = forbidden(`dns.${name}()`);
  // fetch would fail anyway (its socket cannot connect), but as "fetch failed" with the reason in `cause`.
  globalThis.fetch = () => Promise.reject(refusal('fetch()'));
  syncBuiltinESMExports();
}

/**
 * Loaded with --import: guard each test file's process. `node --test` runs every file in a child process of
 * its own (NODE_TEST_CONTEXT set) and must itself spawn them, so the runner is left alone.
 */
const runner = process.env.NODE_TEST_CONTEXT === undefined && process.execArgv.some((a) => /^--test(=|$)/.test(a));
if (!runner) installUnitGuard();
