// npm run bench:replicas: the same load (50 connections, 1000 distinct tokens) on one replica with its
// in-process cache, and spread over two replicas sharing memcached (ENCRYPT) or not sharing anything.
// Reports throughput and the Keystone validations each setup needed.
import { execFileSync, type ChildProcess } from 'node:child_process';
import autocannon from 'autocannon';
import { freePort, issueToken, keystoneCount, log, start, stop, waitHttp, runMain, serviceEnv } from './procs.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = 50;
const TOKENS = 1000;

async function replica(keystone: string, memcached: string | undefined): Promise<{ proc: ChildProcess; url: string }> {
  const port = await freePort();
  const { proc } = await start(process.execPath, ['--max-semi-space-size=32', 'dist/server.js'], {
    ...serviceEnv(`${keystone}/v3`, port),
    OS_LOG__LEVEL: 'warn',
    ...(memcached
      ? {
          OS_KEYSTONE_AUTHTOKEN__MEMCACHED_SERVERS: memcached,
          OS_KEYSTONE_AUTHTOKEN__MEMCACHE_SECURITY_STRATEGY: 'ENCRYPT',
          OS_KEYSTONE_AUTHTOKEN__MEMCACHE_SECRET_KEY: 'bench',
        }
      : {}),
  });
  await waitHttp(`http://127.0.0.1:${port}/healthz`);
  return { proc, url: `http://127.0.0.1:${port}/` };
}

/** Load spread evenly over the URLs; every request takes the next of the tokens. */
async function load(urls: string[], tokens: string[]): Promise<{ rps: number; errors: number }> {
  let n = 0;
  const results = await Promise.all(
    urls.map((url) =>
      autocannon({
        url,
        connections: CONNECTIONS / urls.length,
        duration: SECONDS,
        requests: [
          {
            setupRequest: (req) => ({
              ...req,
              headers: { ...req.headers, 'x-auth-token': tokens[n++ % tokens.length]! },
            }),
          },
        ],
      }),
    ),
  );
  return {
    rps: results.reduce((s, r) => s + r.requests.average, 0),
    errors: results.reduce((s, r) => s + r.errors + r.non2xx + r.timeouts, 0),
  };
}

async function main() {
  execFileSync('npm', ['run', 'build'], { stdio: 'ignore' });
  const mocks = await start(process.execPath, ['--import', 'tsx', 'bench/mocks.ts'], {}, /"keystone"/);
  const { keystone } = JSON.parse(mocks.line) as { keystone: string };
  const memcachedPort = await freePort();
  await start('memcached', ['-l', '127.0.0.1', '-p', String(memcachedPort), '-U', '0', '-m', '64', '-u', 'nobody'], {});
  const memcached = `127.0.0.1:${memcachedPort}`;
  const rows: string[] = [];
  for (const [name, count, shared] of [
    ['1 replica, in-process cache', 1, false],
    ['2 replicas, shared memcached (ENCRYPT)', 2, true],
    ['2 replicas, no shared cache', 2, false],
  ] as const) {
    log(name);
    const replicas = await Promise.all(
      Array.from({ length: count }, () => replica(keystone, shared ? memcached : undefined)),
    );
    const tokens: string[] = [];
    for (let i = 0; i < TOKENS; i += 50)
      tokens.push(
        ...(await Promise.all(Array.from({ length: 50 }, () => issueToken(keystone, 'demo', 'demopw', 'demo')))),
      );
    const before = await keystoneCount(keystone, 'validations');
    const result = await load(
      replicas.map((r) => r.url),
      tokens,
    );
    // The mock Glance validates each token once too: subtract its share.
    const ours = (await keystoneCount(keystone, 'validations')) - before - TOKENS;
    rows.push(`| ${name} | ${result.rps.toFixed(0)} | ${ours} | ${result.errors} |`);
    await Promise.all(replicas.map((r) => stop(r.proc)));
  }
  process.stdout.write(
    [
      `${SECONDS} s at ${CONNECTIONS} connections over ${TOKENS} distinct tokens, 60 images; 2 cores shared by everything.`,
      '',
      '| setup | req/s | Keystone validations by the service | errors |',
      '|---|---:|---:|---:|',
      ...rows,
      '',
    ].join('\n'),
  );
}

runMain(main);
