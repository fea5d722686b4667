// A mock Glance v2: version documents, image listing with Glance's parameters and paging, single images and
// schemas. Errors use webob's JSON shape, as Glance's do. Callers are identified by identity.ts, never by
// this project's own auth_token: the mock must not share the code it tests.
import Koa from 'koa';
import Router from '@koa/router';
import { STATUS_CODES } from 'node:http';
import { MockError, mockErrors, type MockControl } from '../control.js';
import { allowedByAccessRules, type MockIdentity } from './identity.js';
import { SORT_KEYS, type GlanceStore, type ListQuery, type StoredImage, type Viewer } from './store.js';

export interface MockGlanceOptions {
  store: GlanceStore;
  control?: MockControl | undefined;
  publicUrl: () => string;
  identity: MockIdentity;
  /** Advertised in WWW-Authenticate on 401 (Glance's keystonemiddleware adds it). */
  wwwAuthenticateUri: string;
}

interface GlanceState {
  viewer: Viewer;
}

const DEFAULT_LIMIT = 25;
const MAX_LIMIT = 1000;
const VISIBILITIES = new Set(['public', 'private', 'shared', 'community', 'all']);
const KNOWN = new Set([
  'limit',
  'marker',
  'sort_key',
  'sort_dir',
  'sort',
  'visibility',
  'name',
  'status',
  'owner',
  'tag',
  'os_hidden',
  'member_status',
  '_empty',
]);

/** webob's error bodies, as Glance sends them: JSON to clients that ask for it, HTML to the rest. */
function renderError(ctx: Koa.Context, status: number, message: string): void {
  const title = STATUS_CODES[status] ?? 'Error';
  ctx.status = status;
  if (ctx.get('accept').includes('application/json')) {
    ctx.body = { message: `${message}<br /><br />\n\n\n`, code: `${status} ${title}`, title };
  } else {
    ctx.type = 'text/html; charset=UTF-8';
    ctx.body = `<html>\n <head>\n  <title>${status} ${title}</title>\n </head>\n <body>\n  <h1>${status} ${title}</h1>\n  ${message}<br /><br />\n\n\n\n </body>\n</html>`;
  }
}

// webob's 401 text, which Glance sends when keystonemiddleware (delay_auth_decision = true) marks a request Invalid.
const UNAUTHORIZED_TEXT =
  'This server could not verify that you are authorized to access the document you requested. Either you supplied the wrong credentials (e.g., bad password), or your browser does not understand how to supply the credentials required.';

export function renderImage(image: StoredImage): Record<string, unknown> {
  const { members: _members, ...fields } = image;
  return {
    ...fields,
    self: `/v2/images/${image.id}`,
    file: `/v2/images/${image.id}/file`,
    schema: '/v2/schemas/image',
  };
}

function viewerOf(ctx: Koa.ParameterizedContext<GlanceState>): Viewer {
  return ctx.state.viewer;
}

export function parseListQuery(search: URLSearchParams): {
  query: ListQuery;
  limit: number;
  marker: string | undefined;
  extra: [string, string][];
} {
  const one = (name: string) => search.getAll(name).at(-1);
  const rawLimit = one('limit');
  let limit = DEFAULT_LIMIT;
  if (rawLimit !== undefined) {
    if (!/^-?\d+$/.test(rawLimit)) throw new MockError(400, 'limit param must be an integer');
    limit = Number(rawLimit);
    if (limit < 0) throw new MockError(400, 'limit param must be positive');
  }
  const visibility = one('visibility');
  if (visibility !== undefined && !VISIBILITIES.has(visibility))
    throw new MockError(400, `Invalid visibility value: ${visibility}`);
  const rawHidden = one('os_hidden');
  if (rawHidden !== undefined && !['true', 'false', 'True', 'False'].includes(rawHidden)) {
    throw new MockError(
      400,
      `Invalid value '${rawHidden}' for 'os_hidden' filter. Valid values are 'true' or 'false'.`,
    );
  }
  const sort: ListQuery['sort'] = [];
  const sortParam = one('sort');
  const sortKeys = search.getAll('sort_key');
  const sortDirs = search.getAll('sort_dir');
  if (sortParam !== undefined && (sortKeys.length > 0 || sortDirs.length > 0)) {
    throw new MockError(400, 'Old and new sorting syntax cannot be combined');
  }
  const checkKey = (key: string) => {
    if (!SORT_KEYS.has(key))
      throw new MockError(
        400,
        `Invalid sort key: ${key}. It must be one of the following: ${[...SORT_KEYS].join(', ')}.`,
      );
  };
  const checkDir = (dir: string): 'asc' | 'desc' => {
    if (dir !== 'asc' && dir !== 'desc') throw new MockError(400, `Invalid sort direction: ${dir}`);
    return dir;
  };
  if (sortParam !== undefined) {
    for (const part of sortParam.split(',')) {
      const [key = '', dir = 'desc'] = part.trim().split(':');
      checkKey(key);
      sort.push({ key, dir: checkDir(dir) });
    }
  } else {
    for (const [i, key] of sortKeys.entries()) {
      checkKey(key);
      sort.push({ key, dir: checkDir(sortDirs[i] ?? sortDirs[0] ?? 'desc') });
    }
    if (sort.length === 0 && sortDirs[0]) sort.push({ key: 'created_at', dir: checkDir(sortDirs[0]) });
  }
  const query: ListQuery = { tags: search.getAll('tag'), sort };
  if (visibility !== undefined) query.visibility = visibility;
  if (rawHidden !== undefined) query.osHidden = rawHidden.toLowerCase() === 'true';
  for (const key of ['name', 'status', 'owner'] as const) {
    const value = one(key);
    if (value !== undefined) query[key] = value;
  }
  const extra = [...search].filter(([k]) => !KNOWN.has(k));
  return { query, limit: Math.min(limit, MAX_LIMIT), marker: one('marker'), extra };
}

/**
 * The image a marker names, as Glance's image_get finds it: an id longer than Glance's 36-character column, or
 * one it does not know, is a 400; an image the caller may not see is a 403.
 */
function markerImage(store: GlanceStore, viewer: Viewer, marker: string): StoredImage {
  if (marker.length > 36) throw new MockError(400, 'Image with the given id %(image_id)s was not found');
  const image = store.images.find((i) => i.id === marker);
  if (!image) throw new MockError(400, `No image found with ID ${marker}`);
  if (!store.canSee(image, viewer)) throw new MockError(403, `Forbidding request, image ${marker} not visible`);
  return image;
}

export function createMockGlance(options: MockGlanceOptions): Koa<GlanceState> {
  const { store, control } = options;
  const app = new Koa<GlanceState>();
  app.silent = true;
  const versions = () => {
    const href = `${options.publicUrl()}/v2/`;
    const list = [{ id: 'v2.15', status: 'CURRENT', links: [{ rel: 'self', href }] }];
    // Glance lists v2.15 as CURRENT and skips 2.14 (an import-only bump it never advertised).
    for (let minor = 13; minor >= 0; minor--)
      list.push({ id: `v2.${minor}`, status: 'SUPPORTED', links: [{ rel: 'self', href }] });
    return { versions: list };
  };

  app.use(
    mockErrors(renderError, {
      notFound: 'The resource could not be found.',
      notAllowed: 'The method is not allowed for this resource.',
      internal: 'The server encountered an error.',
    }),
  );
  if (control) {
    app.use(control.faultMiddleware((ctx, status, message) => renderError(ctx, status, message)));
    const mockRoutes = control.routes(() => ({ images: store.images.length }));
    app.use(mockRoutes.routes()).use(mockRoutes.allowedMethods());
  }
  const publicRouter = new Router();
  publicRouter.get('/', (ctx) => {
    ctx.status = 300;
    ctx.body = versions();
  });
  publicRouter.get('/versions', (ctx) => {
    ctx.body = versions();
  });
  app.use(publicRouter.routes());
  // Like Glance's paste pipeline: auth_token with delay_auth_decision, then Glance's context middleware
  // answers an unconfirmed identity with webob's 401 (keystonemiddleware adds WWW-Authenticate).
  app.use(async (ctx, next) => {
    if (ctx.path === '/' || ctx.path === '/versions') {
      await next();
      return;
    }
    const token = (ctx.get('x-auth-token') || ctx.get('x-storage-token')).trim();
    const caller = token ? await options.identity.caller(token) : undefined;
    if (caller && allowedByAccessRules(caller, ctx.method, ctx.path, ctx.get('x-service-token') !== '')) {
      ctx.state.viewer = { projectId: caller.projectId, isAdmin: caller.roles.includes('admin') };
      await next();
      return;
    }
    ctx.set('WWW-Authenticate', `Keystone uri="${options.wwwAuthenticateUri}"`);
    renderError(ctx, 401, UNAUTHORIZED_TEXT);
  });

  const router = new Router<GlanceState>();
  router.get('/v2/images', (ctx) => {
    control?.count('list_requests');
    const search = new URLSearchParams(ctx.querystring);
    const { query, limit, marker, extra } = parseListQuery(search);
    const viewer = viewerOf(ctx);
    let all = store.list(viewer, query);
    if (extra.length > 0)
      all = all.filter((i) => extra.every(([k, v]) => String((i as unknown as Record<string, unknown>)[k]) === v));
    const start = marker === undefined ? 0 : store.startAfter(all, markerImage(store, viewer, marker), query);
    const faults = control?.faults;
    // Fault mode: an empty page whose `next` continues where this one would have started.
    if (faults?.shortPages && search.get('_empty') === null && limit > 0 && start < all.length) {
      const params = new URLSearchParams(search);
      params.set('_empty', '1');
      ctx.body = {
        images: [],
        first: '/v2/images',
        schema: '/v2/schemas/images',
        next: `/v2/images?${params.toString()}`,
      };
      return;
    }
    let page = all.slice(start, start + limit);
    // Fault mode: fewer rows than asked (as when policy filters some), with `next` still given.
    const short = faults?.shortPages === true && page.length > 1;
    if (short) page = page.slice(0, Math.ceil(page.length / 2));
    const body: Record<string, unknown> = { images: page.map(renderImage) };
    const firstParams = new URLSearchParams();
    for (const [k, v] of search) if (k !== 'marker' && k !== '_empty') firstParams.set(k, v); // Glance collapses repeats
    body.first = `/v2/images${firstParams.size > 0 ? `?${firstParams.toString()}` : ''}`;
    body.schema = '/v2/schemas/images';
    // Glance gives `next` whenever the page is full, without looking ahead: after a last page that is full
    // comes an empty one without `next`.
    if (page.length > 0 && (page.length === limit || short)) {
      // Glance: the request's parameters (repeats collapsed), then the marker.
      const nextParams = new URLSearchParams(firstParams);
      nextParams.set('marker', page.at(-1)!.id);
      body.next = faults?.loopNext ? `/v2/images?${search.toString()}` : `/v2/images?${nextParams.toString()}`;
    }
    ctx.body = body;
  });
  router.get('/v2/images/:id', (ctx) => {
    const image = store.find(ctx.params.id ?? '', viewerOf(ctx));
    if (!image) throw new MockError(404, `No image found with ID ${ctx.params.id}`);
    ctx.body = renderImage(image);
  });
  router.get('/v2/schemas/image', (ctx) => {
    ctx.body = IMAGE_SCHEMA;
  });
  router.get('/v2/schemas/images', (ctx) => {
    ctx.body = {
      name: 'images',
      properties: {
        images: { type: 'array', items: IMAGE_SCHEMA },
        schema: { type: 'string' },
        first: { type: 'string' },
        next: { type: 'string' },
      },
      links: [
        { rel: 'first', href: '{first}' },
        { rel: 'next', href: '{next}' },
        { rel: 'describedby', href: '{schema}' },
      ],
    };
  });
  app.use(router.routes()).use(router.allowedMethods());
  return app;
}

const IMAGE_SCHEMA = {
  name: 'image',
  additionalProperties: { type: 'string' },
  properties: {
    id: {
      type: 'string',
      pattern: '^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){12}$',
    },
    name: { type: ['null', 'string'], maxLength: 255 },
    status: {
      type: 'string',
      enum: [
        'queued',
        'saving',
        'active',
        'killed',
        'deleted',
        'uploading',
        'importing',
        'pending_delete',
        'deactivated',
      ],
    },
    visibility: { type: 'string', enum: ['community', 'public', 'private', 'shared'] },
    protected: { type: 'boolean' },
    os_hidden: { type: 'boolean' },
    checksum: { type: ['null', 'string'], maxLength: 32 },
    os_hash_algo: { type: ['null', 'string'], maxLength: 64 },
    os_hash_value: { type: ['null', 'string'], maxLength: 128 },
    owner: { type: ['null', 'string'], maxLength: 255 },
    size: { type: ['null', 'integer'] },
    virtual_size: { type: ['null', 'integer'] },
    container_format: { type: ['null', 'string'] },
    disk_format: { type: ['null', 'string'] },
    created_at: { type: 'string' },
    updated_at: { type: 'string' },
    tags: { type: 'array', items: { type: 'string', maxLength: 255 } },
    min_ram: { type: 'integer' },
    min_disk: { type: 'integer' },
    self: { type: 'string' },
    file: { type: 'string' },
    schema: { type: 'string' },
  },
  links: [
    { rel: 'self', href: '{self}' },
    { rel: 'enclosure', href: '{file}' },
    { rel: 'describedby', href: '{schema}' },
  ],
};
