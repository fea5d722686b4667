// Process plumbing shared by the benchmark scripts: start and stop servers, read their CPU and memory from
// /proc, get tokens from the mock Keystone.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { SERVICE_NAME } from '../src/common/package-info.js';
// The test suite's helper: one way to pick a free port.
export { freePort } from '../test/helpers/net.js';

const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
/** Every process started, so a failing run can still stop them all. */
export const children: ChildProcess[] = [];

/**
 * What this service needs to run under a benchmark: where it listens, the Keystone it trusts and its own
 * user there (the mock seed's). Callers add their own options (log level, cache, memcached).
 */
export function serviceEnv(keystoneV3Url: string, port: number): Record<string, string> {
  return {
    OS_SERVER__PORT: String(port),
    OS_KEYSTONE_AUTHTOKEN__AUTH_URL: keystoneV3Url,
    // The mock Keystone's user for this service (src/mocks/keystone/seed.json): package.json's name.
    OS_KEYSTONE_AUTHTOKEN__USERNAME: SERVICE_NAME,
    OS_KEYSTONE_AUTHTOKEN__PASSWORD: `${SERVICE_NAME}-pw`,
    NODE_ENV: 'production',
  };
}

export function log(message: string) {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

/** Start a process and resolve with its first stdout line matching `ready`. */
export function start(
  cmd: string,
  args: string[],
  env: Record<string, string>,
  ready?: RegExp,
): Promise<{ proc: ChildProcess; line: string }> {
  const proc = spawn(cmd, args, {
    env: { PATH: process.env.PATH!, HOME: process.env.HOME ?? '/tmp', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  children.push(proc);
  let err = '';
  proc.stderr.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
  if (!ready) return Promise.resolve({ proc, line: '' });
  return new Promise((resolve, reject) => {
    let out = '';
    proc.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n').find((l) => ready.test(l));
      if (line) resolve({ proc, line });
    });
    proc.on('exit', (code) => reject(new Error(`${cmd} exited (${code}): ${err}`)));
  });
}

/** Run a benchmark's main: a failure is logged and sets the exit code; every process started is stopped. */
export function runMain(main: () => Promise<void>): void {
  main()
    .catch((err: unknown) => {
      log(`failed: ${(err as Error).stack ?? String(err)}`);
      process.exitCode = 1;
    })
    .finally(() => Promise.all(children.map(stop)));
}

export async function stop(proc: ChildProcess) {
  if (proc.exitCode !== null) return;
  const exited = new Promise((resolve) => proc.once('exit', resolve));
  try {
    process.kill(-proc.pid!, 'SIGTERM');
  } catch {
    return;
  }
  await exited;
}

export async function waitHttp(url: string, timeoutMs = 60_000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      await (await fetch(url)).arrayBuffer();
      return;
    } catch {
      if (Date.now() > until) throw new Error(`${url} did not come up`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/** The process and its descendants (gunicorn's workers). */
export function tree(pid: number): number[] {
  let out = '';
  try {
    out = execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' });
  } catch {
    // ps exits 1 when there are no children
  }
  const kids = out
    .split('\n')
    .filter((l) => l.trim())
    .map(Number);
  return [pid, ...kids.flatMap(tree)];
}

export function cpuSeconds(pid: number): number {
  return tree(pid).reduce((sum, p) => {
    try {
      const fields = fs.readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1]!.split(' ');
      return sum + (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
    } catch {
      return sum;
    }
  }, 0);
}

export function rssMiB(pid: number): number {
  return tree(pid).reduce((sum, p) => {
    try {
      const kb = Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${p}/status`, 'utf8'))?.[1] ?? 0);
      return sum + kb / 1024;
    } catch {
      return sum;
    }
  }, 0);
}

export const median = (values: number[]) => {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

export async function issueToken(
  keystone: string,
  user: string,
  password: string,
  project: string,
  domain = 'Default',
): Promise<string> {
  const res = await fetch(`${keystone}/v3/auth/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      auth: {
        identity: { methods: ['password'], password: { user: { name: user, password, domain: { name: domain } } } },
        scope: { project: { name: project, domain: { name: domain } } },
      },
    }),
  });
  await res.arrayBuffer();
  if (res.status !== 201) throw new Error(`token for ${user}: ${res.status}`);
  return res.headers.get('x-subject-token')!;
}

export async function keystoneCount(keystone: string, key: string): Promise<number> {
  return (
    ((await (await fetch(`${keystone}/__mock/stats`)).json()) as { counters: Record<string, number> }).counters[key] ??
    0
  );
}
