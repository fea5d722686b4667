// /__mock/ for the mock Keystone (control.ts: counters, fault injection), plus the validations in flight and
// their peak since the last reset, which tests of admission and single-flight read.
import type Koa from 'koa';
import type { MockControl, RenderError } from '../../control.js';

/** GET /v3/auth/tokens, the validations counted in flight. */
const VALIDATE_PATH = /^\/v3\/auth\/tokens\/?$/;

export function useControl(app: Koa, control: MockControl, renderError: RenderError): void {
  // Before the fault middleware, so that the window includes injected latency; the peak lives in the
  // counters, so POST /__mock/reset clears it.
  let inflight = 0;
  app.use(async (ctx, next) => {
    if (ctx.method !== 'GET' || !VALIDATE_PATH.test(ctx.path)) {
      await next();
      return;
    }
    inflight++;
    if (inflight > control.get('validations_inflight_peak'))
      control.counters.set('validations_inflight_peak', inflight);
    try {
      await next();
    } finally {
      inflight--;
    }
  });
  app.use(control.faultMiddleware(renderError));
  const mockRoutes = control.routes(() => ({ validations_inflight: inflight }));
  app.use(mockRoutes.routes()).use(mockRoutes.allowedMethods());
}
