// First middleware of every request: settle the OpenStack request id (accept a well-formed inbound one, or
// make one), return it, and run the rest of the request with a child logger that carries it. pino-http
// writes the one access-log line per request when the response finishes.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Middleware } from 'koa';
import { pinoHttp } from 'pino-http';
import type { Logger } from '../logger.js';
import { isValidRequestId, newRequestId, type RequestContext } from '../request-context.js';

export interface RequestContextOptions {
  context: RequestContext;
  logger: Logger;
  /** Paths whose requests get no access-log line (health probes, metrics scrapes). */
  quietPaths?: readonly string[];
}

export interface RequestState {
  requestId: string;
}

interface TaggedRequest extends IncomingMessage {
  openstackRequestId?: string;
  matchedRoute?: string;
}

export function requestContext(options: RequestContextOptions): Middleware<RequestState> {
  const quiet = new Set(options.quietPaths ?? []);
  const httpLogger = pinoHttp({
    logger: options.logger,
    genReqId: (req) => (req as TaggedRequest).openstackRequestId ?? newRequestId(),
    customAttributeKeys: { reqId: 'request_id', responseTime: 'duration_ms' },
    // Request-scoped lines carry only request_id; the access line adds req, res, route and duration.
    quietReqLogger: true,
    autoLogging: { ignore: (req) => quiet.has((req.url ?? '').split('?')[0] ?? '') },
    // Only what an operator needs: never headers (they carry tokens).
    serializers: {
      req: (req: { method: string; url: string }) => ({ method: req.method, url: req.url }),
      res: (res: { statusCode: number }) => ({ status: res.statusCode }),
    },
    customProps: (req: IncomingMessage) => ({ route: (req as TaggedRequest).matchedRoute }),
    customLogLevel: (_req: IncomingMessage, res: ServerResponse, err?: Error) =>
      err || res.statusCode >= 500 ? 'error' : 'info',
    customSuccessMessage: () => 'request completed',
    customErrorMessage: () => 'request failed',
  });

  return async function requestContextMiddleware(ctx, next) {
    const inbound = ctx.get('x-openstack-request-id');
    const requestId = isValidRequestId(inbound) ? inbound : newRequestId();
    ctx.state.requestId = requestId;
    ctx.set('X-OpenStack-Request-ID', requestId);
    const req = ctx.req as TaggedRequest;
    req.openstackRequestId = requestId;
    httpLogger(ctx.req, ctx.res);
    await options.context.run({ requestId, log: ctx.req.log }, async () => {
      try {
        await next();
      } finally {
        req.matchedRoute = (ctx as { _matchedRoute?: string })._matchedRoute ?? undefined;
      }
    });
  };
}
