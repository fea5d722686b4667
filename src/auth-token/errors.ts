// auth_token's own outcomes: the token is no good (401), Keystone could not say (503), or the validation
// was shed before reaching Keystone (503 + Retry-After).
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

/**
 * UserAuthPlugin.deserialize was given something that is not a serialized plugin (UserAuthPlugin.serialize): a
 * programming or transport error in the process that handed it over, not an answer from an upstream service.
 */
export class SerializedAuthError extends Error {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options);
    this.name = 'SerializedAuthError';
  }
}
