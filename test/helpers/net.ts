// Small network helpers for tests: ports nobody listens on, free ports, and waiting on a condition.
import assert from 'node:assert/strict';
import net from 'node:net';

/** A port that was free a moment ago (for servers that need one chosen up front). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A loopback URL where nothing listens: connections are refused. */
export async function closedUrl(path = ''): Promise<string> {
  return `http://127.0.0.1:${await freePort()}${path}`;
}

/** Poll `condition` (no fixed sleeps) until it holds, failing after `deadlineMs`. */
export async function waitFor(condition: () => Promise<boolean>, deadlineMs: number): Promise<void> {
  const until = Date.now() + deadlineMs;
  while (Date.now() < until) {
    if (await condition()) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
  assert.fail(`condition not met within ${deadlineMs} ms`);
}
