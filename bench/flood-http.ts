// The client side of bench:flood: requests that never throw, the mock Keystone's control and counters, the
// service's metrics, and the small formatters the report uses.
import { createHash, randomBytes } from 'node:crypto';
import { request, type Agent } from 'undici';

/** Cap of every single request the bench makes. */
export const REQUEST_CAP_MS = 30_000;

export function int(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer, got ${raw}`);
  return value;
}

export const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
/** A well-formed but unknown token: Fernet-looking, ~186 characters, never the same twice. */
export const garbageToken = () => `gAAAAA${randomBytes(135).toString('base64url')}`;
export const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

export interface Outcome {
  /** HTTP status, or the client error code (UND_ERR_HEADERS_TIMEOUT, ECONNRESET, ...). */
  status: number | string;
  ms: number;
  retryAfter?: string;
}

/** One GET with a token (and any other headers), capped at REQUEST_CAP_MS; never throws. */
export async function send(
  url: string,
  token: string,
  dispatcher: Agent,
  headers: Record<string, string> = {},
): Promise<Outcome> {
  const t0 = performance.now();
  try {
    const res = await request(url, {
      dispatcher,
      headers: { ...headers, 'x-auth-token': token },
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

export interface MockStats {
  counters: Record<string, number>;
  extra: Record<string, unknown>;
}

export async function mockStats(keystone: string): Promise<MockStats> {
  const res = await request(`${keystone}/__mock/stats`, {
    headersTimeout: REQUEST_CAP_MS,
    bodyTimeout: REQUEST_CAP_MS,
  });
  const body = (await res.body.json()) as Record<string, unknown> & { counters: Record<string, number> };
  return { counters: body.counters, extra: body };
}

/** validations_inflight_peak, wherever the mock puts it (a counter or a top-level stat); undefined if absent. */
export function inflightPeak(stats: MockStats): number | undefined {
  const value = stats.counters.validations_inflight_peak ?? stats.extra.validations_inflight_peak;
  return typeof value === 'number' ? value : undefined;
}

/** The service's auth_token_cache_lookups_total (every token that reached the validator); undefined if not served. */
export async function cacheLookups(service: string): Promise<number | undefined> {
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

export async function setFaults(keystone: string, faults: object) {
  const res = await request(`${keystone}/__mock/faults`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(faults),
    headersTimeout: REQUEST_CAP_MS,
  });
  await res.body.dump();
  if (res.statusCode !== 200) throw new Error(`PUT /__mock/faults: ${res.statusCode}`);
}

export async function revoke(keystone: string, adminToken: string, token: string) {
  const res = await request(`${keystone}/v3/auth/tokens`, {
    method: 'DELETE',
    headers: { 'x-auth-token': adminToken, 'x-subject-token': token },
    headersTimeout: REQUEST_CAP_MS,
  });
  await res.body.dump();
  if (res.statusCode !== 204) throw new Error(`revoking a token: ${res.statusCode}`);
}

/** "401 x49, 503 x951": how often each value occurs, the most frequent first. */
export const tally = (values: (string | number)[]) => {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(String(v), (counts.get(String(v)) ?? 0) + 1);
  return (
    [...counts]
      .sort((a, b) => b[1] - a[1])
      .map(([k, n]) => `${k} x${n}`)
      .join(', ') || 'none'
  );
};

/** Requests the agents have on the wire (sent, not yet answered). */
export const running = (agents: readonly Agent[]) =>
  agents.reduce((sum, agent) => sum + Object.values(agent.stats).reduce((s, pool) => s + pool.running, 0), 0);

/** Connections the agents have open. */
export const connected = (agents: readonly Agent[]) =>
  agents.reduce((sum, agent) => sum + Object.values(agent.stats).reduce((s, pool) => s + Number(pool.connected), 0), 0);

export interface InFlight {
  /** ms since the flood started when the wait ended. */
  at: number;
  /** Flood requests written by the bench (answered or still on the wire). */
  written: number;
  /** Flood requests that reached the service's validator; undefined when /metrics is not served. */
  reached: number | undefined;
  /** Validations that arrived at the mock Keystone. */
  arrived: number;
}

/**
 * Wait until the whole flood is in flight: every request written and read by the service (its
 * auth_token_cache_lookups_total, when /metrics serves it), Keystone seeing `minArrived` validations arrive
 * (its `requests` counter counts on arrival, `validations` only after the latency), and at least ~100 ms
 * after the start; at most `capMs` (5 s) after it in any case.
 */
export async function waitForFlood(opts: {
  service: string;
  keystone: string;
  size: number;
  startedAt: number;
  written: () => number;
  lookupsBefore: number | undefined;
  requestsBefore: number;
  minArrived: number;
  capMs?: number;
}): Promise<InFlight> {
  const state: InFlight = { at: 0, written: 0, reached: undefined, arrived: 0 };
  for (;;) {
    await new Promise((r) => setTimeout(r, 50));
    state.arrived = (await mockStats(opts.keystone)).counters.requests! - opts.requestsBefore;
    state.written = opts.written();
    const lookups = await cacheLookups(opts.service);
    state.reached =
      lookups === undefined || opts.lookupsBefore === undefined ? undefined : lookups - opts.lookupsBefore;
    const elapsed = performance.now() - opts.startedAt;
    if (
      elapsed >= 100 &&
      state.arrived >= opts.minArrived &&
      state.written >= opts.size &&
      (state.reached === undefined || state.reached >= opts.size)
    )
      break;
    if (elapsed >= (opts.capMs ?? 5000)) break;
  }
  state.at = performance.now() - opts.startedAt;
  return state;
}
