// RFC 9112 section 3.2: an HTTP/1.1 request without Host is a 400. Node's listener answers it itself (its
// requireHostHeader) with an empty body, no request id and no log line; server.ts turns that off for the API
// listener and this middleware answers it instead, like every other error: JSON, a request id, the access line.
import type { Middleware } from 'koa';
import { ApiError } from '../common/api-error.js';

/** Node's own test (_http_server.js): HTTP/1.1 exactly, and no Host header at all. */
export function requireHost(): Middleware {
  return async function requireHostMiddleware(ctx, next) {
    const { req } = ctx;
    if (req.httpVersionMajor === 1 && req.httpVersionMinor === 1 && req.headers.host === undefined)
      throw new ApiError(400, 'An HTTP/1.1 request must have a Host header.', {
        parameter: 'Host',
        // As Node closes it: a client this broken should start over.
        headers: { Connection: 'close' },
      });
    await next();
  };
}
