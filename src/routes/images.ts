// The product: GET / (as in the original example) and GET /images return the names of every image the
// caller can see, as a JSON array in Glance's order; with limit or marker, one page of them and a Link to the
// next (paging.ts). The client is built per request for the caller's keystone.token_auth plugin, by a factory
// bound to the global session.
import Router from '@koa/router';
import type Koa from 'koa';
import { requireUser, type AuthState } from '../auth-token/middleware.js';
import type { RequestIdState } from '../middleware/request-scope.js';
import { callerSignal } from '../middleware/caller-signal.js';
import { ListingTooLargeError, type ImageClient, type ImageFilters, type PageRequest } from '../glance/images.js';
import { ApiError } from '../common/api-error.js';
import { BadRequestError, ForbiddenError } from '../keystoneauth/errors.js';
import type { AuthPlugin } from '../keystoneauth/plugin.js';
import { nextPageLink, type PageLimits } from './paging.js';
import { parseImageQuery } from './image-query.js';

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
      const signal = callerSignal(ctx);
      const glance = imageClient(auth);
      const { filters, page } = query;
      const names =
        page === undefined
          ? await allPages(glance, filters, signal)
          : await onePage(ctx, glance, path, { filters, page }, signal);
      // Serialized here with the type set first: Koa would look the type up in mime-types on every request.
      ctx.set('Content-Type', 'application/json; charset=utf-8');
      ctx.body = JSON.stringify(names);
    });
  }
  return router;
}
