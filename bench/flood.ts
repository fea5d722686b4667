// npm run bench:flood: what a flood of garbage tokens does to a valid user while Keystone is slow. The mock
// Keystone answers token validations (GET /v3/auth/tokens) after FLOOD_LATENCY_MS (1 s); the service gets
// 1000 concurrent requests from 127.0.0.1, each with a distinct well-formed garbage token, and while they are
// in flight ONE request with a fresh valid token from 127.0.0.2. Then a revoked token sent 20 times in a row,
// and the valid-token latency with no flood as the baseline. Figures only: nothing here passes or fails; the
// exit status is non-zero only when the setup itself fails.
//
// Every OS_* variable given to this script is forwarded to the service (after the bench's own defaults), so
// one script shows "before" and "after" a configuration change:
//   npm run bench:flood
//   OS_KEYSTONE_AUTHTOKEN__VALIDATION_CONCURRENCY=32 npm run bench:flood
// FLOOD_REQUESTS (1000), FLOOD_LATENCY_MS (1000), FLOOD_REPEATS (20), FLOOD_BASELINE_RUNS (3) tune the run;
// FLOOD_RUNNER=tsx runs src/server.ts instead of building dist/ first.
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import path from 'node:path';
import { Agent, request } from 'undici';
import { children, freePort, issueToken, log, median, serviceEnv, start, stop, waitHttp } from './procs.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const FLOOD = int('FLOOD_REQUESTS', 1000);
const LATENCY_MS = int('FLOOD_LATENCY_MS', 1000);
const REPEATS = int('FLOOD_REPEATS', 20);
const BASELINE_RUNS = int('FLOOD_BASELINE_RUNS', 3);
const RUNNER = process.env.FLOOD_RUNNER === 'tsx' ? 'tsx' : 'dist';
/** Cap of every single request the bench makes. */
const REQUEST_CAP_MS = 30_000;
/** Cap of the whole run: children are stopped and the exit status is 1 past it. */
const DEADLINE_MS = int('FLOOD_DEADLINE_S', 240) * 1000;
const FLOOD_ADDRESS = '127.0.0.1';
const VALID_ADDRESS = '127.0.0.2';
/** Set once the bench stops its children: an exit before that is reported. */
let stopping = false;
const FAULT = { latencyMs: LATENCY_MS, pathPrefix: '/v3/auth/tokens' };
/** Options shown in the "config used" block; those the code does not have yet show as absent. */
const SHOWN_OPTIONS = [
  'server.trusted_proxies',
  'server.headers_timeout',
  'server.request_timeout',
  'keystone_authtoken.timeout',
  'keystone_authtoken.validation_concurrency',
  'keystone_authtoken.validation_queue_per_client',
  'keystone_authtoken.validation_queue_size',
  'keystone_authtoken.validation_queue_timeout',
  'keystone_authtoken.invalid_token_cache_time',
  'keystone_authtoken.token_cache_time',
  'communication.connections_per_origin',
  'communication.timeout',
];

function int(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer, got ${raw}`);
  return value;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
/** A well-formed but unknown token: Fernet-looking, ~186 characters, never the same twice. */
const garbageToken = () => `gAAAAA${randomBytes(135).toString('base64url')}`;
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

interface Outcome {
  /** HTTP status, or the client error code (UND_ERR_HEADERS_TIMEOUT, ECONNRESET, ...). */
  status: number | string;
  ms: number;
  retryAfter?: string;
}

/** One GET with a token, capped at REQUEST_CAP_MS; never throws. */
async function send(url: string, token: string, dispatcher: Agent): Promise<Outcome> {
  const t0 = performance.now();
  try {
    const res = await request(url, {
      dispatcher,
      headers: { 'x-auth-token': token },
      headersTimeout: REQUEST_CAP_MS,
      bodyTimeout: REQUEST_CAP_MS,
      signal: AbortSignal.timeout(REQUEST_CAP_MS),
    });
    await res.body.dump();
    const retryAfter = res.headers['retry-after'];
    return {
      status: res.statusCode,
      ms: performance.now() - t0,
      ...(retryAfter !== undefined ? { retryAfter: String(retryAfter) } : {}),
    };
  } catch (err) {
    const e = err as Error & { code?: string };
    return { status: e.code ?? e.name, ms: performance.now() - t0 };
  }
}

async function mockStats(
  keystone: string,
): Promise<{ counters: Record<string, number>; extra: Record<string, unknown> }> {
  const res = await request(`${keystone}/__mock/stats`, {
    headersTimeout: REQUEST_CAP_MS,
    bodyTimeout: REQUEST_CAP_MS,
  });
  const body = (await res.body.json()) as Record<string, unknown> & { counters: Record<string, number> };
  return { counters: body.counters, extra: body };
}

/** The service's auth_token_cache_lookups_total (every token that reached the validator); undefined if not served. */
async function cacheLookups(service: string): Promise<number | undefined> {
  try {
    const res = await request(`${service}metrics`, { headersTimeout: REQUEST_CAP_MS, bodyTimeout: REQUEST_CAP_MS });
    const text = await res.body.text();
    const values = text
      .split('\n')
      .filter((l) => l.startsWith('auth_token_cache_lookups_total'))
      .map((l) => Number(l.split(' ').at(-1)));
    return res.statusCode === 200 && values.length > 0 ? values.reduce((a, b) => a + b, 0) : undefined;
  } catch {
    return undefined;
  }
}

async function setFaults(keystone: string, faults: object) {
  const res = await request(`${keystone}/__mock/faults`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(faults),
    headersTimeout: REQUEST_CAP_MS,
  });
  await res.body.dump();
  if (res.statusCode !== 200) throw new Error(`PUT /__mock/faults: ${res.statusCode}`);
}

/** validations_inflight_peak, wherever the mock puts it (a counter or a top-level stat); undefined if absent. */
function inflightPeak(stats: { counters: Record<string, number>; extra: Record<string, unknown> }): number | undefined {
  const value = stats.counters.validations_inflight_peak ?? stats.extra.validations_inflight_peak;
  return typeof value === 'number' ? value : undefined;
}

async function revoke(keystone: string, adminToken: string, token: string) {
  const res = await request(`${keystone}/v3/auth/tokens`, {
    method: 'DELETE',
    headers: { 'x-auth-token': adminToken, 'x-subject-token': token },
    headersTimeout: REQUEST_CAP_MS,
  });
  await res.body.dump();
  if (res.statusCode !== 204) throw new Error(`revoking a token: ${res.statusCode}`);
}

const tally = (values: (string | number)[]) => {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(String(v), (counts.get(String(v)) ?? 0) + 1);
  return (
    [...counts]
      .sort((a, b) => b[1] - a[1])
      .map(([k, n]) => `${k} x${n}`)
      .join(', ') || 'none'
  );
};

/** The OS_* variables of this process, as given: forwarded to the service. */
function forwardedEnv(): Record<string, string> {
  return Object.fromEntries(
    Object.entries(process.env).filter((e): e is [string, string] => e[0].startsWith('OS_') && e[1] !== undefined),
  );
}

const masked = (env: Record<string, string>) =>
  Object.entries(env).map(([k, v]) => `${k}=${/PASSWORD|SECRET|KEY$/.test(k) ? '***' : v}`);

/** The service's effective values of SHOWN_OPTIONS, computed with its own loader from the same environment. */
async function effectiveConfig(env: Record<string, string>): Promise<string[]> {
  try {
    const { loadConfig } = await import('../src/config/load.js');
    const config: Readonly<Record<string, Readonly<Record<string, unknown>>>> = loadConfig({
      env,
      configDir: path.join(ROOT, 'config'),
    });
    return SHOWN_OPTIONS.map((name) => {
      const [group, key] = name.split('.') as [string, string];
      return group in config && key in config[group]!
        ? `${name} = ${JSON.stringify(config[group]![key])}`
        : `${name}: not an option in this code`;
    });
  } catch (err) {
    return [`(could not load src/config/: ${(err as Error).message.split('\n')[0]})`];
  }
}

async function main() {
  const watchdog = setTimeout(() => {
    log(`run exceeded ${DEADLINE_MS / 1000} s: stopping`);
    void stopAll().finally(() => process.exit(1));
  }, DEADLINE_MS);
  watchdog.unref();

  let runner = RUNNER;
  if (runner === 'dist') {
    log('building dist/');
    try {
      execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore', timeout: 120_000 });
    } catch {
      log('npm run build failed (work in progress in src/?): running src/server.ts with tsx instead');
      runner = 'tsx';
    }
  }

  const mocks = await start(process.execPath, ['--import', 'tsx', 'bench/mocks.ts'], {}, /"keystone"/);
  const { keystone, glance } = JSON.parse(mocks.line) as { keystone: string; glance: string };
  log(`mocks: ${keystone}, ${glance}`);

  const port = await freePort();
  const env: Record<string, string> = {
    OS_LOG__LEVEL: 'warn',
    ...forwardedEnv(),
    // Where the service listens and which Keystone it trusts are the bench's: not overridable.
    OS_SERVER__HOST: '127.0.0.1',
    ...serviceEnv(`${keystone}/v3`, port),
  };
  const serverArgs = runner === 'dist' ? ['dist/server.js'] : ['--import', 'tsx', 'src/server.ts'];
  const service = (await start(process.execPath, serverArgs, env)).proc;
  // Drain its stdout (a full pipe would stall its logger) and keep the tail for a failure message.
  let serviceOut = '';
  service.stdout!.on('data', (d: Buffer) => (serviceOut = (serviceOut + d.toString()).slice(-4000)));
  service.once('exit', (code, signal) => {
    if (!stopping) log(`service exited (${code ?? signal}): ${serviceOut.trim().split('\n').slice(-5).join(' | ')}`);
  });
  await waitHttp(`http://127.0.0.1:${port}/healthz`, 60_000);
  const url = `http://127.0.0.1:${port}/`;
  log(`service (${runner}): ${url}`);

  const validAgent = new Agent({ localAddress: VALID_ADDRESS, connect: { timeout: REQUEST_CAP_MS } });
  // Warm-up while Keystone is fast: the service and the mock Glance get their own tokens and catalogs, and
  // the client address 127.0.0.2 is checked to work.
  const warm = await send(url, await issueToken(keystone, 'demo', 'demopw', 'demo'), validAgent);
  if (warm.status !== 200) throw new Error(`warm-up request: ${warm.status}`);

  // Every token is issued (and one revoked) before the fault is set: pathPrefix matches on the path alone,
  // so POST and DELETE /v3/auth/tokens get the latency too (checked below).
  const baselineTokens: string[] = [];
  for (let i = 0; i < BASELINE_RUNS; i++) baselineTokens.push(await issueToken(keystone, 'demo', 'demopw', 'demo'));
  const floodValid = await issueToken(keystone, 'demo', 'demopw', 'demo');
  const revoked = await issueToken(keystone, 'demo', 'demopw', 'demo');
  await revoke(keystone, await issueToken(keystone, 'admin', 'adminpw', 'admin'), revoked);
  // The mock Glance validates each token with the same slow Keystone too: let it see the valid tokens now,
  // so the figures measure this service's validation (the issue's 1.0 s baseline), not Glance's.
  for (const token of [...baselineTokens, floodValid]) {
    const res = await request(`${glance}/v2/images?limit=1`, { headers: { 'x-auth-token': token } });
    await res.body.dump();
    if (res.statusCode !== 200) throw new Error(`warming the mock Glance: ${res.statusCode}`);
  }

  await setFaults(keystone, FAULT);
  const i0 = performance.now();
  await issueToken(keystone, 'demo', 'demopw', 'demo');
  const issueWithFaultMs = performance.now() - i0;
  log(
    `fault ${JSON.stringify(FAULT)} set; a token issue (POST, same path) now takes ${issueWithFaultMs.toFixed(0)} ms`,
  );

  // 3. Baseline: a fresh valid token, no flood.
  const baseline: Outcome[] = [];
  for (const token of baselineTokens) baseline.push(await send(url, token, validAgent));
  log(`baseline: ${baseline.map((o) => `${o.status} in ${o.ms.toFixed(0)} ms`).join(', ')}`);

  // 1. Garbage flood from 127.0.0.1, one valid request from 127.0.0.2 while it is in flight.
  const floodAgent = new Agent({
    localAddress: FLOOD_ADDRESS,
    connections: FLOOD,
    pipelining: 1,
    connect: { timeout: REQUEST_CAP_MS },
  });
  const before = await mockStats(keystone);
  const validKey = `validations:${sha256(floodValid)}`;
  let peakConnected = 0;
  const sampler = setInterval(() => {
    const connected = Object.values(floodAgent.stats).reduce((sum, s) => sum + Number(s.connected), 0);
    peakConnected = Math.max(peakConnected, connected);
  }, 20);
  let floodDone = 0;
  const lookups0 = await cacheLookups(url);
  const onWire = () => floodDone + Object.values(floodAgent.stats).reduce((sum, s) => sum + s.running, 0);
  const floodStart = performance.now();
  const flood = Promise.all(
    Array.from({ length: FLOOD }, () =>
      send(url, garbageToken(), floodAgent).then((o) => {
        floodDone++;
        return { ...o, doneAt: performance.now() - floodStart };
      }),
    ),
  );
  // Send the valid request once the whole flood is in flight: every flood request written to its socket and
  // read by the service (its auth_token_cache_lookups_total, when /metrics serves it), Keystone seeing
  // validations arrive (its `requests` counter counts on arrival, `validations` only after the latency), and
  // at least ~100 ms after the start; at most 5 s after it in any case.
  let arrived = 0;
  let written = 0;
  let reached: number | undefined;
  for (let i = 0; i < 100; i++) {
    await new Promise((r) => setTimeout(r, 50));
    arrived = (await mockStats(keystone)).counters.requests! - before.counters.requests!;
    written = onWire();
    const lookups = await cacheLookups(url);
    reached = lookups === undefined || lookups0 === undefined ? undefined : lookups - lookups0;
    if (
      performance.now() - floodStart >= 100 &&
      arrived >= Math.min(50, FLOOD) &&
      written >= FLOOD &&
      (reached === undefined || reached >= FLOOD)
    )
      break;
    if (performance.now() - floodStart >= 5000) break;
  }
  const validSentAt = performance.now() - floodStart;
  const valid = await send(url, floodValid, validAgent);
  const answeredBefore = floodDone;
  log(
    `valid request during the flood (sent at +${validSentAt.toFixed(0)} ms; by then ${written} flood requests written, ${reached ?? 'n/a'} at the validator, ${arrived} at Keystone): ${valid.status} in ${valid.ms.toFixed(0)} ms`,
  );
  const floodResults = await flood;
  clearInterval(sampler);
  const floodMs = Math.max(...floodResults.map((r) => r.doneAt));
  const after = await mockStats(keystone);
  const validValidations = (after.counters[validKey] ?? 0) - (before.counters[validKey] ?? 0);
  const garbageValidations = after.counters.validations! - before.counters.validations! - validValidations;
  const peak = inflightPeak(after);
  const statuses = floodResults.map((r) => r.status);
  const count401 = statuses.filter((s) => s === 401).length;
  const count503 = statuses.filter((s) => s === 503).length;
  const other = floodResults.filter((r) => r.status !== 401 && r.status !== 503);
  const retryAfters = floodResults.filter((r) => r.status === 503).map((r) => r.retryAfter ?? '(none)');
  const floodLatencies = floodResults.map((r) => r.ms);
  log(`flood: ${tally(statuses)} in ${floodMs.toFixed(0)} ms; ${garbageValidations} garbage validations at Keystone`);
  await floodAgent.close();

  // 2. A revoked token, REPEATS times in a row.
  const revokedKey = `validations:${sha256(revoked)}`;
  const r0 = (await mockStats(keystone)).counters[revokedKey] ?? 0;
  const repeated: Outcome[] = [];
  const repeatStart = performance.now();
  for (let i = 0; i < REPEATS; i++) repeated.push(await send(url, revoked, validAgent));
  const repeatMs = performance.now() - repeatStart;
  const revokedValidations = ((await mockStats(keystone)).counters[revokedKey] ?? 0) - r0;
  log(`revoked token x${REPEATS}: ${tally(repeated.map((o) => o.status))}; ${revokedValidations} Keystone validations`);
  await validAgent.close();

  const config = await effectiveConfig(env);
  const baselineMs = median(baseline.map((o) => o.ms));
  const rows: [string, string][] = [
    ['valid request during the flood (127.0.0.2): status, latency', `${valid.status}, ${seconds(valid.ms)}`],
    ['flood requests answered before the valid one', String(answeredBefore)],
    [
      'valid request with no flood (baseline, median of ' + baseline.length + '): status, latency',
      `${tally(baseline.map((o) => o.status))}, ${seconds(baselineMs)}`,
    ],
    [
      'flood: 401 / 503 / other',
      `${count401} / ${count503} / ${other.length}${other.length ? ` (${tally(other.map((o) => o.status))})` : ''}`,
    ],
    [
      'flood: total duration (p50, max request latency)',
      `${seconds(floodMs)} (${seconds(median(floodLatencies))}, ${seconds(Math.max(...floodLatencies))})`,
    ],
    ['flood: Keystone validations of garbage tokens', String(garbageValidations)],
    ['flood: peak validations in flight at Keystone', peak === undefined ? 'n/a' : String(peak)],
    ['flood: Retry-After on 503s', count503 ? tally(retryAfters) : '-'],
    ['flood: peak client connections open (undici)', String(peakConnected)],
    [`revoked token x${REPEATS} in a row: Keystone validations`, String(revokedValidations)],
    [
      `revoked token x${REPEATS} in a row: statuses, total time`,
      `${tally(repeated.map((o) => o.status))}, ${seconds(repeatMs)}`,
    ],
  ];
  const lines = [
    '',
    `Garbage-token flood: ${FLOOD} concurrent requests from ${FLOOD_ADDRESS}, each with a distinct garbage token; Keystone validations take ${LATENCY_MS} ms.`,
    `The valid request is sent from ${VALID_ADDRESS} at +${validSentAt.toFixed(0)} ms, once the flood is in flight (${written} of its requests written, ${reached ?? 'n/a'} at the service's validator, ${arrived} at Keystone); it goes through to the mock Glance, which validates the token once more (${validValidations} validations of it in all).`,
    '',
    '| figure | value |',
    '|---|---:|',
    ...rows.map(([k, v]) => `| ${k} | ${v} |`),
    '',
    `Config used (service: ${runner === 'dist' ? 'node dist/server.js' : 'tsx src/server.ts'}; mock Keystone fault ${JSON.stringify(FAULT)}):`,
    '',
    ...masked(env).map((l) => `    ${l}`),
    '',
    'Effective values:',
    '',
    ...config.map((l) => `    ${l}`),
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  clearTimeout(watchdog);
}

/** Stop every child (SIGTERM to its process group); SIGKILL whatever is still there after 20 s. */
async function stopAll() {
  stopping = true;
  const killer = setTimeout(() => {
    for (const child of children) {
      try {
        if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }, 20_000);
  await Promise.all(children.map(stop));
  clearTimeout(killer);
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    log(`${signal}: stopping children`);
    void stopAll().finally(() => process.exit(130));
  });
}

main()
  .catch((err: unknown) => {
    log(`failed: ${(err as Error).stack ?? String(err)}`);
    process.exitCode = 1;
  })
  .finally(stopAll);
