// Retry policy: which failures may be retried, and how long to wait.

const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE']);

export function isIdempotent(method: string): boolean {
  return IDEMPOTENT.has(method.toUpperCase());
}

/**
 * A failed dispatch may be sent again when its connection failed and either the request never left (safe for
 * any method) or sending it twice does no harm (an idempotent method).
 */
export function mayResend(
  failure: { readonly connectionFailed: boolean; readonly neverSent: boolean },
  method: string,
): boolean {
  return failure.connectionFailed && (failure.neverSent || isIdempotent(method));
}

/** An answer may be retried for its status when the status is listed and the method is idempotent. */
export function mayRetryStatus(status: number, method: string, retriableStatusCodes: readonly number[]): boolean {
  return retriableStatusCodes.includes(status) && isIdempotent(method);
}

/** Exponential backoff with full jitter: a random wait in [0, min(cap, base * 2^attempt)]. */
export function backoffMs(attempt: number, baseMs: number, capMs: number, random: () => number = Math.random): number {
  return Math.round(random() * Math.min(capMs, baseMs * 2 ** attempt));
}

/** Retry-After as milliseconds (delta-seconds or an HTTP date), or undefined when absent or unparsable. */
export function retryAfterMs(header: string | string[] | undefined, now: number = Date.now()): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

export interface RetryWait {
  /** Retries taken so far in this call: the backoff's exponent. */
  attempt: number;
  /** The upstream's Retry-After in ms, when it sent one; it replaces the backoff. */
  retryAfterMs: number | undefined;
  /** retry_delay: the first backoff. */
  baseMs: number;
  /** max_retry_delay: the longest single wait, Retry-After included (an upstream may not stall us). */
  capMs: number;
  /** Time the call has spent so far, and its overall deadline. */
  elapsedMs: number;
  timeoutMs: number;
}

/**
 * How long to wait before the next retry: Retry-After when given, else jittered backoff, both capped; or
 * undefined when the wait would reach the deadline (retrying could only end in a timeout).
 */
export function retryWaitMs(w: RetryWait, random: () => number = Math.random): number | undefined {
  const wait = Math.min(w.retryAfterMs ?? backoffMs(w.attempt, w.baseMs, w.capMs, random), w.capMs);
  return w.elapsedMs + wait >= w.timeoutMs ? undefined : wait;
}
