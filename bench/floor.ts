// The floor: a bare node:http server that makes the same single Glance call with undici and returns the
// names, with no auth, no framework and no paging: what the architecture costs at the very least.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent } from 'undici';

const glance = process.env.FLOOR_GLANCE_URL!;
const token = process.env.FLOOR_TOKEN!;
const agent = new Agent({ connections: 128 });

async function handle(res: http.ServerResponse): Promise<void> {
  try {
    const upstream = await agent.request({
      origin: glance,
      path: '/v2/images?limit=1000',
      method: 'GET',
      headers: { 'x-auth-token': token, accept: 'application/json' },
    });
    const body = (await upstream.body.json()) as { images: { name: string | null }[] };
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body.images.map((i) => i.name)));
  } catch {
    res.writeHead(502);
    res.end();
  }
}
const server = http.createServer((_req, res) => void handle(res));
server.listen(0, '127.0.0.1', () =>
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })}\n`),
);
// A normal exit on signals, so that `--cpu-prof` writes its profile (comparing profiles is how the hot path is tuned).
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => process.exit(0));
