// Option values as operators write them (environment variables, strings in JSON files): each accepted
// spelling means one thing, and anything else is left for the format to refuse with a reason. No leniency
// that could turn a typo into a different setting (convict's own Boolean reads "0" as true, its parseInt reads
// "0x50" as 0 and "1e3" as 1, and the URL parser drops tabs and turns backslashes into slashes).

// oslo.config's types.Boolean: exactly these words, in any case, no surrounding spaces.
const TRUE_WORDS: ReadonlySet<string> = new Set(['true', '1', 'on', 'yes']);
const FALSE_WORDS: ReadonlySet<string> = new Set(['false', '0', 'off', 'no']);

/** true/false, yes/no, on/off, 1/0 in any case; undefined for anything else. */
export function parseBoolean(text: string): boolean | undefined {
  const word = text.toLowerCase();
  if (TRUE_WORDS.has(word)) return true;
  if (FALSE_WORDS.has(word)) return false;
  return undefined;
}

// JSON's number grammar without its exponent: no hex, no "+", no leading zeros, no spaces, no "1_000".
const INTEGER = /^-?(?:0|[1-9][0-9]*)$/;
const DECIMAL = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?$/;

/** A whole number written plainly ("42", "-1"); undefined for anything else. */
export function parseInteger(text: string): number | undefined {
  return INTEGER.test(text) ? Number(text) + 0 : undefined; // + 0 turns "-0" into 0
}

/** A number written plainly, with an optional decimal part ("0.5", "30"); undefined for anything else. */
export function parseDecimal(text: string): number | undefined {
  return DECIMAL.test(text) ? Number(text) + 0 : undefined;
}

/** Ends a format's message whose value must not be repeated (explainConvictError drops it). */
export const HIDE_VALUE = '(value not shown)';

/**
 * Why `text` is not a usable base URL, or undefined when it is. The service appends paths to it as written,
 * so it must be what the URL parser reads (no spaces, tabs, backslashes, "127.1", uppercase scheme...), with
 * no query or fragment (a path appended after them is lost), and no user name or password (they would reach
 * the logs).
 */
export function urlProblem(text: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'must be an absolute http(s) URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'must be an http(s) URL';
  if (url.username !== '' || url.password !== '') return `must not hold a user name or password ${HIDE_VALUE}`;
  if (/[?#]/.test(text)) return 'must not hold a query or fragment';
  if (url.href !== text && url.href !== `${text}/`) return `must be written as it is read: ${url.href}`;
  return undefined;
}
