// npm run bench: this service against the Python original (keystonemiddleware + keystoneclient Session +
// glanceclient, ../shared/openstack/reference_app.py) under gunicorn and under wsgiref, and against a bare
// node:http + undici floor - side by side in one run, same mocks, same tokens, same load generator
// (autocannon). Prints a Markdown table, writes bench/results/latest.json and SVG charts under docs/.
// Figures only: nothing here passes or fails.
import { execFile, execFileSync, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import autocannon from 'autocannon';
import { Agent, request } from 'undici';
import { charts } from './svg.js';
import { SERVICE_NAME } from '../src/common/package-info.js';
import {
  cpuSeconds,
  freePort,
  issueToken,
  keystoneCount,
  log,
  median,
  rssMiB,
  start,
  stop,
  waitHttp,
  runMain,
  serviceEnv,
} from './procs.js';
// The test suite's helper: one way to listen on a free port.
import { listen } from '../test/helpers/net.js';
import { commandPath } from '../test/helpers/process.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const SHARED = process.env.SHARED ?? path.resolve(ROOT, '../shared');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = 50;
// The V8 setting the image ships (Dockerfile NODE_OPTIONS), for both Node servers alike.
const NODE_FLAGS = (process.env.BENCH_NODE_FLAGS ?? '--max-semi-space-size=32').split(' ').filter(Boolean);
const PY = '/usr/bin/python3';

interface Round {
  rps: number;
  p50: number;
  p99: number;
  cpuMsPerRequest: number;
  errors: number;
}

/** wrk (Debian) when installed: a C load generator that leaves more of the two cores to the servers. */
const WRK = (() => {
  if (process.env.BENCH_LOAD === 'autocannon') return undefined;
  return commandPath('wrk') || undefined;
})();
const execFileAsync = promisify(execFile);
const LOADGEN = WRK ? 'wrk, 2 threads' : 'autocannon';

/** wrk's "1.23ms" / "850.00us" / "1.02s" in ms. */
function wrkMs(value: string): number {
  const m = /^([\d.]+)(us|ms|s)$/.exec(value);
  if (!m) return NaN;
  return Number(m[1]) * (m[2] === 'us' ? 0.001 : m[2] === 's' ? 1000 : 1);
}

/** An OTLP/HTTP endpoint that answers 200 and drops what it gets, counting the export requests. */
async function otlpSink(): Promise<{ url: string; received(): number; close(): Promise<void> }> {
  let received = 0;
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      received++;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  const served = await listen(server);
  return { url: served.url, received: () => received, close: () => served.close() };
}

async function loadRound(url: string, token: string, pid: number, seconds: number): Promise<Round> {
  const cpu0 = cpuSeconds(pid);
  if (WRK) {
    const out = await execFileAsync(
      WRK,
      ['-t2', `-c${CONNECTIONS}`, `-d${seconds}s`, '--latency', '-H', `X-Auth-Token: ${token}`, url],
      { encoding: 'utf8' },
    ).then((r) => r.stdout);
    const cpu = cpuSeconds(pid) - cpu0;
    const total = Number(/(\d+) requests in/.exec(out)?.[1] ?? 0);
    const pct = (p: string) => wrkMs(new RegExp(`^\\s+${p}%\\s+(\\S+)`, 'm').exec(out)?.[1] ?? '');
    const errors =
      Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0) +
      [...out.matchAll(/(?:connect|read|write|timeout) (\d+)/g)].reduce((s, m) => s + Number(m[1]), 0);
    return {
      rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? NaN),
      p50: pct('50'),
      p99: pct('99'),
      cpuMsPerRequest: total > 0 ? (cpu * 1000) / total : NaN,
      errors,
    };
  }
  const result = await autocannon({
    url,
    connections: CONNECTIONS,
    duration: seconds,
    headers: { 'x-auth-token': token },
  });
  const cpu = cpuSeconds(pid) - cpu0;
  const total = result.requests.total;
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    cpuMsPerRequest: total > 0 ? (cpu * 1000) / total : NaN,
    errors: result.errors + result.timeouts + result.non2xx,
  };
}

interface SystemResult {
  name: string;
  rps: number;
  p50: number;
  p99: number;
  cpuMsPerRequest: number;
  rssMiB: number;
  errors: number;
}

async function main() {
  log('building dist/');
  execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });
  const tsx = ['--import', 'tsx'];

  const mocks = await start(process.execPath, [...tsx, 'bench/mocks.ts'], {}, /"keystone"/);
  const { keystone, glance } = JSON.parse(mocks.line) as { keystone: string; glance: string };
  log(`mocks: ${keystone} ${glance}`);
  const demo = await issueToken(keystone, 'demo', 'demopw', 'demo');
  const wile = await issueToken(keystone, 'wile', 'wilepw', 'dev', 'acme');
  const alt = await issueToken(keystone, 'alt', 'altpw', 'alt');

  const refConf = path.join(os.tmpdir(), `ref-${process.pid}.conf`);
  fs.writeFileSync(
    refConf,
    `[keystone_authtoken]\nwww_authenticate_uri = ${keystone}/v3\nauth_url = ${keystone}/v3\nauth_type = password\nusername = ${SERVICE_NAME}\npassword = ${SERVICE_NAME}-pw\nproject_name = service\nuser_domain_name = Default\nproject_domain_name = Default\n[communication]\ntimeout = 30\n`,
  );
  const pythonOk =
    fs.existsSync(PY) &&
    (() => {
      try {
        execFileSync(PY, ['-c', 'import keystonemiddleware, keystoneclient, glanceclient'], { stdio: 'ignore' });
        return true;
      } catch {
        return false;
      }
    })();
  if (!pythonOk) log('Python original unavailable (real-openstack install brings it): its rows are skipped');

  // Where the traced run exports: an OTLP/HTTP endpoint that counts and drops.
  const sink = await otlpSink();
  const launchOurs = async (entry: string, env: Record<string, string> = {}) => {
    const port = await freePort();
    const { proc } = await start(process.execPath, [...NODE_FLAGS, entry], {
      ...serviceEnv(`${keystone}/v3`, port),
      OS_LOG__LEVEL: 'warn',
      ...(process.env.BENCH_CACHE_SIZE
        ? { OS_KEYSTONE_AUTHTOKEN__TOKEN_CACHE_SIZE: process.env.BENCH_CACHE_SIZE }
        : {}),
      ...env,
    });
    await waitHttp(`http://127.0.0.1:${port}/healthz`);
    return { proc, url: `http://127.0.0.1:${port}/` };
  };

  const systems: { name: string; key: string; launch: () => Promise<{ proc: ChildProcess; url: string }> }[] = [
    {
      name: 'this service (Node, 1 process)',
      key: 'ours',
      launch: () => launchOurs('dist/server.js'),
    },
    // BENCH_BASELINE_DIST=<another build>/dist: the same service from that build, side by side (what a change
    // costs, e.g. the tracing hooks with tracing off).
    ...(process.env.BENCH_BASELINE_DIST
      ? [
          {
            name: `baseline build (${process.env.BENCH_BASELINE_DIST})`,
            key: 'baseline',
            launch: () => launchOurs(path.join(process.env.BENCH_BASELINE_DIST!, 'server.js')),
          },
        ]
      : []),
    {
      name: 'this service, tracing on (OTLP http/json to a local sink)',
      key: 'traced',
      launch: () =>
        launchOurs('dist/server.js', {
          OTEL_TRACES_EXPORTER: 'otlp',
          OTEL_EXPORTER_OTLP_ENDPOINT: sink.url,
          OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        }),
    },
    ...(pythonOk
      ? [
          {
            name: 'Python original, gunicorn (2 workers x 4 threads)',
            key: 'gunicorn',
            launch: async () => {
              const port = await freePort();
              const { proc } = await start(
                'gunicorn3',
                [
                  '-w',
                  '2',
                  '--threads',
                  '4',
                  '-b',
                  `127.0.0.1:${port}`,
                  '--chdir',
                  path.join(SHARED, 'openstack'),
                  'reference_app:application',
                ],
                { REF_CONF: refConf },
              );
              await waitHttp(`http://127.0.0.1:${port}/`);
              return { proc, url: `http://127.0.0.1:${port}/` };
            },
          },
          {
            name: "Python original, wsgiref (the article's server)",
            key: 'wsgiref',
            launch: async () => {
              const port = await freePort();
              const { proc } = await start(PY, [path.join(SHARED, 'openstack', 'reference_app.py')], {
                REF_CONF: refConf,
                REF_PORT: String(port),
              });
              await waitHttp(`http://127.0.0.1:${port}/`);
              return { proc, url: `http://127.0.0.1:${port}/` };
            },
          },
        ]
      : []),
    {
      name: 'floor: node:http + undici, no auth, no framework',
      key: 'floor',
      launch: async () => {
        const { proc, line } = await start(
          process.execPath,
          [...NODE_FLAGS, ...tsx, 'bench/floor.ts'],
          { FLOOR_GLANCE_URL: glance, FLOOR_TOKEN: demo },
          /"url"/,
        );
        return { proc, url: (JSON.parse(line) as { url: string }).url };
      },
    },
  ];

  // BENCH_ONLY=ours,floor runs a subset (profiling); docs/benchmarks.md's figures come from a full run.
  const only = process.env.BENCH_ONLY?.split(',');
  if (only) systems.splice(0, systems.length, ...systems.filter((s) => only.includes(s.key)));
  const results: SystemResult[] = [];
  const extras: Record<string, unknown> = {};
  const imageLatency: Record<string, Record<number, number>> = {};
  // All systems up at once, then the rounds interleaved and rotated (A B C D, B C D A, ...): a machine whose
  // load drifts over the minutes then affects every system alike instead of whichever ran at the bad moment.
  const running: { system: (typeof systems)[number]; proc: ChildProcess; target: string; rounds: Round[] }[] = [];
  for (const system of systems) {
    log(`${system.name}: starting`);
    const { proc, url } = await system.launch();
    const target = url.endsWith('/') ? url : `${url}/`;
    const check = await request(target, { headers: { 'x-auth-token': demo } });
    const names = (await check.body.json()) as unknown[];
    if (check.statusCode !== 200 || names.length !== 60)
      throw new Error(`${system.name}: ${check.statusCode}, ${names.length} names`);
    await loadRound(target, demo, proc.pid!, 5); // warm-up (JIT, pools, caches)
    running.push({ system, proc, target, rounds: [] });
  }
  for (let r = 0; r < ROUNDS; r++) {
    // Each round starts with the next system: whoever runs first in a round measured about 10% slower (the
    // same build against itself, both orders), and a fixed order would hand that to one system every time.
    for (let i = 0; i < running.length; i++) {
      const entry = running[(i + r) % running.length]!;
      entry.rounds.push(await loadRound(entry.target, demo, entry.proc.pid!, SECONDS));
      log(`${entry.system.name}: round ${r + 1}: ${entry.rounds.at(-1)!.rps.toFixed(0)} req/s`);
    }
  }
  for (const { system, proc, target, rounds } of running) {
    results.push({
      name: system.name,
      rps: median(rounds.map((r) => r.rps)),
      p50: median(rounds.map((r) => r.p50)),
      p99: median(rounds.map((r) => r.p99)),
      cpuMsPerRequest: median(rounds.map((r) => r.cpuMsPerRequest)),
      rssMiB: rssMiB(proc.pid!),
      errors: rounds.reduce((s, r) => s + r.errors, 0),
    });

    if (system.key === 'ours' || system.key === 'gunicorn') {
      // Keystone calls for 1000 concurrent requests with one fresh token (minus the mock Glance's own one).
      const fresh = await issueToken(keystone, 'demo', 'demopw', 'demo');
      const key = `validations:${createHash('sha256').update(fresh).digest('hex')}`;
      const agent = new Agent({ connections: 1000 });
      await Promise.all(
        Array.from({ length: 1000 }, async () =>
          (await request(target, { headers: { 'x-auth-token': fresh }, dispatcher: agent })).body.dump(),
        ),
      );
      await agent.close();
      extras[`${system.key}_keystone_calls_1000_concurrent`] = (await keystoneCount(keystone, key)) - 1;
      // Cold-token latency: a never-seen token each time, one request at a time.
      const cold: number[] = [];
      for (let i = 0; i < 30; i++) {
        const t = await issueToken(keystone, 'demo', 'demopw', 'demo');
        const t0 = performance.now();
        await (await request(target, { headers: { 'x-auth-token': t } })).body.dump();
        cold.push(performance.now() - t0);
      }
      extras[`${system.key}_cold_token_ms`] = median(cold);
      // Latency against the number of visible images.
      imageLatency[system.key] = {};
      for (const [count, token, n] of [
        [60, demo, 30],
        [1000, wile, 10],
        [10000, alt, 3],
      ] as const) {
        const samples: number[] = [];
        for (let i = 0; i < n; i++) {
          const t0 = performance.now();
          const res = await request(target, {
            headers: { 'x-auth-token': token },
            headersTimeout: 600_000,
            bodyTimeout: 600_000,
          });
          const got = ((await res.body.json()) as unknown[]).length;
          if (got !== count) throw new Error(`${system.name}: ${got} names, expected ${count}`);
          samples.push(performance.now() - t0);
        }
        imageLatency[system.key]![count] = median(samples);
        log(`${system.name}: ${count} images: ${median(samples).toFixed(1)} ms`);
      }
    }

    if (system.key === 'ours' && process.env.BENCH_SKIP_RSS !== '1') {
      // RSS after 100k requests over 10k distinct tokens, then after 100k more over 10k new ones: with the
      // cache full (token_cache_size 10000), memory should stay where it was, whatever the tokens seen.
      const rounds: [string, number][] = [];
      let n = 0;
      for (const label of ['10k', '20k']) {
        log(`issuing 10k tokens (${label} seen in all)`);
        const tokens: string[] = [];
        for (let i = 0; i < 10_000; i += 50)
          tokens.push(
            ...(await Promise.all(Array.from({ length: 50 }, () => issueToken(keystone, 'demo', 'demopw', 'demo')))),
          );
        await autocannon({
          url: target,
          connections: CONNECTIONS,
          amount: 100_000,
          requests: [
            {
              setupRequest: (req) => ({
                ...req,
                headers: { ...req.headers, 'x-auth-token': tokens[n++ % tokens.length]! },
              }),
            },
          ],
        });
        rounds.push([label, rssMiB(proc.pid!)]);
      }
      extras.ours_rss_after_100k_requests_10k_tokens_mib = rounds[0]![1];
      extras.ours_rss_after_200k_requests_20k_tokens_mib = rounds[1]![1];
    }
    await stop(proc);
  }
  await stop(mocks.proc);
  fs.rmSync(refConf, { force: true });

  const byKey = (k: string) => results.find((r) => r.name === systems.find((s) => s.key === k)?.name);
  const ours = byKey('ours')!;
  const ratios: Record<string, number> = {};
  if (byKey('gunicorn')) ratios.throughput_vs_gunicorn = ours.rps / byKey('gunicorn')!.rps;
  if (byKey('wsgiref')) ratios.throughput_vs_wsgiref = ours.rps / byKey('wsgiref')!.rps;
  const oursRounds = running.find((r) => r.system.key === 'ours')?.rounds;
  const floorRounds = running.find((r) => r.system.key === 'floor')?.rounds;
  if (oursRounds && floorRounds) {
    // Paired: each round of ours against the floor's round right after it (the machine's drift over minutes
    // moves both alike), then the median of those ratios.
    const paired = (f: (o: Round, fl: Round) => number) => median(oursRounds.map((o, i) => f(o, floorRounds[i]!)));
    ratios.throughput_vs_floor = paired((o, fl) => o.rps / fl.rps);
    ratios.cpu_per_request_vs_floor = paired((o, fl) => o.cpuMsPerRequest / fl.cpuMsPerRequest);
  }
  // The same pairing for the other builds and modes of this service, against this one.
  for (const other of ['baseline', 'traced']) {
    const rounds = running.find((r) => r.system.key === other)?.rounds;
    if (!oursRounds || !rounds) continue;
    ratios[`${other}_throughput_vs_ours`] = median(rounds.map((x, i) => x.rps / oursRounds[i]!.rps));
    ratios[`${other}_cpu_per_request_vs_ours`] = median(
      rounds.map((x, i) => x.cpuMsPerRequest / oursRounds[i]!.cpuMsPerRequest),
    );
  }
  if (sink.received() > 0) extras.traced_spans_exported = sink.received();
  await sink.close();
  ratios.p99_over_p50 = ours.p99 / Math.max(ours.p50, 1);

  const machine = `${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}, Node ${process.version}`;
  const lines = [
    `Measured ${new Date().toISOString().slice(0, 10)} on ${machine}; ${ROUNDS} rounds of ${SECONDS} s at ${CONNECTIONS} connections (${LOADGEN}), medians; 60 images, cached token.`,
    '',
    '| system | req/s | p50 ms | p99 ms | CPU ms/req | RSS MiB | errors |',
    '|---|---:|---:|---:|---:|---:|---:|',
    ...results.map(
      (r) =>
        `| ${r.name} | ${r.rps.toFixed(0)} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} | ${r.cpuMsPerRequest.toFixed(2)} | ${r.rssMiB.toFixed(0)} | ${r.errors} |`,
    ),
    '',
    ...Object.entries(ratios).map(([k, v]) => `- ${k.replace(/_/g, ' ')}: ${v.toFixed(2)}`),
    ...Object.entries(extras).map(
      ([k, v]) =>
        `- ${k.replace(/_/g, ' ')}: ${typeof v === 'number' ? (Number.isInteger(v) ? v : v.toFixed(1)) : String(v)}`,
    ),
    '',
    '| images visible | ' + Object.keys(imageLatency).join(' ms | ') + ' ms |',
    '|---:|' +
      Object.keys(imageLatency)
        .map(() => '---:')
        .join('|') +
      '|',
    ...[60, 1000, 10000].map(
      (c) =>
        `| ${c} | ${Object.values(imageLatency)
          .map((m) => (m[c] ?? NaN).toFixed(1))
          .join(' | ')} |`,
    ),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  fs.mkdirSync(path.join(ROOT, 'bench/results'), { recursive: true });
  const names = Object.fromEntries(systems.map((x) => [x.key, x.name]));
  const run = { machine, rounds: ROUNDS, seconds: SECONDS, results, ratios, extras, imageLatency, names };
  fs.writeFileSync(path.join(ROOT, 'bench/results/latest.json'), JSON.stringify(run, null, 2));
  const drawn = charts(run);
  fs.writeFileSync(path.join(ROOT, 'docs/bench-throughput.svg'), drawn.throughput);
  fs.writeFileSync(path.join(ROOT, 'docs/bench-latency.svg'), drawn.latency);
  log('wrote bench/results/latest.json, docs/bench-throughput.svg, docs/bench-latency.svg');
}

runMain(main);
