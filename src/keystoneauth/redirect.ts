// Following redirects without leaking secrets or trust. keystoneauth and glanceclient resend the same request,
// token headers and body included, to wherever a Location points. Here a redirect is followed only within the
// origin (scheme, host and port) of the call: a redirect to another origin ends the call with a
// RedirectRefusedError, whatever the method, the status or the headers. Stripping the tokens would not be
// enough: the other origin's answer would still be taken as the first one's (a forged token validation, a forged
// image list).
import type { AttemptState } from './attempt.js';
import { RedirectRefusedError } from './errors.js';
import { headerValue, type ResponseHeaders } from './response.js';
import { loggableUrl } from './url.js';

const REDIRECT_STATUSES: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);

/** The Location to follow when this answer is a redirect the call may still follow, else undefined. */
export function redirectLocation(status: number, headers: ResponseHeaders, redirectsLeft: number): string | undefined {
  return REDIRECT_STATUSES.has(status) && redirectsLeft > 0 && headers.location
    ? (headerValue(headers.location) ?? '')
    : undefined;
}

/**
 * Point the call at the redirect's target, on the same origin, spending one redirect; 303, and 301/302 after a
 * POST, turn the call into a bodiless GET (as browsers and requests do). Throws RedirectRefusedError when the
 * target is another origin: the token or the body (for the service user's authentication, its password) would
 * go there, and its answer, an identity or a list, would be believed as the first origin's.
 */
export function followRedirect(state: AttemptState, status: number, location: string, requestId?: string): void {
  const next = new URL(location, state.url);
  if (next.origin !== state.url.origin) {
    const where = `${state.service} (${state.method} ${loggableUrl(state.url)})`;
    throw new RedirectRefusedError(
      `${where} redirected (${status}) to another origin, ${next.origin}: a call is never sent to another ` +
        'origin, as its token, its body and trust in its answer belong to the origin called',
      {
        status,
        requestId,
        service: state.service,
        displayName: state.displayName,
        method: state.requestedMethod,
        url: loggableUrl(state.url),
      },
    );
  }
  if (status === 303 || ((status === 301 || status === 302) && state.method === 'POST')) {
    state.method = 'GET';
    state.body = undefined;
    delete state.headers['content-type'];
  }
  state.url = next;
  state.retriesLeft.redirects--;
}
