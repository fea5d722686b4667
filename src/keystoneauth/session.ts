// The one shared HTTP session (keystoneauth's Session, for Node): a pooled undici Agent plus the policy that
// every upstream call needs - an auth plugin chosen per call, endpoint lookup, deadlines, retries,
// redirects that never leak tokens, request ids, a User-Agent and redacted debug logs.
import fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, type Dispatcher } from 'undici';
import type { Config } from '../config/schema.js';
import { ConnectionError, ProtocolError, RequestAbortedError, TimeoutError, TlsError, UpstreamError, httpErrorFor } from './errors.js';
import type { AuthPlugin, EndpointFilter, PluginRequestOptions, PluginResponse, PluginSession } from './plugin.js';
import { redactHeaders, TOKEN_HEADERS } from '../common/redact.js';
import type { RequestScope } from '../common/request-scope.js';
import { backoffMs, isIdempotent, retryAfterMs } from './retry.js';
import { joinUrl, loggableUrl } from './url.js';

export interface SessionOptions {
  /** Overall deadline of one call in ms, retries and redirects included. Always in force. */
  timeoutMs: number;
  connectTimeoutMs: number;
  headersTimeoutMs: number;
  bodyTimeoutMs: number;
  connectionsPerOrigin: number;
  keepAliveTimeoutMs: number;
  connectRetries: number;
  statusCodeRetries: number;
  retriableStatusCodes: readonly number[];
  retryDelayMs: number;
  maxRetryDelayMs: number;
  maxRedirects: number;
  maxResponseBytes: number;
  userAgent: string;
  tls: { ca?: string; cert?: string; key?: string; rejectUnauthorized: boolean };
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

export interface SessionResponse extends PluginResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly url: string;
  /** The upstream's request id, when it sent one. */
  readonly requestId: string | undefined;
  readonly body: Buffer;
  text(): string;
  json<T = unknown>(): T;
}

export interface Timing {
  method: string;
  url: string;
  status: number | undefined;
  elapsedMs: number;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const NEVER_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);
const CONNECTION_CODES = new Set([...NEVER_SENT, 'ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'ECONNABORTED']);

export function sessionOptionsFromConfig(c: Config['communication']): SessionOptions {
  const read = (file: string) => (file === '' ? undefined : fs.readFileSync(file, 'utf8'));
  const ms = (seconds: number) => Math.round(seconds * 1000);
  return {
    timeoutMs: ms(c.timeout),
    connectTimeoutMs: ms(c.connect_timeout),
    headersTimeoutMs: ms(c.headers_timeout),
    bodyTimeoutMs: ms(c.body_timeout),
    connectionsPerOrigin: c.connections_per_origin,
    keepAliveTimeoutMs: ms(c.keep_alive_timeout),
    connectRetries: c.connect_retries,
    statusCodeRetries: c.status_code_retries,
    retriableStatusCodes: c.retriable_status_codes.map(Number),
    retryDelayMs: ms(c.retry_delay),
    maxRetryDelayMs: ms(c.max_retry_delay),
    maxRedirects: c.max_redirects,
    maxResponseBytes: c.max_response_bytes,
    userAgent: c.user_agent,
    tls: { ca: read(c.cafile), cert: read(c.certfile), key: read(c.keyfile), rejectUnauthorized: !c.insecure },
  };
}

export class Session implements PluginSession {
  readonly options: Readonly<SessionOptions>;
  private readonly dispatcher: Dispatcher;
  private readonly timings: Timing[] = [];

  constructor(
    options: SessionOptions,
    private readonly context: RequestScope,
    dispatcher?: Dispatcher,
  ) {
    this.options = Object.freeze({ ...options });
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
    const method = (options.method ?? 'GET').toUpperCase();
    const service = options.service ?? 'upstream';
    const timeoutMs = Math.min(options.timeoutMs ?? this.options.timeoutMs, this.options.timeoutMs);
    // One controller for the deadline and the caller's cancellation (cheaper than AbortSignal.timeout + any).
    const controller = new AbortController();
    const deadline = { passed: false };
    const timer = setTimeout(() => {
      deadline.passed = true;
      controller.abort();
    }, timeoutMs);
    const onCallerAbort = () => controller.abort();
    options.signal?.addEventListener('abort', onCallerAbort, { once: true });
    if (options.signal?.aborted) controller.abort();
    try {
      return await this.send(target, options, method, service, timeoutMs, controller.signal, deadline);
    } finally {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onCallerAbort);
    }
  }

  private async send(
    target: string,
    options: RequestOptions,
    method: string,
    service: string,
    timeoutMs: number,
    signal: AbortSignal,
    deadline: { passed: boolean },
  ): Promise<SessionResponse> {
    const classify = (err: unknown, url: URL) => this.classify(err, { method, url, service, timeoutMs, callerSignal: options.signal, deadline });

    let url: URL;
    try {
      url = await this.resolveUrl(target, options, signal);
    } catch (err) {
      throw err instanceof UpstreamError ? err : classify(err, new URL('http://unresolved.invalid/'));
    }
    if (options.query) for (const [k, v] of options.query) url.searchParams.append(k, v);

    let body: string | Buffer | undefined = options.body;
    const baseHeaders: Record<string, string> = {
      'user-agent': this.options.userAgent,
      accept: 'application/json',
    };
    const requestId = this.context.requestId;
    if (requestId) baseHeaders['x-openstack-request-id'] = requestId;
    if (options.json !== undefined) {
      body = JSON.stringify(options.json);
      baseHeaders['content-type'] = 'application/json';
    }
    for (const [k, v] of Object.entries(options.headers ?? {})) baseHeaders[k.toLowerCase()] = v;

    let currentMethod = method;
    let connectRetriesLeft = options.connectRetries ?? this.options.connectRetries;
    let statusRetriesLeft = options.statusCodeRetries ?? this.options.statusCodeRetries;
    let redirectsLeft = this.options.maxRedirects;
    let reauthLeft = options.allowReauth === false || !options.auth ? 0 : 1;
    let stripTokens = false;
    let attempt = 0;
    const started = performance.now();

    for (;;) {
      const headers = { ...baseHeaders };
      if (options.auth && !stripTokens) Object.assign(headers, lowerKeys(await options.auth.getHeaders(this, signal)));
      if (stripTokens) for (const name of TOKEN_HEADERS) delete headers[name];
      const t0 = performance.now();
      let res: Dispatcher.ResponseData;
      try {
        res = await this.dispatcher.request({
          origin: url.origin,
          path: `${url.pathname}${url.search}`,
          method: currentMethod as Dispatcher.HttpMethod,
          headers,
          body: currentMethod === 'GET' || currentMethod === 'HEAD' ? undefined : body,
          signal,
        });
      } catch (err) {
        const error = classify(err, url);
        const code = errorCode(err);
        const neverSent = code !== undefined && NEVER_SENT.has(code);
        const retriable = error instanceof ConnectionError || (error instanceof TimeoutError && code === 'UND_ERR_CONNECT_TIMEOUT');
        this.logCall(currentMethod, url, undefined, t0, headers, undefined, error);
        if (retriable && connectRetriesLeft > 0 && (neverSent || isIdempotent(currentMethod))) {
          connectRetriesLeft--;
          await this.backoff(attempt++, undefined, signal, error, started, timeoutMs);
          continue;
        }
        throw error;
      }

      const status = res.statusCode;
      const upstreamId = headerValue(res.headers['x-openstack-request-id']) ?? headerValue(res.headers['x-compute-request-id']);

      if (REDIRECTS.has(status) && redirectsLeft > 0 && res.headers.location) {
        await res.body.dump();
        this.logCall(currentMethod, url, status, t0, headers, upstreamId);
        const next = new URL(headerValue(res.headers.location) ?? '', url);
        // A token must never follow a redirect to another origin (keystoneauth and glanceclient forward it).
        if (next.origin !== url.origin) stripTokens = true;
        if (status === 303 || ((status === 301 || status === 302) && currentMethod === 'POST')) {
          currentMethod = 'GET';
          body = undefined;
          delete baseHeaders['content-type'];
        }
        url = next;
        redirectsLeft--;
        continue;
      }

      let payload: Buffer;
      try {
        payload = currentMethod === 'HEAD' ? (await res.body.dump(), Buffer.alloc(0)) : await readCapped(res, this.options.maxResponseBytes);
      } catch (err) {
        const error = err instanceof UpstreamError ? err : classify(err, url);
        this.logCall(currentMethod, url, status, t0, headers, upstreamId, error);
        throw error;
      }
      this.logCall(currentMethod, url, status, t0, headers, upstreamId);

      if (status === 401 && reauthLeft > 0 && options.auth?.invalidate()) {
        reauthLeft--;
        continue;
      }
      if (this.options.retriableStatusCodes.includes(status) && statusRetriesLeft > 0 && isIdempotent(currentMethod)) {
        statusRetriesLeft--;
        const error = httpErrorFor(status, { service, method: currentMethod, url: loggableUrl(url), requestId: upstreamId });
        await this.backoff(attempt++, retryAfterMs(res.headers['retry-after']), signal, error, started, timeoutMs);
        continue;
      }
      if (status >= 400 && options.raiseExc !== false) {
        throw httpErrorFor(status, {
          service,
          method: currentMethod,
          url: loggableUrl(url),
          requestId: upstreamId,
          bodyExcerpt: payload.subarray(0, 512).toString('utf8'),
        });
      }
      return makeResponse(status, res.headers, url, upstreamId, payload, service);
    }
  }

  /** Timings collected since the last reset (only with collectTiming). */
  getTimings(): readonly Timing[] {
    return this.timings;
  }

  resetTimings(): void {
    this.timings.length = 0;
  }

  async close(): Promise<void> {
    await this.dispatcher.close();
  }

  private async resolveUrl(target: string, options: RequestOptions, signal: AbortSignal): Promise<URL> {
    if (/^https?:\/\//i.test(target)) return new URL(target);
    if (!options.auth || !options.endpointFilter) {
      throw new TypeError(`relative path ${target} needs an auth plugin and an endpoint filter`);
    }
    return new URL(joinUrl(await options.auth.getEndpoint(this, options.endpointFilter, signal), target));
  }

  /** Wait before a retry: Retry-After when given, else jittered backoff; never past the deadline. */
  private async backoff(attempt: number, retryAfter: number | undefined, signal: AbortSignal, error: UpstreamError, started: number, timeoutMs: number) {
    const wait = Math.min(retryAfter ?? backoffMs(attempt, this.options.retryDelayMs, this.options.maxRetryDelayMs), this.options.maxRetryDelayMs);
    if (performance.now() - started + wait >= timeoutMs) throw error;
    this.context.log.debug({ attempt: attempt + 1, wait_ms: wait, reason: error.code, url: error.url }, 'retrying upstream request');
    try {
      await sleep(wait, undefined, { signal });
    } catch {
      throw error;
    }
  }

  private classify(
    err: unknown,
    info: { method: string; url: URL; service: string; timeoutMs: number; callerSignal: AbortSignal | undefined; deadline: { passed: boolean } },
  ): UpstreamError {
    if (err instanceof UpstreamError) return err;
    const details = { method: info.method, url: loggableUrl(info.url), service: info.service, cause: err };
    const where = `${info.service} (${info.method} ${details.url})`;
    if (info.deadline.passed) return new TimeoutError(`${where} did not answer within ${info.timeoutMs} ms`, details);
    if (info.callerSignal?.aborted) return new RequestAbortedError(`request to ${where} aborted by the caller`, details);
    const code = errorCode(err) ?? '';
    if (code === 'UND_ERR_CONNECT_TIMEOUT') return new TimeoutError(`connecting to ${where} timed out`, details);
    if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') return new TimeoutError(`${where} stalled (${code})`, details);
    if (/CERT|SSL|TLS|EPROTO|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_SSL/i.test(code)) return new TlsError(`TLS with ${where} failed (${code})`, details);
    if (CONNECTION_CODES.has(code)) return new ConnectionError(`cannot reach ${where} (${code})`, details);
    return new ConnectionError(`request to ${where} failed (${code || (err as Error)?.message || 'unknown error'})`, details);
  }

  private logCall(
    method: string,
    url: URL,
    status: number | undefined,
    t0: number,
    headers: Record<string, string>,
    upstreamId: string | undefined,
    error?: UpstreamError,
  ): void {
    const elapsedMs = Math.round((performance.now() - t0) * 10) / 10;
    if (this.options.collectTiming) this.timings.push({ method, url: loggableUrl(url), status, elapsedMs });
    const log = this.context.log;
    if (error) {
      log.debug({ upstream: { method, url: loggableUrl(url), elapsed_ms: elapsedMs, error: error.code } }, 'upstream request failed');
    } else if (log.isLevelEnabled('debug')) {
      log.debug(
        { upstream: { method, url: loggableUrl(url), status, elapsed_ms: elapsedMs, request_id: upstreamId, headers: redactHeaders(headers) } },
        'upstream request',
      );
    }
  }
}

function makeResponse(
  status: number,
  headers: Record<string, string | string[] | undefined>,
  url: URL,
  requestId: string | undefined,
  body: Buffer,
  service: string,
): SessionResponse {
  return {
    status,
    headers,
    url: url.href,
    requestId,
    body,
    text: () => body.toString('utf8'),
    json<T>(): T {
      try {
        return JSON.parse(body.toString('utf8')) as T;
      } catch (err) {
        throw new ProtocolError(`${service} sent a response that is not JSON`, { status, requestId, url: loggableUrl(url), service, cause: err });
      }
    },
  };
}

async function readCapped(res: Dispatcher.ResponseData, limit: number): Promise<Buffer> {
  const declared = Number(res.headers['content-length']);
  if (declared > limit) {
    await res.body.dump();
    throw new ProtocolError(`response body larger than ${limit} bytes`);
  }
  // A declared length is enforced by undici itself: read in one go.
  if (Number.isInteger(declared)) return Buffer.from(await res.body.arrayBuffer());
  const body: AsyncIterable<Buffer> = res.body;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > limit) throw new ProtocolError(`response body larger than ${limit} bytes`);
    chunks.push(chunk);
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
}

function errorCode(err: unknown): string | undefined {
  const e = err as { code?: unknown; cause?: { code?: unknown } } | null;
  const code = e?.code ?? e?.cause?.code;
  return typeof code === 'string' ? code : undefined;
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function lowerKeys(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) out[k.toLowerCase()] = v;
  return out;
}
