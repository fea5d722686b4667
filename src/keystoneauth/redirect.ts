// Following redirects without leaking tokens. keystoneauth and glanceclient forward X-Auth-Token to wherever
// a Location points; here a redirect to another origin makes the rest of the call go without any token
// header (X-Auth-Token, X-Subject-Token, X-Service-Token, ...: see TOKEN_HEADERS).
import type { AttemptState } from './attempt.js';
import { headerValue, type ResponseHeaders } from './response.js';

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
 * requests do).
 */
export function followRedirect(state: AttemptState, status: number, location: string): void {
  const next = new URL(location, state.url);
  if (next.origin !== state.url.origin) state.stripTokens = true;
  if (status === 303 || ((status === 301 || status === 302) && state.method === 'POST')) {
    state.method = 'GET';
    state.body = undefined;
    delete state.headers['content-type'];
  }
  state.url = next;
  state.retriesLeft.redirects--;
}
