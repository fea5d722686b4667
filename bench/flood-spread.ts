// bench:flood's spread flood (issue 21): the garbage tokens come from SPREAD_ADDRESSES source addresses
// (127.0.1.1-50, round-robin), and once all of them are queued at the service, one request with a fresh
// valid token comes from the next address (127.0.1.51). With `forge`, every garbage request also carries a
// forged X-Forwarded-For: a random address, the victim's own address, or a garbled hop, in turn.
import { randomInt } from 'node:crypto';
import { Agent } from 'undici';
import {
  REQUEST_CAP_MS,
  connected,
  garbageToken,
  mockStats,
  cacheLookups,
  running,
  send,
  sha256,
  waitForFlood,
  type InFlight,
  type Outcome,
} from './flood-http.js';

export const SPREAD_ADDRESSES = 50;
export const floodAddress = (i: number) => `127.0.1.${(i % SPREAD_ADDRESSES) + 1}`;
export const VICTIM_ADDRESS = `127.0.1.${SPREAD_ADDRESSES + 1}`;

export interface SpreadOptions {
  /** Where the clients connect: the service, or the proxy in front of it. */
  target: string;
  /** The service itself (its /metrics). */
  service: string;
  keystone: string;
  validToken: string;
  size: number;
  forge: boolean;
}

export interface SpreadResult {
  valid: Outcome;
  inFlight: InFlight;
  /** Flood requests answered before the valid one was. */
  answeredBefore: number;
  flood: (Outcome & { doneAt: number })[];
  garbageValidations: number;
  peakConnected: number;
}

/** The forged X-Forwarded-For of garbage request i, in turn: random, the victim's address, garbled. */
function forged(i: number): Record<string, string> {
  const random = () => `${randomInt(1, 224)}.${randomInt(256)}.${randomInt(256)}.${randomInt(1, 255)}`;
  const values = [random(), VICTIM_ADDRESS, `bogus-${randomInt(1e9)}`];
  return { 'x-forwarded-for': values[i % values.length]! };
}

export async function spreadFlood(o: SpreadOptions): Promise<SpreadResult> {
  const perAddress = Math.ceil(o.size / SPREAD_ADDRESSES);
  const agents = Array.from(
    { length: SPREAD_ADDRESSES },
    (_, i) =>
      new Agent({
        localAddress: floodAddress(i),
        connections: perAddress,
        pipelining: 1,
        connect: { timeout: REQUEST_CAP_MS },
      }),
  );
  const victim = new Agent({ localAddress: VICTIM_ADDRESS, connect: { timeout: REQUEST_CAP_MS } });
  const before = await mockStats(o.keystone);
  const lookupsBefore = await cacheLookups(o.service);
  let done = 0;
  let peakConnected = 0;
  const sampler = setInterval(() => (peakConnected = Math.max(peakConnected, connected(agents))), 20);
  const startedAt = performance.now();
  const flood = Promise.all(
    Array.from({ length: o.size }, (_, i) =>
      send(o.target, garbageToken(), agents[i % SPREAD_ADDRESSES]!, o.forge ? forged(i) : {}).then((r) => {
        done++;
        return { ...r, doneAt: performance.now() - startedAt };
      }),
    ),
  );
  const inFlight = await waitForFlood({
    service: o.service,
    keystone: o.keystone,
    size: o.size,
    startedAt,
    written: () => done + running(agents),
    lookupsBefore,
    requestsBefore: before.counters.requests!,
    // The hardest moment for the newcomer: as soon as the flood is queued, before most flooding addresses
    // have had a turn.
    minArrived: 1,
    // On a loaded machine 2000 requests (4000 through the proxy) can take longer than 5 s to arrive; the
    // newcomer is to find them all queued.
    capMs: 15_000,
  });
  const valid = await send(o.target, o.validToken, victim);
  const answeredBefore = done;
  const results = await flood;
  clearInterval(sampler);
  const after = await mockStats(o.keystone);
  const validKey = `validations:${sha256(o.validToken)}`;
  const validValidations = (after.counters[validKey] ?? 0) - (before.counters[validKey] ?? 0);
  await Promise.all([...agents, victim].map((a) => a.close()));
  return {
    valid,
    inFlight,
    answeredBefore,
    flood: results,
    garbageValidations: after.counters.validations! - before.counters.validations! - validValidations,
    peakConnected,
  };
}
