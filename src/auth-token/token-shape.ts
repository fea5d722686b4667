// What a token looks like before anyone is asked about it: the same rule for a caller's header (middleware.ts)
// and for a token read back from a serialization (user-plugin.ts), which came from elsewhere just as well.

// Keystone's own tokens are <= 255 characters (Fernet), JWS about 800; anything far longer is not a token.
export const MAX_TOKEN_LENGTH = 4096;
const TOKEN_SHAPE = /^[\x21-\x7e]+$/;

/** At most MAX_TOKEN_LENGTH printable ASCII characters: a header value nothing can be smuggled into. */
export function isWellFormedToken(token: string): boolean {
  return token.length <= MAX_TOKEN_LENGTH && TOKEN_SHAPE.test(token);
}
