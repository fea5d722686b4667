// A real memcached (Debian's package) for the shared-cache tests, on a free port, killable mid-test.
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { freePort, waitFor } from './net.js';
import { commandPath, skipWithout } from './process.js';

export const memcachedBinary = commandPath('memcached');

/** Skip outside CI when memcached is not installed; CI installs it (.ci/run), so there it must run. */
export const skipWithoutMemcached = skipWithout(memcachedBinary, 'memcached not installed (apt-get install memcached)');

export interface Memcached {
  address: string;
  port: number;
  kill(): Promise<void>;
  /** Start again on the same port (after kill). */
  restart(): Promise<void>;
}

/** True when something accepts connections on the port. */
function accepting(port: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => (socket.destroy(), resolve(true)));
    socket.on('error', () => resolve(false));
  });
}

/** A memcached of `megabytes` of item memory (the benchmarks hold 10,000 tokens' entries and more). */
export async function startMemcached({ megabytes = 32 } = {}): Promise<Memcached> {
  const port = await freePort();
  let proc: ChildProcess | undefined;
  const launch = async () => {
    proc = spawn(
      memcachedBinary,
      ['-l', '127.0.0.1', '-p', String(port), '-U', '0', '-m', String(megabytes), '-u', 'nobody'],
      {
        stdio: 'ignore',
      },
    );
    // Polled until it listens, or until it exits (its port taken meanwhile by another process): then fail
    // rather than take whatever else listens there for our memcached.
    const started = proc;
    await waitFor(async () => started.exitCode !== null || (await accepting(port)), `memcached listening on ${port}`);
    if (started.exitCode !== null) throw new Error(`memcached exited with ${started.exitCode} (port ${port} taken?)`);
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
