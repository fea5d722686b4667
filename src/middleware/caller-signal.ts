// The caller's AbortSignal: aborted when the caller hangs up before its response is finished, so the work done
// on its behalf (a client's calls through the session, a paging loop) stops instead of running on for nobody.
// Hand it to every upstream call a handler makes: `client.list({ signal: callerSignal(ctx) })`.
import type { ServerResponse } from 'node:http';

const signals = new WeakMap<ServerResponse, AbortSignal>();

/**
 * The signal of this request's caller, one per response however often it is asked for. Its listener goes with
 * the response's 'close', which every response emits, finished or not: nothing to remove afterwards.
 */
export function callerSignal(ctx: { readonly res: ServerResponse }): AbortSignal {
  const { res } = ctx;
  const known = signals.get(res);
  if (known) return known;
  const controller = new AbortController();
  const onClose = () => {
    if (!res.writableFinished) controller.abort();
  };
  // A caller may be gone before the handler asks: then the signal is aborted from the start.
  if (res.closed) onClose();
  else res.once('close', onClose);
  signals.set(res, controller.signal);
  return controller.signal;
}
