// Child processes for tests that need a real process: signals, exit codes, stdout; and the programs the
// machine may or may not have (memcached, kubectl, the openstack CLI).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';

/** Where `name` is on PATH, or '' when it is not installed. */
export function commandPath(name: string): string {
  try {
    return execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim();
  } catch {
    return '';
  }
}

/**
 * A suite's `skip` for a program the GitHub workflow installs (memcached and the openstack CLI through
 * scripts/test-packages.sh, kubectl with setup-kubectl): skipped without it unless CI=true, which skips none.
 */
export function skipWithout(path: string, reason: string): string | false {
  return path === '' && process.env.CI !== 'true' ? reason : false;
}

export interface Child {
  proc: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /**
   * Resolves with the first stdout line matching `pattern` (or rejects when the process exits first). The
   * timeout only turns a start that never comes into a failure; it is generous for a loaded machine.
   */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<string>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function startChild(args: string[], env: Record<string, string | undefined> = {}): Child {
  const proc = spawn(process.execPath, ['--import', 'tsx', ...args], {
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const waiters: { pattern: RegExp; resolve: (line: string) => void }[] = [];
  const check = () => {
    for (const w of [...waiters]) {
      const line = out.split('\n').find((l) => w.pattern.test(l));
      if (line !== undefined) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(line);
      }
    }
  };
  proc.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    check();
  });
  proc.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    proc,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitForLine(pattern, timeoutMs = 120_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () =>
            reject(new Error(`no line matching ${pattern} within ${timeoutMs} ms; stdout:\n${out}\nstderr:\n${err}`)),
          timeoutMs,
        );
        waiters.push({ pattern, resolve: (line) => (clearTimeout(timer), resolve(line)) });
        void exited.then(() =>
          setImmediate(() => reject(new Error(`exited before ${pattern}; stdout:\n${out}\nstderr:\n${err}`))),
        );
        check();
      });
    },
  };
}
