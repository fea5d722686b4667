// Where one call through the session stands between its attempts: what the next attempt sends, what the
// call may still spend on retries, redirects and re-authentication, and its deadline. Session.send owns one
// of these per call and moves it along; followRedirect (redirect.ts) and the backoff update it too.
import type { Span } from '@opentelemetry/api';
import type { Dispatcher } from 'undici';
import type { FailureContext } from './classify.js';

/** The call's one deadline (retries and redirects included), merged with the caller's cancellation. */
export interface Deadline {
  readonly timeoutMs: number;
  /** Fires at the deadline or when the caller aborts: every dispatch, plugin call and backoff listens to it. */
  readonly signal: AbortSignal;
  /** Set when the deadline fired, so that the abort it causes is reported as a timeout. */
  passed: boolean;
  /** Set when the session was abandoned (shutdown) during the call, so that its abort is reported as that. */
  abandoned?: boolean;
}

/** What a call may still spend; each kind is counted on its own, like keystoneauth's. */
export interface RetriesLeft {
  /** connect_retries: resends after a failed connection. */
  connect: number;
  /** status_code_retries: retries of an idempotent request answered with a retriable status. */
  status: number;
  /** max_redirects. */
  redirects: number;
  /** One retry after a 401, with a token the plugin renews (0 without a plugin or with allowReauth false). */
  reauth: number;
}

export interface AttemptState {
  /** Stable name of the upstream in errors, logs and spans ("keystone", "glance"). */
  readonly service: string;
  /** How callers are told about the upstream ("identity service"), when the caller gave one. */
  readonly displayName?: string | undefined;
  readonly deadline: Deadline;
  readonly callerSignal: AbortSignal | undefined;
  /** When the first attempt started (performance.now()): backoffs are measured from here. */
  readonly started: number;
  /** Headers of every attempt before the plugin's: User-Agent, Accept, request id, the caller's (lower case). */
  readonly headers: Record<string, string>;
  /** The method the caller asked for; failures are reported under it, even after a 303 made the call a GET. */
  readonly requestedMethod: string;
  /** What the next attempt sends; a redirect changes them. */
  method: string;
  url: URL;
  body: string | Buffer | undefined;
  /** Backoffs taken so far (connect and status retries): the exponent of the next one. */
  attempt: number;
  readonly retriesLeft: RetriesLeft;
  /** The attempt in flight as AttemptObserver.start left it (instrumentation.ts): its CLIENT span and start. */
  span: Span | undefined;
  attemptStartedAt: number;
}

/**
 * This attempt's headers: the call's, then the plugin's (names lower-cased, so they win over the caller's). Every
 * attempt goes to the call's first origin (redirect.ts), so they may carry its tokens.
 */
export function attemptHeaders(
  state: AttemptState,
  authHeaders: Readonly<Record<string, string>>,
): Record<string, string> {
  const headers = { ...state.headers };
  for (const [name, value] of Object.entries(authHeaders)) headers[name.toLowerCase()] = value;
  return headers;
}

/** Whether the next attempt sends a body: GET and HEAD never do. */
export function sendsBody(state: AttemptState): state is AttemptState & { body: string | Buffer } {
  return state.body !== undefined && state.method !== 'GET' && state.method !== 'HEAD';
}

/** undici's request options for this attempt. */
export function dispatchOptions(state: AttemptState, headers: Record<string, string>): Dispatcher.RequestOptions {
  const options: Dispatcher.RequestOptions = {
    origin: state.url.origin,
    path: `${state.url.pathname}${state.url.search}`,
    method: state.method,
    headers,
    signal: state.deadline.signal,
  };
  if (sendsBody(state)) options.body = state.body;
  return options;
}

/** Where the attempt failed, for classify. */
export function failureContext(state: AttemptState): FailureContext {
  return {
    service: state.service,
    displayName: state.displayName,
    method: state.requestedMethod,
    url: state.url,
    deadline: state.deadline,
    callerSignal: state.callerSignal,
  };
}
