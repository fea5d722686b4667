// npm run bench:tracing-off: what the tracing hooks cost when tracing is off (no SDK loaded, the default), in
// isolation: the SERVER-span middleware around a request and one CLIENT span of the session, against the
// same request without them. Whole-service runs on this shared machine vary by about 10% between two
// identical builds, far more than this; so it is measured here, where it is not lost in the noise.
import { SpanKind } from '@opentelemetry/api';
import type { Context, Next } from 'koa';
import { tracer } from '../src/common/tracing.js';
import { serverSpans } from '../src/middleware/tracing.js';
import { median } from './procs.js';

const middleware = serverSpans();
const ctx = {
  method: 'GET',
  path: '/images',
  protocol: 'http',
  status: 200,
  state: { requestId: 'req-00000000-0000-4000-8000-000000000000' },
  req: { headers: { 'x-auth-token': 'x', 'user-agent': 'wrk' }, socket: { remoteAddress: '127.0.0.1' } },
  get: () => 'wrk',
} as unknown as Context & { state: { requestId: string } };
const next: Next = () => Promise.resolve();

async function withHooks(): Promise<void> {
  await middleware(ctx, async () => {
    const span = tracer.startSpan('GET', { kind: SpanKind.CLIENT });
    span.end();
    await next();
  });
}
async function without(): Promise<void> {
  await next();
}

async function nsPerCall(fn: () => Promise<void>, n: number): Promise<number> {
  for (let i = 0; i < n / 10; i++) await fn();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await fn();
  return Number(process.hrtime.bigint() - t0) / n;
}

const N = 1_000_000;
const rows: [string, number][] = [];
for (let round = 0; round < 3; round++) {
  rows.push(['hooks', await nsPerCall(withHooks, N)], ['none', await nsPerCall(without, N)]);
}
const hooks = median(rows.filter(([k]) => k === 'hooks').map(([, v]) => v));
const none = median(rows.filter(([k]) => k === 'none').map(([, v]) => v));
process.stdout.write(
  `Node ${process.version}: tracing off, per request: ${(hooks - none).toFixed(0)} ns for the hooks ` +
    `(${hooks.toFixed(0)} ns with them, ${none.toFixed(0)} ns without; median of 3 x ${N} calls)\n`,
);
