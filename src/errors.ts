// Two families of typed errors.
//  - ApiError: what this service answers its caller ({"error":{"code","title","message"}}).
//  - UpstreamError: what went wrong talking to Keystone or Glance, one subclass per failure class (like
//    stripe-node's), each carrying the upstream status, a stable code and the upstream request id.
// The error-handling middleware maps the second family onto the first.
import { STATUS_CODES } from 'node:http';

export class ApiError extends Error {
  readonly status: number;
  readonly title: string;
  readonly headers: Readonly<Record<string, string>>;
  /** Which query parameter or header was at fault, when one was. */
  readonly parameter: string | undefined;

  constructor(status: number, message: string, options: { headers?: Record<string, string>; parameter?: string; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'ApiError';
    this.status = status;
    this.title = STATUS_CODES[status] ?? 'Error';
    this.headers = options.headers ?? {};
    this.parameter = options.parameter;
  }
}

export class ConfigError extends Error {
  readonly problems: readonly string[];
  constructor(problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

export interface UpstreamErrorDetails {
  /** Upstream HTTP status, when the upstream answered. */
  status?: number;
  /** The upstream's X-OpenStack-Request-ID (or x-compute-request-id), when it sent one. */
  requestId?: string;
  method?: string;
  /** The URL asked, without its query string (markers and filters stay out of logs and errors). */
  url?: string;
  /** The first bytes of the upstream's error body, for logs. Never returned to callers. */
  bodyExcerpt?: string;
  /** Which service it was ("keystone", "glance"). */
  service?: string;
  cause?: unknown;
}

/** Base of every failure talking to another OpenStack service. */
export class UpstreamError extends Error {
  readonly code: string = 'upstream_error';
  readonly status: number | undefined;
  readonly requestId: string | undefined;
  readonly method: string | undefined;
  readonly url: string | undefined;
  readonly bodyExcerpt: string | undefined;
  readonly service: string | undefined;

  constructor(message: string, details: UpstreamErrorDetails = {}) {
    super(message, { cause: details.cause });
    this.name = new.target.name;
    this.status = details.status;
    this.requestId = details.requestId;
    this.method = details.method;
    this.url = details.url;
    this.bodyExcerpt = details.bodyExcerpt;
    this.service = details.service;
  }
}

/** The request never got an answer: refused, reset, DNS failure. Safe to retry: it was not processed. */
export class ConnectionError extends UpstreamError {
  override readonly code = 'connection_failed';
}

/** A connect, headers, body or overall deadline passed. */
export class TimeoutError extends UpstreamError {
  override readonly code = 'timeout';
}

/** TLS handshake or certificate verification failed. */
export class TlsError extends UpstreamError {
  override readonly code = 'tls_failed';
}

/** The upstream answered with something that is not what the API promises (bad JSON, looping pages, too large). */
export class ProtocolError extends UpstreamError {
  override readonly code = 'protocol_error';
}

/** The caller gave up (client disconnected, or its AbortSignal fired). */
export class RequestAbortedError extends UpstreamError {
  override readonly code = 'aborted';
}

/** The upstream answered with an HTTP error status. */
export class HttpError extends UpstreamError {
  override readonly code: string = 'http_error';
  declare readonly status: number;
}
export class BadRequestError extends HttpError {
  override readonly code = 'bad_request';
}
export class UnauthorizedError extends HttpError {
  override readonly code = 'unauthorized';
}
export class ForbiddenError extends HttpError {
  override readonly code = 'forbidden';
}
export class NotFoundError extends HttpError {
  override readonly code = 'not_found';
}
export class ConflictError extends HttpError {
  override readonly code = 'conflict';
}
export class TooManyRequestsError extends HttpError {
  override readonly code = 'too_many_requests';
}
export class ServerError extends HttpError {
  override readonly code = 'server_error';
}

const HTTP_ERRORS: Record<number, typeof HttpError> = {
  400: BadRequestError,
  401: UnauthorizedError,
  403: ForbiddenError,
  404: NotFoundError,
  409: ConflictError,
  429: TooManyRequestsError,
};

/** The HttpError subclass for an upstream status. */
export function httpErrorFor(status: number, details: UpstreamErrorDetails): HttpError {
  const ErrorClass = HTTP_ERRORS[status] ?? (status >= 500 ? ServerError : HttpError);
  const who = details.service ?? 'upstream';
  return new ErrorClass(`${who} answered ${status} ${STATUS_CODES[status] ?? ''}`.trim(), { ...details, status });
}

/** The service catalog has no endpoint matching the filter. */
export class EndpointNotFoundError extends UpstreamError {
  override readonly code = 'endpoint_not_found';
}

/** The token came without a service catalog (unscoped token, or ?nocatalog). */
export class EmptyCatalogError extends UpstreamError {
  override readonly code = 'empty_catalog';
}

/** keystonemiddleware's 401 message, for every "who are you?" answer. */
export const UNAUTHORIZED_MESSAGE = 'The request you have made requires authentication.';

/** The token is missing, malformed, invalid, expired or revoked: the caller gets 401. */
export class InvalidTokenError extends Error {
  constructor(readonly reason: string) {
    super(`invalid token: ${reason}`);
    this.name = 'InvalidTokenError';
  }
}

/** Keystone could not confirm or deny a token (down, slow, 5xx, refusing the service user): the caller gets 503. */
export class IdentityUnavailableError extends Error {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options);
    this.name = 'IdentityUnavailableError';
  }
}

export type OverloadReason = 'queue_full' | 'client_queue_full' | 'wait_timeout';

/**
 * Too many token validations are waiting for Keystone: this one was shed before reaching it. The caller
 * gets 503 with Retry-After; nothing is wrong with the token or with Keystone.
 */
export class ValidationOverloadedError extends Error {
  constructor(
    readonly reason: OverloadReason,
    /** What the caller is told to wait (Retry-After). */
    readonly retryAfterSeconds = 1,
  ) {
    super(`token validation shed: ${reason}`);
    this.name = 'ValidationOverloadedError';
  }
}
