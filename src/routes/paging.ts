// Paging GET / and GET /images as Glance pages its own list: `limit` and `marker` in, one Glance page out, and an
// RFC 8288 `Link: <...>; rel="next"` to the page after it. The link is built only from values this service has
// checked (its own route path, the parsed filters, the capped limit, a marker that has an image id's shape), so
// nothing a caller or Glance sends can put a header, a host or a scheme into it.
import { ApiError } from '../common/api-error.js';
import { isImageId } from '../glance/image-id.js';
import type { ImageFilters, PageRequest } from '../glance/images.js';

/** What the route pages with: [image] max_limit, and the page a marker alone gets ([image] page_size). */
export interface PageLimits {
  readonly maxLimit: number;
  readonly defaultLimit: number;
}

/** The query parameters that ask for a page rather than for every image. */
export const PAGING_PARAMETERS: readonly string[] = ['limit', 'marker'];

const MAX_DIGITS = 255;
// An absolute path of unreserved characters: nothing to encode, nothing that ends the <...> of a Link.
const SAFE_PATH = /^\/[A-Za-z0-9._~/-]*$/;

function bad(parameter: string, message: string): ApiError {
  return new ApiError(400, `Invalid query parameter ${parameter}: ${message}.`, { parameter });
}

function once(search: URLSearchParams, name: string): string | undefined {
  const values = search.getAll(name);
  if (values.length > 1) throw bad(name, 'give it once');
  return values[0];
}

/** A limit is decimal digits only ("+5", "5.0", " 5" are not), at least 1; above maxLimit it is lowered to it. */
function parseLimit(raw: string, maxLimit: number): number {
  if (raw.length === 0 || raw.length > MAX_DIGITS) throw bad('limit', 'must be a whole number of at least 1');
  for (let i = 0; i < raw.length; i++) {
    const code = raw.charCodeAt(i);
    if (code < 0x30 || code > 0x39) throw bad('limit', 'must be a whole number of at least 1');
  }
  const value = Number(raw); // digits only: a finite number, or Infinity for 309+ digits, which the cap lowers
  if (value < 1) throw bad('limit', 'must be a whole number of at least 1');
  return Math.min(value, maxLimit);
}

/**
 * The page asked for, or undefined when neither limit nor marker is given (then every image is listed). A marker
 * alone gets a page of defaultLimit (capped too), as Glance gives a marker alone its default page size.
 */
export function parsePage(search: URLSearchParams, { maxLimit, defaultLimit }: PageLimits): PageRequest | undefined {
  const rawLimit = once(search, 'limit');
  const marker = once(search, 'marker');
  if (rawLimit === undefined && marker === undefined) return undefined;
  if (marker !== undefined && !isImageId(marker)) throw bad('marker', 'must be an image id (a UUID)');
  const limit = rawLimit === undefined ? Math.min(defaultLimit, maxLimit) : parseLimit(rawLimit, maxLimit);
  return marker === undefined ? { limit } : { limit, marker };
}

/**
 * The Link header value for the next page: a relative reference (RFC 3986 section 4.2) to `path` on the host the
 * caller called, so no Host or X-Forwarded-* header is read; the caller's filters, the limit in force and the
 * next marker, percent-encoded by URLSearchParams (so `>`, `;`, `,`, CR, LF and non-ASCII never appear raw).
 */
export function nextPageLink(path: string, filters: ImageFilters, limit: number, marker: string): string {
  // Both are this service's own values (a route path, a checked marker): a failure here is a bug, not input.
  // `//host/...` would be a reference to another host: an open redirect.
  if (path.startsWith('//') || !SAFE_PATH.test(path))
    throw new TypeError('the link path must be a plain absolute path');
  if (!isImageId(marker)) throw new TypeError('the next marker must be an image id');
  const query = new URLSearchParams();
  for (const key of ['visibility', 'status', 'name', 'owner', 'sort'] as const) {
    const value = filters[key];
    if (value !== undefined) query.set(key, value);
  }
  for (const tag of filters.tag ?? []) query.append('tag', tag);
  if (filters.os_hidden !== undefined) query.set('os_hidden', String(filters.os_hidden));
  query.set('limit', String(limit));
  query.set('marker', marker);
  return `<${path}?${query.toString()}>; rel="next"`;
}
