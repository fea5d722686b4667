// A real memcached (Debian's package) for the shared-cache tests, on a free port, killable mid-test.
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { execFileSync } from 'node:child_process';
import { freePort } from './net.js';

export const memcachedBinary = (() => {
  try {
    return execFileSync('sh', ['-c', 'command -v memcached'], { encoding: 'utf8' }).trim();
  } catch {
    return '';
  }
})();

/** Skip outside CI when memcached is not installed; CI installs it (.ci/run), so there it must run. */
export const skipWithoutMemcached = memcachedBinary === '' && process.env.CI !== 'true' ? 'memcached not installed (apt-get install memcached)' : false;

export interface Memcached {
  address: string;
  port: number;
  kill(): Promise<void>;
  /** Start again on the same port (after kill). */
  restart(): Promise<void>;
}

async function waitListening(port: number): Promise<void> {
  for (let i = 0; i < 500; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => (socket.destroy(), resolve(true)));
      socket.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setImmediate(r));
  }
  throw new Error(`memcached did not listen on ${port}`);
}

export async function startMemcached(): Promise<Memcached> {
  const port = await freePort();
  let proc: ChildProcess | undefined;
  const launch = async () => {
    proc = spawn(memcachedBinary, ['-l', '127.0.0.1', '-p', String(port), '-U', '0', '-m', '32', '-u', 'nobody'], { stdio: 'ignore' });
    await waitListening(port);
  };
  await launch();
  return {
    address: `127.0.0.1:${port}`,
    port,
    kill: async () => {
      if (!proc || proc.exitCode !== null) return;
      const exited = new Promise((resolve) => proc!.once('exit', resolve));
      proc.kill('SIGKILL');
      await exited;
    },
    restart: launch,
  };
}
