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

export function errorHandler(scope: RequestScope): Middleware<RequestIdState> {
  return async function errorHandlerMiddleware(ctx, next) {
    try {
      await next();
      if ((ctx.status === 404 || ctx.status === 405 || ctx.status === 501) && ctx.body == null) {
        const messages: Record<number, string> = {
          404: 'The resource could not be found.',
          405: `Method ${ctx.method} is not allowed here.`,
          501: `Method ${ctx.method} is not implemented.`,
        };
        throw new ApiError(ctx.status, messages[ctx.status] ?? 'Error');
      }
    } catch (err) {
      const api = toApiError(err);
      const cause = api.cause;
      if (cause instanceof ValidationOverloadedError) {
        // auth_token already logged the shed request, once and without a stack: a flood must stay cheap.
      } else if (cause instanceof RequestAbortedError) {
        // The client left: nothing went wrong here, and nobody is waiting for the answer.
        scope.log.info({ status: 499 }, 'client went away; upstream calls aborted');
      } else if (api.status >= 500 || cause instanceof UpstreamError) {
        const upstream = cause instanceof UpstreamError ? cause : undefined;
        scope.log[api.status >= 500 && api.status !== 503 ? 'error' : 'warn'](
          {
            status: api.status,
            error: upstream
              ? {
                  code: upstream.code,
                  service: upstream.service,
                  upstream_status: upstream.status,
                  upstream_request_id: upstream.requestId,
                  url: upstream.url,
                  body: upstream.bodyExcerpt,
                  message: upstream.message,
                }
              : {
                  message: (cause as Error | undefined)?.message ?? api.message,
                  stack: (cause as Error | undefined)?.stack,
                },
          },
          'request failed',
        );
      }
      ctx.status = api.status;
      for (const [name, value] of Object.entries(api.headers)) ctx.set(name, value);
      const body: Record<string, unknown> = {
        error: { code: api.status, title: api.title, message: api.message },
        request_id: ctx.state.requestId,
      };
      if (api.parameter) (body.error as Record<string, unknown>).parameter = api.parameter;
      if (cause instanceof UpstreamError && cause.requestId) body.upstream_request_id = cause.requestId;
      ctx.body = body;
    }
  };
}
