// keystoneauth's exceptions: what went wrong talking to another OpenStack service, one subclass per failure
// class (like stripe-node's), each carrying the upstream status, a stable code and the upstream request id.
import { STATUS_CODES } from 'node:http';

// Each detail is known or not (undefined): callers pass on what they have, as they have it.
export interface UpstreamErrorDetails {
  /** Upstream HTTP status, when the upstream answered. */
  status?: number | undefined;
  /** The upstream's X-OpenStack-Request-ID (or x-compute-request-id), when it sent one. */
  requestId?: string | undefined;
  method?: string | undefined;
  /** The URL asked, without its query string (markers and filters stay out of logs and errors). */
  url?: string | undefined;
  /** The first bytes of the upstream's error body, for logs, tokens as {SHA256}<hex>. Never returned to callers. */
  bodyExcerpt?: string | undefined;
  /** Which service it was, as a stable machine name for logs and spans ("keystone", "glance"). */
  service?: string | undefined;
  /** How callers are told about the service ("identity service", "image service"): an Adapter's displayName. */
  displayName?: string | undefined;
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
  readonly displayName: string | undefined;

  constructor(message: string, details: UpstreamErrorDetails = {}) {
    super(message, { cause: details.cause });
    this.name = new.target.name;
    this.status = details.status;
    this.requestId = details.requestId;
    this.method = details.method;
    this.url = details.url;
    this.bodyExcerpt = details.bodyExcerpt;
    this.service = details.service;
    this.displayName = details.displayName;
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

/**
 * A redirect the session will not follow: one to another origin (scheme, host or port), where the call's token or
 * body (for the service user's authentication, its password) would go, and whose answer would be believed.
 */
export class RedirectRefusedError extends UpstreamError {
  override readonly code = 'redirect_refused';
}

/**
 * The session was abandoned (Session.abandon: the process is shutting down and its grace period is over) while the
 * call was in flight, or before it began. Neither the caller's doing nor the upstream's.
 */
export class SessionAbandonedError extends UpstreamError {
  override readonly code = 'shutting_down';
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
