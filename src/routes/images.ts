// The product: GET / (as in the original example) and GET /images return the names of every image the
// caller can see, as a JSON array in Glance's order; with limit or marker, one page of them and a Link to the
// next (paging.ts). The client is built per request for the caller's keystone.token_auth plugin, by a factory
// bound to the global session.
import Router from '@koa/router';
import type Koa from 'koa';
import { requireUser, type AuthState } from '../auth-token/middleware.js';
import type { RequestIdState } from '../middleware/request-scope.js';
import { ListingTooLargeError, type ImageClient, type ImageFilters, type PageRequest } from '../glance/images.js';
import { ApiError } from '../common/api-error.js';
import { BadRequestError, ForbiddenError } from '../keystoneauth/errors.js';
import type { AuthPlugin } from '../keystoneauth/plugin.js';
import { PAGING_PARAMETERS, nextPageLink, parsePage, type PageLimits } from './paging.js';

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
    if (!['visibility', 'status', 'name', 'owner', 'tag', 'sort'].includes(name))
      throw bad(name, 'not a supported filter');
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

/**
 * Glance refused the marker: 400 when it knows no such image, 403 when the caller may not see it. Both are the
 * caller's bad marker (one that no page of ours handed out), and answering both alike does not tell a caller
 * whether an image it cannot see exists. A caller whom Glance lets list nothing gets its 403 on the first page,
 * which has no marker.
 */
function markerRefused(err: unknown): ApiError | undefined {
  if (!(err instanceof BadRequestError || err instanceof ForbiddenError)) return undefined;
  return new ApiError(400, 'Invalid query parameter marker: no image with this id is visible to you.', {
    parameter: 'marker',
    cause: err,
  });
}

/** The names on one page, and a Link to the next page when Glance says there is one. */
async function onePage(
  ctx: Koa.ParameterizedContext<AuthState & RequestIdState>,
  glance: ImageClient,
  path: string,
  { filters, page }: { filters: ImageFilters; page: PageRequest },
  signal: AbortSignal,
): Promise<(string | null)[]> {
  let result;
  try {
    result = await glance.page(filters, page, { signal });
  } catch (err) {
    throw (page.marker !== undefined ? markerRefused(err) : undefined) ?? err;
  }
  if (result.nextMarker !== undefined) ctx.set('Link', nextPageLink(path, filters, page.limit, result.nextMarker));
  return result.images.map((img) => img.name ?? null);
}

async function allPages(glance: ImageClient, filters: ImageFilters, signal: AbortSignal): Promise<(string | null)[]> {
  const names: (string | null)[] = [];
  try {
    for await (const page of glance.pages(filters, { signal })) for (const img of page) names.push(img.name ?? null);
  } catch (err) {
    if (!(err instanceof ListingTooLargeError)) throw err;
    throw new ApiError(
      502,
      `The image service listed more images than this service returns at once (${err.maxImages}); ask for pages with limit and marker.`,
      { cause: err },
    );
  }
  return names;
}

export function imageRoutes({
  imageClient,
  limits,
}: {
  /** A Glance client acting as the given plugin (createServices binds the global session and [image]). */
  imageClient: (auth: AuthPlugin) => ImageClient;
  /** [image] max_limit and page_size: how large a page a caller gets. */
  limits: PageLimits;
}): Router<AuthState & RequestIdState> {
  const router = new Router<AuthState & RequestIdState>();
  // One handler per path, so that a Link names the route's own path, never anything the caller sent.
  for (const path of ['/', '/images']) {
    router.get(path, async (ctx) => {
      const auth = ctx.state.tokenAuth;
      // Reached without a user only under delay_auth_decision: this route acts as the caller, so it needs one.
      requireUser(auth);
      const query =
        ctx.querystring === ''
          ? { filters: {}, page: undefined }
          : parseImageQuery(new URLSearchParams(ctx.querystring), limits);
      // A caller who hangs up should not keep us paging through Glance on their behalf.
      const abort = new AbortController();
      const onClose = () => {
        if (!ctx.res.writableFinished) abort.abort();
      };
      ctx.res.once('close', onClose);
      try {
        const glance = imageClient(auth);
        const { filters, page } = query;
        const names =
          page === undefined
            ? await allPages(glance, filters, abort.signal)
            : await onePage(ctx, glance, path, { filters, page }, abort.signal);
        // Serialized here with the type set first: Koa would look the type up in mime-types on every request.
        ctx.set('Content-Type', 'application/json; charset=utf-8');
        ctx.body = JSON.stringify(names);
      } finally {
        ctx.res.off('close', onClose);
      }
    });
  }
  return router;
}
