// What both mocks share: fault injection and call counters behind /__mock/ (off unless enabled), body
// parsing with a size limit, and the plumbing to serve a Koa app on a port.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import Router from '@koa/router';
import type Koa from 'koa';
import type { Middleware } from 'koa';
import { newRequestId } from '../common/request-scope.js';

export interface Faults {
  /** Added before every answer, in ms. */
  latencyMs: number;
  /** Answer every request with this status (500, 503, ...) instead. */
  failStatus: number;
  /** Never answer: hold the request until the client gives up (or POST /__mock/release lets it go on). */
  hang: boolean;
  /** Glance only: serve pages shorter than asked (still with `next`), as per-image policy filtering does. */
  shortPages: boolean;
  /** Glance only: serve a `next` link that points back at the same page. */
  loopNext: boolean;
  /** Only requests whose path starts with this prefix are affected ("" = all). */
  pathPrefix: string;
}

export const NO_FAULTS: Readonly<Faults> = Object.freeze({
  latencyMs: 0,
  failStatus: 0,
  hang: false,
  shortPages: false,
  loopNext: false,
  pathPrefix: '',
});

/** Keep the last 100 values of a header seen (nothing when it was absent). */
function remember(list: string[], value: string): void {
  if (!value) return;
  list.push(value);
  if (list.length > 100) list.shift();
}

export class MockControl {
  faults: Faults = { ...NO_FAULTS };
  readonly counters = new Map<string, number>();
  /** The last X-OpenStack-Request-ID values received (propagation tests). */
  readonly requestIds: string[] = [];
  /** The last W3C traceparent values received (tracing tests). */
  readonly traceparents: string[] = [];
  /** The last W3C baggage values received (tracing tests: a caller's baggage must not arrive here). */
  readonly baggage: string[] = [];
  /** The last User-Agent values received (the service names itself with package.json's name). */
  readonly userAgents: string[] = [];

  count(name: string, by = 1): void {
    this.counters.set(name, (this.counters.get(name) ?? 0) + by);
  }

  get(name: string): number {
    return this.counters.get(name) ?? 0;
  }

  reset(): void {
    this.faults = { ...NO_FAULTS };
    this.counters.clear();
    this.requestIds.length = 0;
    this.traceparents.length = 0;
    this.baggage.length = 0;
    this.userAgents.length = 0;
  }

  /** Applies latency / failure / hang to every request outside /__mock/. */
  faultMiddleware(renderError: RenderError): Middleware {
    return async (ctx, next) => {
      remember(this.requestIds, ctx.get('x-openstack-request-id'));
      remember(this.traceparents, ctx.get('traceparent'));
      remember(this.baggage, ctx.get('baggage'));
      remember(this.userAgents, ctx.get('user-agent'));
      const f = this.faults;
      if (ctx.path.startsWith('/__mock/')) {
        await next();
        return;
      }
      this.count('requests');
      // Which calls came with a service token (counted, never kept: it is a credential).
      if (ctx.get('x-service-token') !== '') this.count('with_service_token');
      // A caller that hangs up before the whole answer is written (its deadline passed, or it was aborted):
      // tests read this to see that a caller gave up on a slow or hanging call instead of waiting it out.
      ctx.res.once('close', () => {
        if (!ctx.res.writableFinished) this.count('abandoned');
      });
      if (!ctx.path.startsWith(f.pathPrefix)) {
        await next();
        return;
      }
      if (f.hang) {
        this.count('held');
        // Hold the request until the client hangs up, or until a test releases it (POST /__mock/release): then
        // it goes on as if the upstream had recovered, so a test ends a hold when it chooses, not at a deadline.
        if (!(await this.hold(ctx.res))) {
          ctx.respond = false;
          return;
        }
        await next();
        return;
      }
      if (f.latencyMs > 0 && !(await this.delay(ctx.res, f.latencyMs))) {
        ctx.respond = false;
        return;
      }
      if (f.failStatus > 0) return renderError(ctx, f.failStatus, 'Injected fault.');
      await next();
    };
  }

  /** Requests a `hang` holds, each with the function that releases it. */
  private readonly held = new Set<() => void>();

  /** Wait until the client hangs up (false) or a test releases the request (true). */
  private hold(res: http.ServerResponse): Promise<boolean> {
    return new Promise((resolve) => {
      const release = () => {
        this.held.delete(release);
        resolve(true);
      };
      this.held.add(release);
      res.once('close', () => {
        this.held.delete(release);
        resolve(false);
      });
    });
  }

  /**
   * Wait `ms`, or less when the client hangs up first (false): a latency far beyond any deadline holds no
   * timer once its caller is gone.
   */
  private async delay(res: http.ServerResponse, ms: number): Promise<boolean> {
    const gone = new AbortController();
    const hungUp = () => gone.abort();
    res.once('close', hungUp);
    try {
      await sleep(ms, undefined, { signal: gone.signal });
      return true;
    } catch {
      this.count('latency_cut_short');
      return false;
    } finally {
      res.off('close', hungUp);
    }
  }

  /**
   * GET /__mock/stats, PUT /__mock/faults (JSON Faults, partial), DELETE /__mock/faults, POST /__mock/reset,
   * POST /__mock/release (every request a `hang` holds goes on to its answer).
   */
  routes(extraStats: () => Record<string, unknown> = () => ({})): Router {
    const router = new Router({ prefix: '/__mock' });
    router.get('/stats', (ctx) => {
      ctx.body = {
        counters: Object.fromEntries(this.counters),
        faults: this.faults,
        request_ids: this.requestIds,
        traceparents: this.traceparents,
        baggage: this.baggage,
        user_agents: this.userAgents,
        ...extraStats(),
      };
    });
    router.put('/faults', async (ctx) => {
      const body = (await readJson(ctx.req, 16 * 1024)) as Partial<Faults>;
      this.faults = { ...NO_FAULTS, ...pickFaults(body) };
      ctx.body = this.faults;
    });
    router.delete('/faults', (ctx) => {
      this.faults = { ...NO_FAULTS };
      ctx.status = 204;
    });
    router.post('/release', (ctx) => {
      const held = [...this.held];
      for (const release of held) release();
      ctx.body = { released: held.length };
    });
    router.post('/reset', (ctx) => {
      this.reset();
      ctx.status = 204;
    });
    return router;
  }
}

function pickFaults(body: Partial<Faults>): Partial<Faults> {
  const out: Partial<Faults> = {};
  if (typeof body.latencyMs === 'number') out.latencyMs = body.latencyMs;
  if (typeof body.failStatus === 'number') out.failStatus = body.failStatus;
  if (typeof body.hang === 'boolean') out.hang = body.hang;
  if (typeof body.shortPages === 'boolean') out.shortPages = body.shortPages;
  if (typeof body.loopNext === 'boolean') out.loopNext = body.loopNext;
  if (typeof body.pathPrefix === 'string') out.pathPrefix = body.pathPrefix;
  return out;
}

/** An error a mock answers with its own status and text (Keystone's JSON, Glance's webob body). */
export class MockError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'MockError';
  }
}

export type RenderError = (ctx: Koa.Context, status: number, message: string) => void;

/**
 * The mocks' outermost middleware: a fresh x-openstack-request-id on every answer (the real services send
 * one), JSON-or-webob errors for MockError, 404/405 for unknown
 * routes, and `texts.internal` for anything else.
 */
export function mockErrors(
  render: RenderError,
  texts: { notFound: string; notAllowed: string; internal: string },
): Middleware {
  return async (ctx, next) => {
    ctx.set('x-openstack-request-id', newRequestId());
    try {
      await next();
      if (ctx.status === 404 && ctx.body == null) throw new MockError(404, texts.notFound);
      if (ctx.status === 405 && ctx.body == null) throw new MockError(405, texts.notAllowed);
    } catch (err) {
      if (err instanceof MockError) return render(ctx, err.status, err.message);
      render(ctx, 500, texts.internal);
    }
  };
}

/** Read a JSON request body of at most `limit` bytes. */
export async function readJson(req: http.IncomingMessage, limit: number): Promise<unknown> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) throw new MockError(413, `Request body is larger than ${limit} bytes.`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new MockError(413, `Request body is larger than ${limit} bytes.`);
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new MockError(
      400,
      'Expecting to find valid JSON in request body. The server could not comply with the request since it is either malformed or otherwise incorrect. The client is assumed to be in error.',
    );
  }
}

export interface ServedApp {
  server: http.Server;
  url: string;
  close(): Promise<void>;
}

/** Listen on host:port (0 = a free port) and return the URL; close() also drops hanging connections. */
export async function serve(app: Koa, port = 0, host = '127.0.0.1'): Promise<ServedApp> {
  const handle = app.callback();
  // Koa settles every request itself: nothing is left floating.
  const server = http.createServer({ keepAliveTimeout: 5000 }, (req, res) => void handle(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const url = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${address.port}`;
  return {
    server,
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
