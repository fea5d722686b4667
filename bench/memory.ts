// npm run bench:memory: what a cached token costs. For a catalog of 2 services and one of 15 (3 endpoints
// each; real clouds have 10 to 30), dist/server.js validates 10,000 distinct tokens, one request each; the
// heap after a forced full GC (through the inspector protocol, so the measured process runs no bench code)
// and the RSS are read before and after. With memcached (when installed), the bytes memcached holds per token.
// Figures only: nothing here passes or fails.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import memjs from 'memjs';
import { Agent, WebSocket, request } from 'undici';
import { startMockCloud, type MockCloud } from '../src/mocks/cloud.js';
import type { Seed } from '../src/mocks/keystone/store.js';
import { children, freePort, log, rssMiB, stop, waitHttp, runMain, serviceEnv } from './procs.js';
// The test suite's helper: one way to run a memcached.
import { memcachedBinary, startMemcached } from '../test/helpers/memcached.js';
import { issueDemoToken } from '../test/helpers/mocks.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const TOKENS = Number(process.env.BENCH_TOKENS ?? 10_000);
// At most validation_concurrency (16) new tokens at once from one client: more would be queued or shed (503).
const CONCURRENCY = 16;
const NODE_FLAGS = (process.env.BENCH_NODE_FLAGS ?? '--max-semi-space-size=32').split(' ').filter(Boolean);
/** Another build to measure side by side (e.g. a checkout of the previous commit's dist/). */
const DIST = process.env.BENCH_DIST ?? path.join(ROOT, 'dist');

/** The mock seed with `services` services: identity and image first, then made-up ones, 3 endpoints each. */
function seedWith(services: number): string {
  const seed = JSON.parse(fs.readFileSync(path.join(ROOT, 'src/mocks/keystone/seed.json'), 'utf8')) as Seed;
  const base = seed.services.filter((s) => s.type === 'identity' || s.type === 'image');
  const extra = Array.from({ length: Math.max(0, services - base.length) }, (_, i) => ({
    id: `bench${String(i).padStart(28, '0')}`,
    type: `bench-service-${i}`,
    name: `bench-${i}`,
    endpoints: ['public', 'internal', 'admin'].map((iface, j) => ({
      id: `bench${String(i * 3 + j).padStart(28, '1')}`,
      interface: iface,
      region: 'RegionOne',
      url: `https://bench-${i}.${iface}.cloud.example.org:8${String(i).padStart(3, '0')}/v2.1`,
    })),
  }));
  const file = path.join(os.tmpdir(), `bench-seed-${services}-${process.pid}.json`);
  fs.writeFileSync(file, JSON.stringify({ ...seed, services: [...base, ...extra] }));
  return file;
}

/** Chrome DevTools protocol over the service's --inspect socket: a full GC, then the heap in use. */
class Inspector {
  private id = 0;
  private readonly pending = new Map<number, (result: unknown) => void>();
  private constructor(private readonly ws: WebSocket) {
    ws.addEventListener('message', (event) => {
      const msg = JSON.parse(String(event.data)) as { id?: number; result?: unknown };
      if (msg.id !== undefined) this.pending.get(msg.id)?.(msg.result);
    });
  }

  static async connect(url: string): Promise<Inspector> {
    const ws = new WebSocket(url);
    await new Promise((resolve, reject) => {
      ws.addEventListener('open', resolve, { once: true });
      ws.addEventListener('error', reject, { once: true });
    });
    return new Inspector(ws);
  }

  private call<T>(method: string): Promise<T> {
    const id = ++this.id;
    this.ws.send(JSON.stringify({ id, method }));
    return new Promise((resolve) => this.pending.set(id, resolve as (r: unknown) => void));
  }

  async heapAfterGc(): Promise<number> {
    await this.call('HeapProfiler.collectGarbage');
    await this.call('HeapProfiler.collectGarbage');
    return (await this.call<{ usedSize: number }>('Runtime.getHeapUsage')).usedSize;
  }

  close(): void {
    this.ws.close();
  }
}

/** dist/server.js with the inspector on a free port; resolves once it serves. */
async function startService(
  cloud: MockCloud,
  env: Record<string, string>,
): Promise<{ proc: ChildProcess; url: string; inspector: Inspector }> {
  const port = await freePort();
  const proc = spawn(process.execPath, [...NODE_FLAGS, '--inspect=127.0.0.1:0', path.join(DIST, 'server.js')], {
    env: { PATH: process.env.PATH!, ...serviceEnv(cloud.keystoneUrl, port), OS_LOG__LEVEL: 'warn', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true,
  });
  children.push(proc);
  const wsUrl = await new Promise<string>((resolve, reject) => {
    let err = '';
    proc.stderr.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /ws:\/\/\S+/.exec(err);
      if (m) resolve(m[0]);
    });
    proc.on('exit', (code) => reject(new Error(`service exited (${code}): ${err}`)));
  });
  const url = `http://127.0.0.1:${port}`;
  await waitHttp(`${url}/healthz`);
  return { proc, url, inspector: await Inspector.connect(wsUrl) };
}

interface Result {
  services: number;
  catalogJsonBytes: number;
  heapPerTokenBytes: number;
  heapAfterMiB: number;
  rssAfterMiB: number;
  memcachedBytesPerToken?: number;
}

async function measure(services: number, memcached?: string): Promise<Result> {
  const cloud = await startMockCloud({
    keystone: { port: 0, seed: seedWith(services), token_ttl: 7200 },
    glance: { port: 0 },
  });
  const store = cloud.keystone.store;
  const issue = () => issueDemoToken(cloud).id;
  const service = await startService(
    cloud,
    memcached
      ? {
          OS_KEYSTONE_AUTHTOKEN__MEMCACHED_SERVERS: memcached,
          OS_KEYSTONE_AUTHTOKEN__MEMCACHE_SECURITY_STRATEGY: 'ENCRYPT',
          OS_KEYSTONE_AUTHTOKEN__MEMCACHE_SECRET_KEY: 'bench-secret',
        }
      : {},
  );
  const agent = new Agent({ connections: CONCURRENCY });
  let failures = 0;
  const get = async (token: string) => {
    const res = await request(`${service.url}/`, { headers: { 'x-auth-token': token }, dispatcher: agent });
    await res.body.dump();
    if (res.statusCode !== 200) failures++;
  };
  // Warm up: JIT, pools, the service user's token, a few cached tokens.
  for (let i = 0; i < 200; i++) await get(issue());
  const heap0 = await service.inspector.heapAfterGc();
  const tokens = Array.from({ length: TOKENS }, issue);
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < tokens.length) await get(tokens[next++]!);
    }),
  );
  const heap1 = await service.inspector.heapAfterGc();
  if (failures > 0) log(`${failures} requests failed: the figures are not meaningful`);
  const result: Result = {
    services,
    catalogJsonBytes: JSON.stringify(store.catalog()).length,
    heapPerTokenBytes: (heap1 - heap0) / TOKENS,
    heapAfterMiB: heap1 / 1024 / 1024,
    rssAfterMiB: rssMiB(service.proc.pid!),
  };
  if (memcached) {
    const client = memjs.Client.create(memcached, { logger: { log: () => {} } });
    const stats = await new Promise<Record<string, string>>((resolve) =>
      client.stats((_err, _server, s) => resolve(s ?? {})),
    );
    client.close();
    result.memcachedBytesPerToken = Number(stats.bytes) / TOKENS;
  }
  service.inspector.close();
  await agent.close();
  await stop(service.proc);
  await cloud.close();
  return result;
}

async function main() {
  log(`measuring ${DIST}/server.js with ${TOKENS} tokens`);
  const results: Result[] = [];
  for (const services of [2, 15]) {
    log(`${services}-service catalog: in-process cache`);
    results.push(await measure(services));
  }
  const shared: Result[] = [];
  for (const services of [2, 15]) {
    if (memcachedBinary === '') {
      log('memcached not installed: its rows are skipped');
      break;
    }
    const memcached = await startMemcached({ megabytes: 1024 });
    log(`${services}-service catalog: memcached`);
    shared.push(await measure(services, memcached.address));
    await memcached.kill();
  }
  const lines = [
    `Measured ${new Date().toISOString().slice(0, 10)} on ${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}, Node ${process.version}; ${TOKENS} distinct tokens, one request each; heap after a forced full GC.`,
    '',
    '| catalog | catalog JSON bytes | heap per cached token | heap after | RSS after | memcached bytes per token |',
    '|---|---:|---:|---:|---:|---:|',
    ...results.map((r) => {
      const m = shared.find((s) => s.services === r.services);
      return `| ${r.services} services | ${r.catalogJsonBytes} | ${(r.heapPerTokenBytes / 1024).toFixed(2)} KiB | ${r.heapAfterMiB.toFixed(0)} MiB | ${r.rssAfterMiB.toFixed(0)} MiB | ${m?.memcachedBytesPerToken?.toFixed(0) ?? 'n/a'} |`;
    }),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

runMain(main);
