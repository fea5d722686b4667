// Failure classification: what an error thrown while sending (undici's or Node's) means, as one of
// keystoneauth's exceptions (errors.ts), and whether the request is known never to have left this process -
// the one thing that makes resending a POST safe.
import {
  ConnectionError,
  RequestAbortedError,
  SessionAbandonedError,
  TimeoutError,
  TlsError,
  UpstreamError,
} from './errors.js';
import { loggableUrl } from './url.js';

/** Codes raised before a byte of the request was written: nothing can have been processed upstream. */
const NEVER_SENT: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** Codes of a connection that could not be made or broke; after sending, the request may have been processed. */
const CONNECTION_CODES: ReadonlySet<string> = new Set([
  ...NEVER_SENT,
  'ECONNRESET',
  'EPIPE',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'ECONNABORTED',
]);

/** OpenSSL and Node name certificate and handshake failures in many ways; these fragments cover them. */
const TLS_CODE = /CERT|SSL|TLS|EPROTO|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_SSL/i;

/** What was being asked when the failure happened, and why the call's signal may have fired. */
export interface FailureContext {
  /** Stable name of the upstream in errors and logs ("keystone", "glance"). */
  readonly service: string;
  /** How callers are told about the upstream ("identity service"), when known. */
  readonly displayName?: string | undefined;
  readonly method: string;
  readonly url: URL;
  /**
   * The call's overall deadline; once passed, any abort is reported as that timeout, and once the session was
   * abandoned (shutdown), as that.
   */
  readonly deadline: { readonly timeoutMs: number; readonly passed: boolean; readonly abandoned?: boolean | undefined };
  /** The caller's own cancellation; when it fired, the failure is an abort whatever undici reports. */
  readonly callerSignal: AbortSignal | undefined;
}

/** A failed dispatch, classified. */
export interface DispatchFailure {
  readonly error: UpstreamError;
  /** The request never left this process (refused, DNS, unreachable, connect timeout). */
  readonly neverSent: boolean;
  /**
   * The connection could not be made or broke (a ConnectionError, or a connect timeout): the failures that
   * connect_retries is for. TLS failures, read timeouts, the deadline and the caller's abort are not.
   */
  readonly connectionFailed: boolean;
}

/** The Node/undici error code of `err` or of its cause (undici wraps socket errors). */
export function errorCode(err: unknown): string | undefined {
  const e = err as { code?: unknown; cause?: { code?: unknown } } | null;
  const code = e?.code ?? e?.cause?.code;
  return typeof code === 'string' ? code : undefined;
}

/** True when `err` shows the request was never written to the network. */
export function wasNeverSent(err: unknown): boolean {
  const code = errorCode(err);
  return code !== undefined && NEVER_SENT.has(code);
}

/**
 * `err` as an UpstreamError subclass; an UpstreamError is returned as it is. The session's abandonment, the deadline
 * and the caller's abort win over the code, in that order.
 */
export function classify(err: unknown, context: FailureContext): UpstreamError {
  if (err instanceof UpstreamError) return err;
  const details = {
    method: context.method,
    url: loggableUrl(context.url),
    service: context.service,
    displayName: context.displayName,
    cause: err,
  };
  const where = `${context.service} (${context.method} ${details.url})`;
  if (context.deadline.abandoned === true)
    return new SessionAbandonedError(`request to ${where} abandoned: the service is shutting down`, details);
  if (context.deadline.passed)
    return new TimeoutError(`${where} did not answer within ${context.deadline.timeoutMs} ms`, details);
  if (context.callerSignal?.aborted)
    return new RequestAbortedError(`request to ${where} aborted by the caller`, details);
  const code = errorCode(err) ?? '';
  if (code === 'UND_ERR_CONNECT_TIMEOUT') return new TimeoutError(`connecting to ${where} timed out`, details);
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT')
    return new TimeoutError(`${where} stalled (${code})`, details);
  if (TLS_CODE.test(code)) return new TlsError(`TLS with ${where} failed (${code})`, details);
  if (CONNECTION_CODES.has(code)) return new ConnectionError(`cannot reach ${where} (${code})`, details);
  return new ConnectionError(
    `request to ${where} failed (${code || (err as Error)?.message || 'unknown error'})`,
    details,
  );
}

/** A dispatch's failure: its error, whether it was never sent, whether the connection failed. */
export function classifyDispatchFailure(err: unknown, context: FailureContext): DispatchFailure {
  const error = classify(err, context);
  const code = errorCode(err);
  return {
    error,
    neverSent: code !== undefined && NEVER_SENT.has(code),
    connectionFailed:
      error instanceof ConnectionError || (error instanceof TimeoutError && code === 'UND_ERR_CONNECT_TIMEOUT'),
  };
}
