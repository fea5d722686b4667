// The query of GET / and GET /images, checked before anything is sent to Glance: the filters a caller may set
// (each bounded in length and count, enums checked) and the page (paging.ts). Anything else is a 400 naming it.
import { ApiError } from '../common/api-error.js';
import { shorten } from '../common/shorten.js';
import type { ImageFilters, PageRequest } from '../glance/images.js';
import { PAGING_PARAMETERS, parsePage, type PageLimits } from './paging.js';

// Exported for the OpenAPI document (openapi-document.ts), which lists the same values.
export const VISIBILITIES: ReadonlySet<string> = new Set(['public', 'private', 'shared', 'community', 'all']);
export const STATUSES: ReadonlySet<string> = new Set([
  'queued',
  'saving',
  'active',
  'killed',
  'deleted',
  'pending_delete',
  'deactivated',
  'uploading',
  'importing',
]);
export const SORT_KEYS: ReadonlySet<string> = new Set([
  'name',
  'status',
  'container_format',
  'disk_format',
  'size',
  'id',
  'created_at',
  'updated_at',
]);
export const MAX_TEXT = 255;
/** How much of an unknown parameter's name a 400 repeats. */
export const MAX_NAME_SHOWN = 64;
export const MAX_TAGS = 20;

/** Validate the query string into Glance filters; a bad value, or any other parameter, is a 400 naming it. */
export function parseImageFilters(search: URLSearchParams): ImageFilters {
  const bad = (parameter: string, message: string) =>
    new ApiError(400, `Invalid query parameter ${parameter}: ${message}.`, { parameter });
  const single = (name: string): string | undefined => {
    const values = search.getAll(name);
    if (values.length > 1) throw bad(name, 'give it once');
    const value = values[0];
    if (value === undefined) return undefined;
    if (value === '' || value.length > MAX_TEXT) throw bad(name, `must be 1 to ${MAX_TEXT} characters`);
    return value;
  };
  for (const name of new Set(search.keys())) {
    if (!['visibility', 'status', 'name', 'owner', 'tag', 'sort', 'os_hidden'].includes(name))
      // A caller's name of any length: echoed shortened, so the answer stays small whatever it sent.
      throw bad(shorten(name, MAX_NAME_SHOWN), 'not a supported filter');
  }
  const filters: { -readonly [K in keyof ImageFilters]: ImageFilters[K] } = {};
  const visibility = single('visibility');
  if (visibility !== undefined && !VISIBILITIES.has(visibility))
    throw bad('visibility', `must be one of ${[...VISIBILITIES].join(', ')}`);
  const status = single('status');
  if (status !== undefined && !STATUSES.has(status)) throw bad('status', `must be one of ${[...STATUSES].join(', ')}`);
  const sort = single('sort');
  if (sort !== undefined) {
    for (const part of sort.split(',')) {
      const [key, dir, extra] = part.split(':');
      if (
        !key ||
        !SORT_KEYS.has(key) ||
        extra !== undefined ||
        (dir !== undefined && dir !== 'asc' && dir !== 'desc')
      ) {
        throw bad('sort', `must be key[:asc|desc],... with keys ${[...SORT_KEYS].join(', ')}`);
      }
    }
  }
  const tags = search.getAll('tag');
  if (tags.length > MAX_TAGS) throw bad('tag', `at most ${MAX_TAGS} tags`);
  if (tags.some((t) => t === '' || t.length > MAX_TEXT)) throw bad('tag', `each must be 1 to ${MAX_TEXT} characters`);
  if (visibility !== undefined) filters.visibility = visibility;
  if (status !== undefined) filters.status = status;
  if (sort !== undefined) filters.sort = sort;
  const name = single('name');
  if (name !== undefined) filters.name = name;
  const owner = single('owner');
  if (owner !== undefined) filters.owner = owner;
  if (tags.length > 0) filters.tag = tags;
  // Glance lists hidden images only when asked, and takes 'true' or 'false' (in any case); only these two here.
  const hidden = single('os_hidden');
  if (hidden !== undefined && hidden !== 'true' && hidden !== 'false') throw bad('os_hidden', 'must be true or false');
  if (hidden !== undefined) filters.os_hidden = hidden === 'true';
  return filters;
}

/** The query of GET / and /images: filters (parseImageFilters) and, when limit or marker is given, a page. */
export function parseImageQuery(
  search: URLSearchParams,
  limits: PageLimits,
): { filters: ImageFilters; page: PageRequest | undefined } {
  const filterSearch = new URLSearchParams([...search].filter(([name]) => !PAGING_PARAMETERS.includes(name)));
  return { filters: parseImageFilters(filterSearch), page: parsePage(search, limits) };
}
