// npm run bench:redos: access-rule matching against hostile rules (issue 21, part 1). Figures only; the exit
// status is non-zero only when the setup fails. Three parts:
// 1. The regex this code built before (upstream's _path_matches builds the same) against the automaton of
//    src/auth-token/path-pattern.ts, on the issue's rule `/` + `**` x k + `!` and a 21-character path. The
//    regex runs only up to k = 10: each `**` more multiplies its time, and on longer paths it does not finish.
// 2. The automaton alone on hostile shapes, on a 4 KiB path and on a 48 KiB one (a 16 KiB header block of `%`
//    quoted to `%25`), and checkAccessRules spending its whole budget: the bound on one request.
// 3. The real service (node dist/server.js; REDOS_RUNNER=tsx for src/server.ts) with the mock Keystone:
//    /healthz latency idle and while clients send hostile requests with tokens of application credentials
//    created on the mock Keystone as a user would.
// REDOS_ROUNDS (3), REDOS_PROBES (200 /healthz calls per phase), REDOS_CLIENTS (8 hostile connections) tune it.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { Agent, request } from 'undici';
import { ACCESS_RULE_BUDGET, checkAccessRules, requestPathForRules } from '../src/auth-token/access-rules.js';
import { compilePathPattern, pathMatches, runPathProgram } from '../src/auth-token/path-pattern.js';
import { AccessInfo } from '../src/keystoneauth/access-info.js';
import { SERVICE_NAME } from '../src/common/package-info.js';
import { freePort, log, median, runMain, serviceEnv, start, waitHttp } from './procs.js';
import { oldPathRegExp } from '../test/helpers/path-regexp.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const ROUNDS = int('REDOS_ROUNDS', 3);
const PROBES = int('REDOS_PROBES', 200);
const CLIENTS = int('REDOS_CLIENTS', 8);
const HOSTILE = (k: number) => '/' + '**'.repeat(k) + '!';

function int(name: string, fallback: number): number {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer`);
  return value;
}

/** Mean µs of `fn` over enough calls to take about `ms` milliseconds (one call at least). */
function microseconds(fn: () => unknown, ms = 50): number {
  let calls = 0;
  const t0 = performance.now();
  do {
    fn();
    calls++;
  } while (performance.now() - t0 < ms);
  return ((performance.now() - t0) * 1000) / calls;
}

/** The median over ROUNDS of microseconds(fn). */
const medianMicroseconds = (fn: () => unknown, ms?: number) =>
  median(Array.from({ length: ROUNDS }, () => microseconds(fn, ms)));

const ratio = (r: number) => (r < 10 ? `${r.toFixed(1)}x` : `${Math.round(r)}x`);
const fmt = (us: number) => (us >= 1000 ? `${(us / 1000).toFixed(1)} ms` : `${us.toFixed(2)} µs`);

/** Part 1: median of ROUNDS rounds, the order of the two systems swapped every round. */
function regexAgainstAutomaton(): string[] {
  const path = '/' + 'a'.repeat(20);
  const rows = ['| `**` in the rule | regex (before) | automaton (now) | regex / automaton |', '|---:|---:|---:|---:|'];
  for (let k = 1; k <= 10; k++) {
    const pattern = HOSTILE(k);
    const times = { regex: [] as number[], automaton: [] as number[] };
    const compiled = oldPathRegExp(pattern);
    const systems = {
      // Compiled once, as the code before kept a memo of compiled patterns; the automaton compiles every time.
      regex: () => times.regex.push(microseconds(() => compiled.test(path), 20)),
      automaton: () => times.automaton.push(microseconds(() => pathMatches(path, pattern), 20)),
    };
    microseconds(() => compiled.test(path), 20); // warm-up, both
    microseconds(() => pathMatches(path, pattern), 20);
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 ? (['automaton', 'regex'] as const) : (['regex', 'automaton'] as const);
      for (const system of order) systems[system]();
    }
    const [regex, automaton] = [median(times.regex), median(times.automaton)];
    rows.push(`| ${k} | ${fmt(regex)} | ${fmt(automaton)} | ${ratio(regex / automaton)} |`);
  }
  return rows;
}

/** Part 2: the automaton on the worst shapes within Keystone's 225 characters. */
function automatonAlone(): string[] {
  const shapes: [string, string][] = [
    ['`/` + `**` x 100 + `!` (the issue)', HOSTILE(100)],
    ['`*/` x 112 (the most states: 337, 11 words)', '/' + '*/'.repeat(112)],
    ['`{x}` x 74', '/' + '{x}'.repeat(74)],
    ['`/**/*` x 44', '/**/*'.repeat(44)],
    ['`*` x 225 (collapses to one `**`)', '*'.repeat(225)],
  ];
  const rows = [
    '| rule | path | µs per match, compiling included | word steps | ns per step, run only |',
    '|---|---:|---:|---:|---:|',
  ];
  for (const n of [4096, 49152]) {
    for (const [name, pattern] of shapes) {
      for (const [kind, path] of [
        ['a…', '/' + 'a'.repeat(n - 1)],
        ['/a/a…', '/a'.repeat(n / 2)],
      ] as const) {
        const program = compilePathPattern(pattern);
        const { steps } = runPathProgram(program, path);
        const us = medianMicroseconds(() => pathMatches(path, pattern));
        const run = medianMicroseconds(() => runPathProgram(program, path));
        rows.push(
          `| ${name} | ${n / 1024} KiB \`${kind}\` | ${us.toFixed(1)} | ${steps} | ${((run * 1000) / steps).toFixed(1)} |`,
        );
      }
    }
  }
  return rows;
}

function tokenWithRules(count: number, pattern: (i: number) => string): AccessInfo {
  const access_rules = Array.from({ length: count }, (_, i) => ({
    service: SERVICE_NAME,
    method: 'GET',
    path: pattern(i),
  }));
  return AccessInfo.fromBody(
    {
      token: {
        user: { id: 'u' },
        expires_at: '2099-01-01T00:00:00Z',
        application_credential: { id: 'ac', access_rules },
        catalog: [{ type: SERVICE_NAME, endpoints: [] }],
      },
    },
    't',
  );
}

/** Part 2b: what one request may cost at most, and what a typical rule costs. */
function perRequest(): string[] {
  const longest = '/' + '%25'.repeat(16_000);
  const rows = ['| check | µs |', '|---|---:|'];
  const cases: [string, AccessInfo, string][] = [
    [
      `500 rules \`/**..**!\` on a 48 KiB path (over the ${ACCESS_RULE_BUDGET}-step budget)`,
      tokenWithRules(500, () => HOSTILE(100)),
      longest,
    ],
    [
      '500 rules `/*/*/...` (112 segments) on a 48 KiB path of slashes',
      tokenWithRules(500, () => '/' + '*/'.repeat(112)),
      '/a'.repeat(24_576),
    ],
    [
      '32,767 rules `/images` + `x` x 217 + `y` on `/images` + `x` x 217 + `z` (the outsider attack: 225 characters compared per rule)',
      tokenWithRules(32_767, () => '/images' + 'x'.repeat(217) + 'y'),
      '/images' + 'x'.repeat(217) + 'z',
    ],
    [
      '70,000 rules `/b` on `/images` (told apart at the second character)',
      tokenWithRules(70_000, () => '/b'),
      '/images',
    ],
    [
      '100 rules of the Nova API shape, the last one matching',
      tokenWithRules(100, (i) => (i === 99 ? '/v2.1/servers/{server_id}' : `/v2.1/os-thing-${i}/{id}`)),
      '/v2.1/servers/6f8a0c2e',
    ],
    [
      '1 rule `/v2.1/servers/{server_id}`, matching',
      tokenWithRules(1, () => '/v2.1/servers/{server_id}'),
      '/v2.1/servers/6f8a0c2e',
    ],
  ];
  for (const [name, token, path] of cases) {
    const decision = checkAccessRules(token, SERVICE_NAME, { method: 'GET', path }, false);
    const us = medianMicroseconds(() => checkAccessRules(token, SERVICE_NAME, { method: 'GET', path }, false), 200);
    rows.push(`| ${name} -> ${decision.allowed ? 'allowed' : decision.reason} | ${us.toFixed(1)} |`);
  }
  const typical = compilePathPattern('/v2.1/servers/{server_id}');
  const extra: [string, () => unknown][] = [
    ['compiling `/v2.1/servers/{server_id}`', () => compilePathPattern('/v2.1/servers/{server_id}')],
    ['running it on `/v2.1/servers/6f8a0c2e`', () => runPathProgram(typical, '/v2.1/servers/6f8a0c2e')],
    ['quoting a 4 KiB path as webob does (`/aaaa…`)', () => requestPathForRules('/' + 'a'.repeat(4095))],
    ['quoting a 16 KiB path of `%` (48 KiB once quoted)', () => requestPathForRules('/' + '%'.repeat(16_383))],
  ];
  for (const [name, fn] of extra) rows.push(`| ${name} | ${medianMicroseconds(fn).toFixed(2)} |`);
  return rows;
}

// Part 3: the real service.

async function post(url: string, body: unknown, token?: string) {
  const res = await request(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { 'x-auth-token': token } : {}) },
    body: JSON.stringify(body),
  });
  const json = (await res.body.json()) as {
    token?: { user: { id: string } };
    application_credential?: { id: string; secret: string };
  };
  if (res.statusCode !== 201) throw new Error(`POST ${url}: ${res.statusCode} ${JSON.stringify(json)}`);
  return { json, token: res.headers['x-subject-token'] as string };
}

/** A token of a new application credential of demo's with these rule paths (GET on this service, SERVICE_NAME). */
async function restrictedToken(keystone: string, name: string, paths: string[]): Promise<string> {
  const demo = await post(`${keystone}/v3/auth/tokens`, {
    auth: {
      identity: {
        methods: ['password'],
        password: { user: { name: 'demo', password: 'demopw', domain: { name: 'Default' } } },
      },
      scope: { project: { name: 'demo', domain: { name: 'Default' } } },
    },
  });
  const userId = demo.json.token!.user.id;
  const access_rules = paths.map((p) => ({ service: SERVICE_NAME, method: 'GET', path: p }));
  const cred = await post(
    `${keystone}/v3/users/${userId}/application_credentials`,
    { application_credential: { name, access_rules } },
    demo.token,
  );
  const { id, secret } = cred.json.application_credential!;
  const issued = await post(`${keystone}/v3/auth/tokens`, {
    auth: { identity: { methods: ['application_credential'], application_credential: { id, secret } } },
  });
  return issued.token;
}

async function get(url: string, dispatcher: Agent, token?: string): Promise<{ status: number; ms: number }> {
  const t0 = performance.now();
  const res = await request(url, { dispatcher, headers: token ? { 'x-auth-token': token } : {} });
  await res.body.dump();
  return { status: res.statusCode, ms: performance.now() - t0 };
}

interface Phase {
  name: string;
  /** The request the clients send in a loop, or none (idle). */
  load?: { url: string; token: string };
}

interface PhaseResult {
  probes: number[];
  /** Latencies of the clients' requests. */
  sent: number[];
  statuses: Map<number, number>;
  seconds: number;
}

/** PROBES sequential /healthz calls while CLIENTS connections send the phase's request in a loop. */
async function runPhase(base: string, phase: Phase): Promise<PhaseResult> {
  const probeAgent = new Agent({ connections: 1 });
  const loadAgent = new Agent({ connections: CLIENTS });
  const result: PhaseResult = { probes: [], sent: [], statuses: new Map(), seconds: 0 };
  let done = false;
  const t0 = performance.now();
  const loops = phase.load
    ? Array.from({ length: CLIENTS }, async () => {
        while (!done) {
          const r = await get(phase.load!.url, loadAgent, phase.load!.token);
          result.sent.push(r.ms);
          result.statuses.set(r.status, (result.statuses.get(r.status) ?? 0) + 1);
        }
      })
    : [];
  if (phase.load) await new Promise((r) => setTimeout(r, 200)); // the clients get going first
  for (let i = 0; i < PROBES; i++) result.probes.push((await get(`${base}/healthz`, probeAgent)).ms);
  done = true;
  await Promise.all(loops);
  result.seconds = (performance.now() - t0) / 1000;
  await Promise.all([probeAgent.close(), loadAgent.close()]);
  return result;
}

const percentile = (values: number[], p: number) => {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};

async function serviceUnderAttack(): Promise<string[]> {
  let runner = process.env.REDOS_RUNNER === 'tsx' ? 'tsx' : 'dist';
  if (runner === 'dist') {
    log('building dist/');
    try {
      execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore', timeout: 120_000 });
    } catch {
      log('npm run build failed: running src/server.ts with tsx instead');
      runner = 'tsx';
    }
  }
  const mocks = await start(process.execPath, ['--import', 'tsx', 'bench/mocks.ts'], {}, /"keystone"/);
  const { keystone } = JSON.parse(mocks.line) as { keystone: string };
  const port = await freePort();
  const env = {
    ...serviceEnv(`${keystone}/v3`, port),
    OS_SERVER__HOST: '127.0.0.1',
    OS_LOG__LEVEL: 'warn',
    OS_KEYSTONE_AUTHTOKEN__SERVICE_TYPE: SERVICE_NAME,
  };
  const args = runner === 'dist' ? ['dist/server.js'] : ['--import', 'tsx', 'src/server.ts'];
  const service = (await start(process.execPath, args, env)).proc;
  service.stdout!.resume();
  const base = `http://127.0.0.1:${port}`;
  await waitHttp(`${base}/healthz`);
  log(`service (${runner}) on ${base}, mock Keystone on ${keystone}`);

  const one = await restrictedToken(keystone, 'redos-one', [HOSTILE(100)]);
  const many = await restrictedToken(
    keystone,
    'redos-many',
    Array.from({ length: 100 }, (_, i) => HOSTILE(100).slice(0, -1) + String(i % 10)),
  );
  const phases: Phase[] = [
    { name: 'idle' },
    {
      name: 'control: ordinary 401s (the same token, GET /a)',
      load: { url: `${base}/a`, token: one },
    },
    { name: 'the issue’s rule, GET /aaaa… (4 KiB)', load: { url: `${base}/${'a'.repeat(4095)}`, token: one } },
    {
      name: '100 such rules, GET /aaaa… (12 KiB): over the budget',
      load: { url: `${base}/${'a'.repeat(12_000)}`, token: many },
    },
  ];
  const warm = new Agent();
  for (const p of phases.slice(1)) {
    const r = await get(p.load!.url, warm, p.load!.token);
    if (r.status !== 401) throw new Error(`${p.name}: expected a 401, got ${r.status}`);
  }
  await warm.close();

  const results = new Map<string, PhaseResult[]>(phases.map((p) => [p.name, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (let i = 0; i < phases.length; i++) {
      const phase = phases[(round + i) % phases.length]!;
      const r = await runPhase(base, phase);
      results.get(phase.name)!.push(r);
      log(`round ${round + 1}: ${phase.name}: /healthz p50 ${median(r.probes).toFixed(2)} ms`);
    }
  }
  const rows = [
    `| load on the service | /healthz p50 ms | p99 ms | max ms | clients' req/s | their p50 ms | their answers |`,
    '|---|---:|---:|---:|---:|---:|---|',
  ];
  for (const phase of phases) {
    const rs = results.get(phase.name)!;
    const m = (f: (r: PhaseResult) => number) => median(rs.map(f)).toFixed(2);
    const statuses = new Map<number, number>();
    for (const r of rs) for (const [s, n] of r.statuses) statuses.set(s, (statuses.get(s) ?? 0) + n);
    rows.push(
      `| ${phase.name} | ${m((r) => median(r.probes))} | ${m((r) => percentile(r.probes, 99))} | ${m((r) => Math.max(...r.probes))} | ${
        phase.load ? m((r) => r.sent.length / r.seconds) : '-'
      } | ${phase.load ? m((r) => median(r.sent)) : '-'} | ${
        [...statuses].map(([s, n]) => `${n} x ${s}`).join(', ') || '-'
      } |`,
    );
  }
  return rows;
}

runMain(async () => {
  const out = (title: string, rows: string[]) => process.stdout.write(`\n${title}\n\n${rows.join('\n')}\n`);
  out(
    `1. The issue's rule / + ** x k + ! on a 21-character path, regex against automaton (medians of ${ROUNDS} rounds, order swapped each round; the regex only up to k = 10):`,
    regexAgainstAutomaton(),
  );
  out(`2. The automaton on hostile rules (compiling included; medians of ${ROUNDS}):`, automatonAlone());
  out(`   checkAccessRules, one request (medians of ${ROUNDS}):`, perRequest());
  out(
    `3. The service (mock Keystone): ${PROBES} sequential /healthz calls while ${CLIENTS} connections send requests (medians of ${ROUNDS} rounds, phases rotated):`,
    await serviceUnderAttack(),
  );
  process.stdout.write(`\nNode ${process.version}, ${new Date().toISOString().slice(0, 10)}\n`);
});
