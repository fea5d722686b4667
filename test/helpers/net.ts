// Network helpers for tests: the one way a test listens (port 0 on loopback), ports nobody listens on, and
// waiting on a condition.
import assert from 'node:assert/strict';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';

export interface Listening<S extends net.Server> {
  server: S;
  port: number;
  /** `http://127.0.0.1:<port>` (`https://` for an https.Server). */
  url: string;
  /** Stop listening and drop every open connection, idle keep-alive ones included. Safe to call twice. */
  close(): Promise<void>;
}

/**
 * Listen on a free loopback port (port 0): the one way tests listen. Give it a request handler (served over
 * plain HTTP) or a server of any kind (http, https, net) with its handlers attached.
 */
export function listen(
  handler: (req: http.IncomingMessage, res: http.ServerResponse) => unknown,
): Promise<Listening<http.Server>>;
export function listen<S extends net.Server>(server: S): Promise<Listening<S>>;
export async function listen(
  what: net.Server | ((req: http.IncomingMessage, res: http.ServerResponse) => unknown),
): Promise<Listening<net.Server>> {
  const server = typeof what === 'function' ? http.createServer((req, res) => void what(req, res)) : what;
  const sockets = new Set<net.Socket>();
  server.on('connection', (socket: net.Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as net.AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    server,
    port,
    url: `${server instanceof https.Server ? 'https' : 'http'}://127.0.0.1:${port}`,
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      })),
  };
}

/** A port that was free a moment ago (for servers that need one chosen up front, such as memcached). */
export async function freePort(): Promise<number> {
  const listening = await listen(net.createServer());
  await listening.close();
  return listening.port;
}

/** A loopback URL where nothing listens: connections are refused. */
export async function closedUrl(path = ''): Promise<string> {
  return `http://127.0.0.1:${await freePort()}${path}`;
}

/**
 * The bound on waitFor, only so that a wait that can never end fails with its reason before the runner's
 * 300 s timeout. Generous: how long a condition takes on a loaded machine is never what a test checks.
 */
const WAIT_LIMIT_MS = 120_000;

/**
 * Between two polls: long enough that polling (often an HTTP call to a mock's stats) leaves the cores to what
 * it awaits, short enough not to slow a test down; a timer, never setImmediate, which would spin.
 */
export const POLL_INTERVAL_MS = 10;

/** Poll `condition` (no fixed sleeps) until it holds; `what` says what is awaited, for the failure. */
export async function waitFor(condition: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const until = Date.now() + WAIT_LIMIT_MS;
  while (!(await condition())) {
    if (Date.now() > until) assert.fail(`still waiting after ${WAIT_LIMIT_MS / 1000} s: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
}
