// Following redirects without leaking secrets. keystoneauth and glanceclient resend the same request, token
// headers and body included, to wherever a Location points. Here a redirect to another origin makes the rest
// of the call go without any token header (X-Auth-Token, X-Subject-Token, X-Service-Token, ...: see
// TOKEN_HEADERS), and a request with a body is never redirected to another origin at all.
import { sendsBody, type AttemptState } from './attempt.js';
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
 * Point the call at the redirect's target, spending one redirect. Leaving the origin strips tokens for the
 * rest of the call; 303, and 301/302 after a POST, turn the call into a bodiless GET (as browsers and
 * requests do). Throws RedirectRefusedError when a request with a body would leave its origin: the body may
 * be a password (the service user's authentication), and no header can be stripped from it. Whatever the
 * status, 303 included: the origin that asked for the body is the only one that may see where it leads.
 */
export function followRedirect(state: AttemptState, status: number, location: string, requestId?: string): void {
  const next = new URL(location, state.url);
  if (next.origin !== state.url.origin) {
    if (sendsBody(state)) {
      const where = `${state.service} (${state.method} ${loggableUrl(state.url)})`;
      throw new RedirectRefusedError(
        `${where} redirected (${status}) to another origin, ${next.origin}: a request with a body is never sent ` +
          'to another origin, as the body may hold credentials',
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
    state.stripTokens = true;
  }
  if (status === 303 || ((status === 301 || status === 302) && state.method === 'POST')) {
    state.method = 'GET';
    state.body = undefined;
    delete state.headers['content-type'];
  }
  state.url = next;
  state.retriesLeft.redirects--;
}
