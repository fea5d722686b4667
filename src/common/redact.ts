// Tokens may appear in logs only as keystoneauth prints them, {SHA256}<hex>; passwords never.
import { hash } from 'node:crypto';
import { inspect, type InspectOptions } from 'node:util';

/** One-shot hashing (crypto.hash): about twice as fast as createHash for short inputs such as tokens. */
export function sha256Hex(value: string): string {
  return hash('sha256', value, 'hex');
}

/** The loggable form of a token. */
export function redactToken(token: string): string {
  return `{SHA256}${sha256Hex(token)}`;
}

/** Header names (lower case) whose values are tokens. */
export const TOKEN_HEADERS: ReadonlySet<string> = new Set([
  'x-auth-token',
  'x-subject-token',
  'x-service-token',
  'x-storage-token',
  'authorization',
]);

/** A copy of headers fit for a log line: token values fingerprinted, everything else as is. */
export function redactHeaders(
  headers: Record<string, string | string[] | undefined>,
): Record<string, string | string[] | undefined> {
  const out: Record<string, string | string[] | undefined> = {};
  for (const [name, value] of Object.entries(headers)) {
    out[name] = TOKEN_HEADERS.has(name.toLowerCase()) && typeof value === 'string' ? redactToken(value) : value;
  }
  return out;
}

/**
 * What `[util.inspect.custom]` returns for an object that holds a token: its class name and its loggable form
 * (the object's toJSON, tokens as {SHA256}<hex>), so console.log and util.inspect show what a log line shows.
 */
export function inspectLoggable(name: string, loggable: unknown, depth: number, options: InspectOptions): string {
  if (depth < 0) return `[${name}]`;
  // `depth` is what is left at this object's level: its loggable form's fields get what its own would.
  return `${name} ${inspect(loggable, { ...options, depth })}`;
}
