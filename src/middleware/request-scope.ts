// First middleware of every request: make the OpenStack request id and return it, keep a well-formed inbound
// one as the global request id (as oslo.middleware does: a caller never chooses this service's own id, which
// would let it put its lines under another caller's id), run the rest of the request in a context whose logger
// carries both, and write the one access-log line when the response is done (or the client went away).
//
// Written here rather than with pino-http: pino-http builds two child loggers per request even when the
// access line is disabled, which measured as several percent of the hot path (docs/benchmarks.md, what the profile changed).
import type { Middleware } from 'koa';
import type { Logger } from '../common/logger.js';
import { shorten } from '../common/shorten.js';
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

/** How much of the request target an access line holds: Node lets a caller send up to 16 KiB of it. */
export const MAX_LOGGED_URL = 2048;

export interface RequestIdState {
  requestId: string;
}

/** The request's store; its child logger is made the first time something logs. */
class Store implements ScopedRequest {
  private child: Logger | undefined;
  route: string | undefined;

  constructor(
    readonly requestId: string,
    readonly globalRequestId: string | undefined,
    private readonly root: Logger,
  ) {}

  get log(): Logger {
    const { requestId, globalRequestId } = this;
    return (this.child ??= this.root.child(
      globalRequestId === undefined
        ? { request_id: requestId }
        : { request_id: requestId, global_request_id: globalRequestId },
    ));
  }
}

export function requestScope(options: RequestScopeOptions): Middleware<RequestIdState> {
  const quiet = new Set(options.quietPaths ?? []);
  const root = options.logger;

  return async function requestScopeMiddleware(ctx, next) {
    const inbound = ctx.get('x-openstack-request-id');
    const requestId = newRequestId();
    ctx.state.requestId = requestId;
    ctx.set('X-OpenStack-Request-ID', requestId);
    const store = new Store(requestId, isValidRequestId(inbound) ? inbound : undefined, root);
    if (!quiet.has(ctx.path)) {
      const started = performance.now();
      const { method } = ctx;
      const url = shorten(ctx.url, MAX_LOGGED_URL);
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
