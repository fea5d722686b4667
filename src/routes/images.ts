// The product: GET / (as in the original example) and GET /images return the names of every image the
// caller can see, as a JSON array in Glance's order. The client is built per request for the caller's
// keystone.token_auth plugin, by a factory bound to the global session.
import Router from '@koa/router';
import { requireUser, type AuthState } from '../auth-token/middleware.js';
import type { RequestIdState } from '../middleware/request-scope.js';
import type { ImageClient, ImageFilters } from '../glance/images.js';
import { ApiError } from '../common/api-error.js';
import type { AuthPlugin } from '../keystoneauth/plugin.js';

const VISIBILITIES = new Set(['public', 'private', 'shared', 'community', 'all']);
const STATUSES = new Set([
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
const SORT_KEYS = new Set([
  'name',
  'status',
  'container_format',
  'disk_format',
  'size',
  'id',
  'created_at',
  'updated_at',
]);
const MAX_TEXT = 255;
const MAX_TAGS = 20;

/** Validate the query string into Glance filters; a bad value is a 400 naming the parameter. */
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

export function imageRoutes({
  imageClient,
}: {
  /** A Glance client acting as the given plugin (createServices binds the global session and [image]). */
  imageClient: (auth: AuthPlugin) => ImageClient;
}): Router<AuthState & RequestIdState> {
  const router = new Router<AuthState & RequestIdState>();
  router.get(['/', '/images'], async (ctx) => {
    const auth = ctx.state.tokenAuth;
    // Reached without a user only under delay_auth_decision: this route acts as the caller, so it needs one.
    requireUser(auth);
    const filters = ctx.querystring === '' ? {} : parseImageFilters(new URLSearchParams(ctx.querystring));
    // A caller who hangs up should not keep us paging through Glance on their behalf.
    const abort = new AbortController();
    const onClose = () => {
      if (!ctx.res.writableFinished) abort.abort();
    };
    ctx.res.once('close', onClose);
    try {
      const glance = imageClient(auth);
      const names: (string | null)[] = [];
      for await (const page of glance.pages(filters, { signal: abort.signal }))
        for (const img of page) names.push(img.name ?? null);
      // Serialized here with the type set first: Koa would look the type up in mime-types on every request.
      ctx.set('Content-Type', 'application/json; charset=utf-8');
      ctx.body = JSON.stringify(names);
    } finally {
      ctx.res.off('close', onClose);
    }
  });
  return router;
}
