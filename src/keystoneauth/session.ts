// The one shared HTTP session (keystoneauth's Session, for Node): a pooled undici Agent plus the policy that
// every upstream call needs - an auth plugin chosen per call, endpoint lookup, deadlines, retries,
// redirects followed within the origin only, request ids and a User-Agent.
//
// One call, step by step (send): resolve the URL; then per attempt build the headers, dispatch, classify a
// failure (classify.ts) and maybe resend it (retry.ts), follow a redirect (redirect.ts), read the body
// (response.ts), and decide: re-authenticate, retry the status, raise, or answer. Where the call stands
// between attempts is one AttemptState (attempt.ts); what each attempt reports (its span, timing and redacted
// debug line) is the AttemptObserver's (instrumentation.ts).
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, type Dispatcher } from 'undici';
import type { RequestScope } from '../common/request-scope.js';
import { attemptHeaders, dispatchOptions, failureContext, type AttemptState, type Deadline } from './attempt.js';
import { classify, classifyDispatchFailure } from './classify.js';
import { httpErrorFor, type HttpError, type UpstreamError } from './errors.js';
import { errorBodyExcerpt, sentTokens } from './excerpt.js';
import { AttemptObserver, type Timing } from './instrumentation.js';
import type { AuthPlugin, EndpointFilter, PluginRequestOptions, PluginSession } from './plugin.js';
import { followRedirect, redirectLocation } from './redirect.js';
import { makeResponse, readBody, upstreamRequestId, type SessionResponse } from './response.js';
import { mayResend, mayRetryStatus, retryAfterMs, retryWaitMs } from './retry.js';
import { joinUrl, loggableUrl } from './url.js';

export type { SessionResponse } from './response.js';
export type { Timing } from './instrumentation.js';

export interface SessionOptions {
  /** Overall deadline of one call in ms, retries and redirects included. Always in force. */
  timeoutMs: number;
  /** Time to establish a TCP/TLS connection. */
  connectTimeoutMs: number;
  /** Time to wait for response headers. */
  headersTimeoutMs: number;
  /** Silence allowed while reading a body. */
  bodyTimeoutMs: number;
  /** Pooled connections per origin (0: unlimited). */
  connectionsPerOrigin: number;
  keepAliveTimeoutMs: number;
  /** Resends after a connection failure (any method when never sent, else idempotent ones only). */
  connectRetries: number;
  /** Retries of idempotent requests answered with one of retriableStatusCodes. */
  statusCodeRetries: number;
  retriableStatusCodes: readonly number[];
  /** First backoff; doubles per retry, with full jitter. */
  retryDelayMs: number;
  /** Longest single wait, Retry-After included. */
  maxRetryDelayMs: number;
  maxRedirects: number;
  /** Largest response body read into memory. */
  maxResponseBytes: number;
  userAgent: string;
  /** PEM texts; undefined: none configured (the system's CAs, no client certificate). */
  tls: { ca?: string | undefined; cert?: string | undefined; key?: string | undefined; rejectUnauthorized: boolean };
  /** Keep per-call timings, like keystoneauth's collect_timing (tests, diagnostics). */
  collectTiming?: boolean;
}

export interface RequestOptions extends PluginRequestOptions {
  /** Who the call is made as: the plugin supplies the token headers and, for a relative path, the endpoint. */
  auth?: AuthPlugin;
  endpointFilter?: EndpointFilter;
  /** On 401, ask the plugin to invalidate and retry once (default true). */
  allowReauth?: boolean;
}

/** keystoneauth's Session: one per process, shared by every call whatever identity it is made as. */
export class Session implements PluginSession {
  /** The options it was built with, frozen. */
  readonly options: Readonly<SessionOptions>;
  private readonly dispatcher: Dispatcher;
  /** Spans, timings and debug lines of every attempt (instrumentation.ts). */
  private readonly observer: AttemptObserver;
  /** How to end each call in flight when the session is abandoned (a Set: cheaper than a listener per call). */
  private readonly inFlight = new Set<() => void>();
  private isAbandoned = false;

  /**
   * @param scope carries the current request's id (sent upstream) and logger.
   * @param dispatcher replaces the pooled Agent built from `options` (tests, proxies).
   */
  constructor(
    options: SessionOptions,
    private readonly scope: RequestScope,
    dispatcher?: Dispatcher,
  ) {
    this.options = Object.freeze({ ...options });
    this.observer = new AttemptObserver(scope, options.collectTiming === true);
    this.dispatcher =
      dispatcher ??
      new Agent({
        connections: options.connectionsPerOrigin || null,
        keepAliveTimeout: options.keepAliveTimeoutMs,
        keepAliveMaxTimeout: Math.max(options.keepAliveTimeoutMs, 600_000),
        headersTimeout: options.headersTimeoutMs,
        bodyTimeout: options.bodyTimeoutMs,
        connect: {
          timeout: options.connectTimeoutMs,
          ca: options.tls.ca,
          cert: options.tls.cert,
          key: options.tls.key,
          rejectUnauthorized: options.tls.rejectUnauthorized,
        },
      });
  }

  /** GET/POST/... a URL, or a path relative to the endpoint that `auth` finds for `endpointFilter`. */
  async request(target: string, options: RequestOptions = {}): Promise<SessionResponse> {
    const timeoutMs = Math.min(options.timeoutMs ?? this.options.timeoutMs, this.options.timeoutMs);
    // One controller for the deadline and the caller's cancellation (cheaper than AbortSignal.timeout + any).
    const controller = new AbortController();
    const deadline: Deadline = { timeoutMs, signal: controller.signal, passed: false };
    const timer = setTimeout(() => {
      deadline.passed = true;
      controller.abort();
    }, timeoutMs);
    const onCallerAbort = () => controller.abort();
    const onAbandon = () => {
      deadline.abandoned = true;
      controller.abort();
    };
    options.signal?.addEventListener('abort', onCallerAbort, { once: true });
    this.inFlight.add(onAbandon);
    if (options.signal?.aborted) controller.abort();
    if (this.isAbandoned) onAbandon();
    try {
      return await this.send(target, options, deadline);
    } finally {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onCallerAbort);
      this.inFlight.delete(onAbandon);
    }
  }

  /**
   * Give up every call in flight, and any made afterwards, with a SessionAbandonedError: what a process does when
   * its shutdown grace period is over, so that a hanging upstream (a token validation, a Glance page) cannot hold
   * it past that. close() then waits for nothing.
   */
  abandon(): void {
    this.isAbandoned = true;
    for (const end of this.inFlight) end();
  }

  /** Whether abandon() was called. */
  get abandoned(): boolean {
    return this.isAbandoned;
  }

  /** Timings collected since the last reset (only with collectTiming). */
  getTimings(): readonly Timing[] {
    return this.observer.timings;
  }

  /** Forget the collected timings. */
  resetTimings(): void {
    this.observer.resetTimings();
  }

  /** Close the pooled connections; the session cannot be used afterwards. */
  async close(): Promise<void> {
    await this.dispatcher.close();
  }

  /** One call: attempts until an answer to return, an error to throw, or the deadline. */
  private async send(target: string, options: RequestOptions, deadline: Deadline): Promise<SessionResponse> {
    const method = (options.method ?? 'GET').toUpperCase();
    const url = await this.resolveUrl(target, method, options, deadline);
    const state = this.firstAttempt(url, method, options, deadline);
    for (;;) {
      const headers = attemptHeaders(state, options.auth ? await options.auth.getHeaders(this, deadline.signal) : {});
      this.observer.start(state, headers);
      const res = await this.dispatch(state, headers);
      if (res === undefined) continue;
      const status = res.statusCode;
      const upstreamId = upstreamRequestId(res.headers);

      const location = redirectLocation(status, res.headers, state.retriesLeft.redirects);
      if (location !== undefined) {
        await res.body.dump();
        this.observer.end(state, headers, { status, upstreamId });
        followRedirect(state, status, location, upstreamId);
        continue;
      }

      const body = await this.readAnswer(state, headers, res, upstreamId);
      if (await this.mayRepeat(state, options, res, upstreamId)) continue;
      if (status >= 400 && options.raiseExc !== false) {
        throw httpError(state, status, upstreamId, errorBodyExcerpt(body, sentTokens(headers)));
      }
      return makeResponse({
        status,
        headers: res.headers,
        url: state.url,
        requestId: upstreamId,
        body,
        service: state.service,
        displayName: state.displayName,
      });
    }
  }

  /** Dispatch one attempt; undefined when the connection failed and may be tried again (after a backoff). */
  private async dispatch(
    state: AttemptState,
    headers: Record<string, string>,
  ): Promise<Dispatcher.ResponseData | undefined> {
    // Abandoned (shutdown): nothing more is sent.
    if (state.deadline.abandoned === true) throw classify(new Error('session abandoned'), failureContext(state));
    try {
      return await this.dispatcher.request(dispatchOptions(state, headers));
    } catch (err) {
      const failure = classifyDispatchFailure(err, failureContext(state));
      this.observer.end(state, headers, { error: failure.error });
      if (state.retriesLeft.connect > 0 && mayResend(failure, state.method)) {
        state.retriesLeft.connect--;
        await this.backoff(state, undefined, failure.error);
        return undefined;
      }
      throw failure.error;
    }
  }

  /** The answer's body, which ends the attempt; a failure to read it is classified like any other. */
  private async readAnswer(
    state: AttemptState,
    headers: Record<string, string>,
    res: Dispatcher.ResponseData,
    upstreamId: string | undefined,
  ): Promise<Buffer> {
    const status = res.statusCode;
    let body: Buffer;
    try {
      body = await readBody(res, state.method, this.options.maxResponseBytes, {
        status,
        requestId: upstreamId,
        service: state.service,
        displayName: state.displayName,
        url: loggableUrl(state.url),
      });
    } catch (err) {
      const error = classify(err, failureContext(state));
      this.observer.end(state, headers, { status, upstreamId, error });
      throw error;
    }
    this.observer.end(state, headers, { status, upstreamId });
    return body;
  }

  /** Whether the answer is to be asked for again: once after a 401 with a renewed token, or a retriable status. */
  private async mayRepeat(
    state: AttemptState,
    options: RequestOptions,
    res: Dispatcher.ResponseData,
    upstreamId: string | undefined,
  ): Promise<boolean> {
    const status = res.statusCode;
    // The plugin's token may have been revoked or expired early: one retry with a fresh one.
    if (status === 401 && state.retriesLeft.reauth > 0 && options.auth?.invalidate()) {
      state.retriesLeft.reauth--;
      return true;
    }
    if (state.retriesLeft.status > 0 && mayRetryStatus(status, state.method, this.options.retriableStatusCodes)) {
      state.retriesLeft.status--;
      await this.backoff(state, retryAfterMs(res.headers['retry-after']), httpError(state, status, upstreamId));
      return true;
    }
    return false;
  }

  /** The absolute URL of `target` (with the caller's query); a failure to find it is classified like any other. */
  private async resolveUrl(target: string, method: string, options: RequestOptions, deadline: Deadline): Promise<URL> {
    let url: URL;
    try {
      if (/^https?:\/\//i.test(target)) {
        url = new URL(target);
      } else if (!options.auth || !options.endpointFilter) {
        throw new TypeError(`relative path ${target} needs an auth plugin and an endpoint filter`);
      } else {
        url = new URL(joinUrl(await options.auth.getEndpoint(this, options.endpointFilter, deadline.signal), target));
      }
    } catch (err) {
      // Even a misuse ends as an UpstreamError, the one error type callers of the session handle.
      throw classify(err, {
        service: options.service ?? 'upstream',
        displayName: options.displayName,
        method,
        url: new URL('http://unresolved.invalid/'),
        deadline,
        callerSignal: options.signal,
      });
    }
    if (options.query) for (const [k, v] of options.query) url.searchParams.append(k, v);
    return url;
  }

  /** The call before its first attempt: its headers and body from the options, and what it may spend. */
  private firstAttempt(url: URL, method: string, options: RequestOptions, deadline: Deadline): AttemptState {
    const headers: Record<string, string> = {
      'user-agent': this.options.userAgent,
      accept: 'application/json',
    };
    const requestId = this.scope.globalId;
    if (requestId) headers['x-openstack-request-id'] = requestId;
    let body = options.body;
    if (options.json !== undefined) {
      body = JSON.stringify(options.json);
      headers['content-type'] = 'application/json';
    }
    for (const [k, v] of Object.entries(options.headers ?? {})) headers[k.toLowerCase()] = v;
    return {
      service: options.service ?? 'upstream',
      displayName: options.displayName,
      deadline,
      callerSignal: options.signal,
      started: performance.now(),
      headers,
      requestedMethod: method,
      method,
      url,
      body,
      attempt: 0,
      retriesLeft: {
        connect: options.connectRetries ?? this.options.connectRetries,
        status: options.statusCodeRetries ?? this.options.statusCodeRetries,
        redirects: this.options.maxRedirects,
        reauth: options.allowReauth === false || !options.auth ? 0 : 1,
      },
      span: undefined,
      attemptStartedAt: 0,
    };
  }

  /** Wait before a retry; throws `error` instead when the wait would reach the deadline, or is cut short by it. */
  private async backoff(state: AttemptState, retryAfter: number | undefined, error: UpstreamError): Promise<void> {
    const wait = retryWaitMs({
      attempt: state.attempt,
      retryAfterMs: retryAfter,
      baseMs: this.options.retryDelayMs,
      capMs: this.options.maxRetryDelayMs,
      elapsedMs: performance.now() - state.started,
      timeoutMs: state.deadline.timeoutMs,
    });
    if (wait === undefined) throw error;
    this.observer.retrying(state, wait, error);
    state.attempt++;
    try {
      await sleep(wait, undefined, { signal: state.deadline.signal });
    } catch (err) {
      throw state.deadline.abandoned === true ? classify(err, failureContext(state)) : error;
    }
  }
}

/** The HttpError for an answer, named after the attempt that got it; the body excerpt (tokens redacted) goes to logs only. */
function httpError(
  state: AttemptState,
  status: number,
  requestId: string | undefined,
  bodyExcerpt?: string,
): HttpError {
  return httpErrorFor(status, {
    service: state.service,
    displayName: state.displayName,
    method: state.method,
    url: loggableUrl(state.url),
    requestId,
    bodyExcerpt,
  });
}
