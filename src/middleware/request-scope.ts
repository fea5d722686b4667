// First middleware of every request: settle the OpenStack request id (accept a well-formed inbound one, or
// make one), return it, run the rest of the request in a context whose logger carries it, and write the
// one access-log line when the response is done (or the client went away).
//
// Written here rather than with pino-http: pino-http builds two child loggers per request even when the
// access line is disabled, which measured as several percent of the hot path (docs/benchmarks.md, what the profile changed).
import type { Middleware } from 'koa';
import type { Logger } from '../common/logger.js';
import { isValidRequestId, newRequestId, type RequestScope, type ScopedRequest } from '../common/request-scope.js';

export interface RequestScopeOptions {
  scope: RequestScope;
  logger: Logger;
  /** Paths whose requests get no access-log line (health probes, metrics scrapes). */
  quietPaths?: readonly string[];
  /**
   * Whether the service cut its open connections off (shutdown, grace period over): a response left unfinished
   * then is not a client's abort.
   */
  cutOff?: () => boolean;
}

export interface RequestIdState {
  requestId: string;
}

/** The request's store; its child logger is made the first time something logs. */
class Store implements ScopedRequest {
  private child: Logger | undefined;
  route: string | undefined;

  constructor(
    readonly requestId: string,
    private readonly root: Logger,
  ) {}

  get log(): Logger {
    return (this.child ??= this.root.child({ request_id: this.requestId }));
  }
}

export function requestScope(options: RequestScopeOptions): Middleware<RequestIdState> {
  const quiet = new Set(options.quietPaths ?? []);
  const root = options.logger;

  return async function requestScopeMiddleware(ctx, next) {
    const inbound = ctx.get('x-openstack-request-id');
    const requestId = isValidRequestId(inbound) ? inbound : newRequestId();
    ctx.state.requestId = requestId;
    ctx.set('X-OpenStack-Request-ID', requestId);
    const store = new Store(requestId, root);
    if (!quiet.has(ctx.path)) {
      const started = performance.now();
      const { method, url } = ctx;
      const res = ctx.res;
      // 'close' follows 'finish', and also comes alone when the connection ends first. Not writableFinished: it
      // also says true for an answer written to a connection our own shutdown had already cut off.
      let finished = false;
      res.once('finish', () => (finished = true));
      res.once('close', () => {
        const aborted = !finished;
        const cut = aborted && options.cutOff?.() === true;
        const status = cut ? 503 : aborted ? 499 : res.statusCode;
        // 501 answers a method no route knows (PROPFIND): the client's mistake, like a 405, not ours.
        const level = cut ? 'warn' : status >= 500 && status !== 501 ? 'error' : 'info';
        if (!root.isLevelEnabled(level)) return;
        store.log[level](
          {
            req: { method, url },
            res: { status },
            route: store.route,
            duration_ms: Math.round((performance.now() - started) * 10) / 10,
          },
          cut
            ? 'request cut off: the service shut down at the end of its grace period'
            : aborted
              ? 'request aborted by the client'
              : 'request completed',
        );
      });
    }
    await options.scope.run(store, async () => {
      try {
        await next();
      } finally {
        store.route = (ctx as { _matchedRoute?: string })._matchedRoute;
      }
    });
  };
}
