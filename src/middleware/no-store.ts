// Every answer of this service is made for one caller: its token's images, its errors. `Cache-Control: no-store`
// keeps a shared cache in front (a CDN, a caching proxy) from serving it to another caller: X-Auth-Token is not
// Authorization, which alone makes a shared cache hold back (RFC 9111 section 3.5), and Varnish's default, for
// one, stores any GET without Authorization or Cookie. A route whose answer may be shared sets its own.
import type { Middleware } from 'koa';

export function noStore(): Middleware {
  return async function noStoreMiddleware(ctx, next) {
    await next();
    if (!ctx.res.hasHeader('Cache-Control')) ctx.set('Cache-Control', 'no-store');
  };
}
