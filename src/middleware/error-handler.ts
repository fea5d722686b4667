// The one place errors become responses: every failure is JSON {"error":{"code","title","message"}} with
// the request id beside it. Upstream failures map to the gateway statuses of the design; internal details
// and stack traces stay in the log.
import type { Middleware } from 'koa';
import { STATUS_CODES } from 'node:http';
import { ApiError } from '../common/api-error.js';
import {
  ConnectionError,
  EmptyCatalogError,
  EndpointNotFoundError,
  HttpError,
  ProtocolError,
  RedirectRefusedError,
  RequestAbortedError,
  SessionAbandonedError,
  TimeoutError,
  TlsError,
  UpstreamError,
} from '../keystoneauth/errors.js';
import { InvalidTokenError, UNAUTHORIZED_MESSAGE, ValidationOverloadedError } from '../auth-token/errors.js';
import type { RequestScope } from '../common/request-scope.js';
import type { RequestIdState } from './request-scope.js';

/** What the caller is told about an upstream failure, naming the service as its Adapter calls it. */
export function upstreamToApiError(err: UpstreamError): ApiError {
  const service = err.displayName ?? 'upstream service';
  if (err instanceof RequestAbortedError) return new ApiError(499, 'The client closed the request.', { cause: err });
  if (err instanceof SessionAbandonedError)
    return new ApiError(503, 'The service is shutting down; try again.', { cause: err });
  if (err instanceof TimeoutError) return new ApiError(504, `The ${service} did not answer in time.`, { cause: err });
  if (err instanceof TlsError)
    return new ApiError(502, `A secure connection to the ${service} could not be established.`, { cause: err });
  if (err instanceof ConnectionError) return new ApiError(502, `The ${service} cannot be reached.`, { cause: err });
  if (err instanceof EmptyCatalogError)
    return new ApiError(403, `The token has no service catalog; use a project-scoped token.`, { cause: err });
  if (err instanceof EndpointNotFoundError)
    return new ApiError(502, `The token's service catalog has no usable endpoint: ${err.message}.`, { cause: err });
  if (err instanceof RedirectRefusedError)
    return new ApiError(502, `The ${service} redirected the request elsewhere; it was not followed.`, { cause: err });
  if (err instanceof ProtocolError)
    return new ApiError(502, `The ${service} sent an invalid response.`, { cause: err });
  if (err instanceof HttpError) {
    if (err.status === 401) return new ApiError(401, `The ${service} rejected the token.`, { cause: err });
    if (err.status === 403) return new ApiError(403, `The ${service} refused access.`, { cause: err });
    if (err.status === 429)
      return new ApiError(503, `The ${service} is rate limiting; try again later.`, { cause: err });
    return new ApiError(502, `The ${service} failed (HTTP ${err.status}).`, { cause: err });
  }
  return new ApiError(502, `The ${service} failed.`, { cause: err });
}

function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof UpstreamError) return upstreamToApiError(err);
  // A route (or the caller's auth plugin) needed a confirmed user and there is none: delay_auth_decision.
  if (err instanceof InvalidTokenError) return new ApiError(401, UNAUTHORIZED_MESSAGE, { cause: err });
  // http-errors thrown by Koa itself (ctx.throw, body limits): keep the status, show the message only if safe.
  const e = err as { status?: unknown; expose?: unknown; message?: unknown } | null;
  if (e && typeof e.status === 'number' && e.status >= 400 && e.status < 600) {
    const message =
      e.expose === true && typeof e.message === 'string' ? e.message : (STATUS_CODES[e.status] ?? 'Error');
    return new ApiError(e.status, message, { cause: err });
  }
  return new ApiError(500, 'An unexpected error occurred.', { cause: err });
}

/**
 * No route for the path (404) or the method (405 for one a route does not take, 501 for one no route knows): the
 * caller's mistake, whatever the status class of a 501 says.
 */
class RoutingError extends ApiError {}

const ROUTING_MESSAGES: Record<number, (method: string) => string> = {
  404: () => 'The resource could not be found.',
  405: (method) => `Method ${method} is not allowed here.`,
  501: (method) => `Method ${method} is not implemented.`,
};

/**
 * The one 'request failed' line, for what the operator must look at: an upstream failure (warn; error for a 5xx
 * but 503), or a 5xx of our own (error, with the stack). A caller's own mistake (any 4xx, and the 405 and 501
 * of a method no route takes) is not a failure: the access line says it, at info.
 */
function logFailure(scope: RequestScope, api: ApiError): void {
  const cause = api.cause;
  if (cause instanceof ValidationOverloadedError) {
    // auth_token already logged the shed request, once and without a stack: a flood must stay cheap.
  } else if (cause instanceof RequestAbortedError) {
    // The client left: nothing went wrong here, and nobody is waiting for the answer.
    scope.log.info({ status: 499 }, 'client went away; upstream calls aborted');
  } else if (cause instanceof SessionAbandonedError) {
    // Our own shutdown cut it off (server.ts): not the client's doing, nor an upstream failure.
    scope.log.info({ status: api.status }, 'request abandoned: the service is shutting down');
  } else if (cause instanceof UpstreamError) {
    scope.log[api.status >= 500 && api.status !== 503 ? 'error' : 'warn'](
      {
        status: api.status,
        error: {
          code: cause.code,
          service: cause.service,
          upstream_status: cause.status,
          upstream_request_id: cause.requestId,
          url: cause.url,
          body: cause.bodyExcerpt,
          message: cause.message,
        },
      },
      'request failed',
    );
  } else if (api.status >= 500 && !(api instanceof RoutingError)) {
    scope.log[api.status === 503 ? 'warn' : 'error'](
      {
        status: api.status,
        error: {
          message: (cause as Error | undefined)?.message ?? api.message,
          stack: (cause as Error | undefined)?.stack,
        },
      },
      'request failed',
    );
  }
}

export function errorHandler(scope: RequestScope): Middleware<RequestIdState> {
  return async function errorHandlerMiddleware(ctx, next) {
    try {
      await next();
      const message = ROUTING_MESSAGES[ctx.status];
      if (message !== undefined && ctx.body == null) throw new RoutingError(ctx.status, message(ctx.method));
    } catch (err) {
      const api = toApiError(err);
      logFailure(scope, api);
      ctx.status = api.status;
      for (const [name, value] of Object.entries(api.headers)) ctx.set(name, value);
      const body: Record<string, unknown> = {
        error: { code: api.status, title: api.title, message: api.message },
        request_id: ctx.state.requestId,
      };
      if (api.parameter) (body.error as Record<string, unknown>).parameter = api.parameter;
      if (api.cause instanceof UpstreamError && api.cause.requestId) body.upstream_request_id = api.cause.requestId;
      ctx.body = body;
    }
  };
}
