// What the unit tests of the image route's query (image-query.ts, paging.ts) share: a query string as the
// route reads it, the limits it is parsed with, and the 400 a bad parameter gets.
import assert from 'node:assert/strict';
import { ApiError } from '../../src/common/api-error.js';

/** An image id of Glance's shape. */
export const IMAGE_ID = '1a2b3c4d-5e6f-4a0b-8c1d-000000000001';
export const LIMITS = { maxLimit: 1000, defaultLimit: 1000 };
export const search = (query: string) => new URLSearchParams(query);

/** `fn` throws a 400 ApiError naming `parameter`. */
export function assertBadQuery(fn: () => unknown, parameter: string, what: string): void {
  assert.throws(
    fn,
    (err: unknown) =>
      err instanceof ApiError &&
      err.status === 400 &&
      err.parameter === parameter &&
      err.message.startsWith(`Invalid query parameter ${parameter}:`),
    `${what}: a 400 naming ${parameter}`,
  );
}
