// GET /v2/images (Glance's listing: filters, sort, marker paging with `first` and `next` links, and the fault
// modes tests ask for: empty and short pages, a looping `next`) and GET /v2/images/{id}.
import Router from '@koa/router';
import { MockError, type Faults } from '../../control.js';
import type { GlanceStore, StoredImage, Viewer } from '../store.js';
import { parseListQuery } from './list-query.js';
import { renderImage, type GlanceState, type MockGlanceOptions } from './shared.js';

export function imagesRouter({ store, control }: MockGlanceOptions): Router<GlanceState> {
  const router = new Router<GlanceState>();
  router.get('/v2/images', (ctx) => {
    control?.count('list_requests');
    const search = new URLSearchParams(ctx.querystring);
    const { query, limit, marker, extra } = parseListQuery(search);
    const viewer = ctx.state.viewer;
    let all = store.list(viewer, query);
    if (extra.length > 0)
      all = all.filter((i) => extra.every(([k, v]) => String((i as unknown as Record<string, unknown>)[k]) === v));
    const start = marker === undefined ? 0 : store.startAfter(all, markerImage(store, viewer, marker), query);
    ctx.body = listPage({ search, limit, faults: control?.faults, rest: all.slice(start) });
  });
  router.get('/v2/images/:id', (ctx) => {
    const image = store.find(ctx.params.id ?? '', ctx.state.viewer);
    if (!image) throw new MockError(404, `No image found with ID ${ctx.params.id}`);
    ctx.body = renderImage(image);
  });
  return router;
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

/** One page of `rest` (the images from the marker on) as Glance answers it. */
function listPage({
  search,
  limit,
  faults,
  rest,
}: {
  search: URLSearchParams;
  limit: number;
  faults: Readonly<Faults> | undefined;
  rest: readonly StoredImage[];
}): Record<string, unknown> {
  // Fault mode: an empty page whose `next` continues where this one would have started.
  if (faults?.shortPages && search.get('_empty') === null && limit > 0 && rest.length > 0) {
    const params = new URLSearchParams(search);
    params.set('_empty', '1');
    return { images: [], first: '/v2/images', schema: '/v2/schemas/images', next: `/v2/images?${params.toString()}` };
  }
  let page = rest.slice(0, limit);
  // Fault mode: fewer rows than asked (as when policy filters some), with `next` still given.
  const short = faults?.shortPages === true && page.length > 1;
  if (short) page = page.slice(0, Math.ceil(page.length / 2));
  // Glance collapses repeated parameters in its links.
  const firstParams = new URLSearchParams();
  for (const [k, v] of search) if (k !== 'marker' && k !== '_empty') firstParams.set(k, v);
  const body: Record<string, unknown> = {
    images: page.map(renderImage),
    first: `/v2/images${firstParams.size > 0 ? `?${firstParams.toString()}` : ''}`,
    schema: '/v2/schemas/images',
  };
  // Glance gives `next` whenever the page is full, without looking ahead: after a last page that is full
  // comes an empty one without `next`.
  if (page.length > 0 && (page.length === limit || short)) {
    // Glance: the request's parameters (repeats collapsed), then the marker.
    const nextParams = new URLSearchParams(firstParams);
    nextParams.set('marker', page.at(-1)!.id);
    body.next = faults?.loopNext ? `/v2/images?${search.toString()}` : `/v2/images?${nextParams.toString()}`;
  }
  return body;
}
