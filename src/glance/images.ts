// Glance v2 image client on an Adapter: built per request from the global session and the caller's auth
// plugin (no I/O in the constructor), listing every image the caller can see as an async iterator over
// Glance's pages, or one page of them for a caller who pages (limit and marker).
import { Adapter, type EndpointData, type EndpointOptions, type ServiceDescription } from '../keystoneauth/adapter.js';
import type { AuthPlugin } from '../keystoneauth/plugin.js';
import type { Session, SessionResponse } from '../keystoneauth/session.js';
import { ProtocolError, TimeoutError } from '../keystoneauth/errors.js';
import { joinUrl } from '../keystoneauth/url.js';
import { isImageId } from './image-id.js';

/** Glance's image API v2, as this client calls it. */
export const IMAGE_SERVICE = {
  serviceType: 'image',
  version: 'v2',
  service: 'glance',
  displayName: 'image service',
} as const satisfies ServiceDescription;

export interface ImageClientOptions {
  /** Images asked per page; Glance caps it at api_limit_max (1000 by default). */
  pageSize: number;
  /**
   * Most images one listing of every page collects ([image] max_images), so that a huge or lying Glance (fresh
   * `next` links forever, empty pages included) cannot make one request take unbounded memory and time.
   */
  maxImages: number;
  /**
   * Longest one listing may take, every Glance call of it together, in ms ([image] list_timeout): each call gets
   * what is left (or the session's timeout, when shorter), so that endless pages cannot hold a request for long.
   */
  listTimeoutMs: number;
  /** The listing deadline's clock in ms (tests inject one); performance.now when undefined. */
  now?: (() => number) | undefined;
}

/**
 * A listing passed [image] max_images, a page without images counting as one: for a listing of every page, the
 * caller should page with limit and marker; for one page, Glance sent empty pages without end.
 */
export class ListingTooLargeError extends ProtocolError {
  constructor(
    /** The max_images that was passed. */
    readonly maxImages: number,
    requestId: string | undefined,
  ) {
    super(`Glance listed more than ${maxImages} images (a page without images counts as one)`, {
      requestId,
      service: IMAGE_SERVICE.service,
      displayName: IMAGE_SERVICE.displayName,
    });
  }
}

/** What createServices binds for the route: where Glance is and how it is paged. */
export interface ImageOptions extends ImageClientOptions {
  readonly endpoint: EndpointOptions;
  /** The largest page a caller may ask for ([image] max_limit): the route lowers a larger limit to it. */
  readonly maxLimit: number;
}

/** ImageClients acting as whoever the route hands in, through the one global session. */
export function imageClientFactory(session: Session, options: ImageOptions): (auth: AuthPlugin) => ImageClient {
  return (auth) => new ImageClient(new Adapter(session, auth, { ...IMAGE_SERVICE, ...options.endpoint }), options);
}

/** Filters Glance's GET /v2/images understands; `tag` may repeat. */
export interface ImageFilters {
  visibility?: string;
  status?: string;
  name?: string;
  owner?: string;
  tag?: readonly string[];
  sort?: string;
  os_hidden?: boolean;
}

export interface Image {
  id: string;
  name: string | null;
  [field: string]: unknown;
}

interface ImagesPage {
  images?: unknown;
  next?: unknown;
}

/** One page a caller asked for: at most `limit` images, after the image `marker` when given. */
export interface PageRequest {
  readonly limit: number;
  readonly marker?: string | undefined;
}

/** A page as Glance sent it, and the marker of the page after it when Glance says there is one. */
export interface ImagePage {
  readonly images: readonly Image[];
  /** The image id in Glance's `next` link (checked to be one); undefined when Glance sent no `next`. */
  readonly nextMarker: string | undefined;
}

/** One Glance page and the URL of the next (Glance's `next`, resolved and checked), if any. */
interface FetchedPage {
  readonly images: readonly Image[];
  readonly next: URL | undefined;
  readonly response: SessionResponse;
}

export class ImageClient {
  constructor(
    private readonly adapter: Adapter,
    private readonly options: ImageClientOptions,
  ) {}

  /**
   * Every image visible to the caller, in Glance's order, a Glance page at a time (one await per page, not per
   * image), following `next` until Glance stops sending one.
   */
  async *pages(
    filters: ImageFilters = {},
    { signal }: { signal?: AbortSignal } = {},
  ): AsyncGenerator<readonly Image[]> {
    const request = { limit: this.options.pageSize };
    for await (const { images } of this.walk(filters, request, this.options.maxImages, signal)) yield images;
  }

  /**
   * One page, as a caller pages: Glance's first page with images from `marker` on (an empty page that carries a
   * `next` is skipped, as when listing everything, at most max_images of them), and the marker of the page after
   * it. A `next` whose marker is not an image id, or is the marker asked for, is a ProtocolError: the caller would
   * be sent round in a loop.
   */
  async page(
    filters: ImageFilters,
    request: PageRequest,
    { signal }: { signal?: AbortSignal } = {},
  ): Promise<ImagePage> {
    // The budget of a listing, plus the page asked for: only empty pages before it can exhaust it.
    const budget = this.options.maxImages + request.limit;
    for await (const { images, next, response } of this.walk(filters, request, budget, signal)) {
      if (images.length === 0 && next !== undefined) continue;
      if (next === undefined) return { images, nextMarker: undefined };
      const nextMarker = next.searchParams.get('marker');
      if (nextMarker === null || !isImageId(nextMarker))
        throw this.adapter.protocolError('Glance sent a next link whose marker is not an image id', response);
      if (nextMarker === request.marker)
        throw this.adapter.protocolError('Glance sent a next link that repeats an earlier page', response);
      return { images, nextMarker };
    }
    // walk ends only after yielding a page without `next`, which returns above: reaching here is a bug.
    throw new Error('ImageClient.walk ended without a last page');
  }

  /**
   * Glance's pages from `marker` on, `limit` at a time, following `next` (a `next` seen before is a loop), within
   * `budget` (each page costs its images, and at least one: endless empty pages end too) and list_timeout.
   */
  private async *walk(
    filters: ImageFilters,
    { limit, marker }: PageRequest,
    budget: number,
    signal?: AbortSignal,
  ): AsyncGenerator<FetchedPage> {
    const deadline = this.deadline();
    // The catalog may say http://glance:9292 or http://glance:9292/v2: the adapter gives /v2 once either way.
    const endpoint = await this.adapter.getEndpointData(signal);
    const tags = filters.tag ?? [];
    const query = new URLSearchParams({ limit: String(limit) });
    for (const key of ['visibility', 'status', 'name', 'owner', 'sort'] as const) {
      const value = filters[key];
      if (value !== undefined) query.set(key, value);
    }
    if (filters.os_hidden !== undefined) query.set('os_hidden', String(filters.os_hidden));
    for (const tag of tags) query.append('tag', tag);
    if (marker !== undefined) query.set('marker', marker);

    let url = `${joinUrl(endpoint.url, 'images')}?${query.toString()}`;
    const seen = new Set<string>();
    let left = budget;
    for (;;) {
      seen.add(url);
      const response = await this.adapter.get(url, { signal, timeoutMs: deadline() });
      const { images, next: link } = this.parsePage(response, limit);
      left -= Math.max(1, images.length);
      if (left < 0) throw new ListingTooLargeError(budget, response.requestId);
      if (link === undefined) {
        yield { images, next: undefined, response } satisfies FetchedPage;
        return;
      }
      const next = this.nextUrl(endpoint, link, { limit, tags });
      // A short or empty page with a `next` is not the end; a `next` seen before is a loop.
      if (seen.has(next.href))
        throw this.adapter.protocolError('Glance sent a next link that repeats an earlier page', response);
      yield { images, next, response } satisfies FetchedPage;
      url = next.href;
    }
  }

  /**
   * The listing's deadline: a function giving the ms left for the next call, or a TimeoutError once none are.
   * It runs from the first call, and includes whatever the caller does between pages.
   */
  private deadline(): () => number {
    const now = this.options.now ?? (() => performance.now());
    const { listTimeoutMs } = this.options;
    const end = now() + listTimeoutMs;
    return () => {
      const left = Math.ceil(end - now());
      if (left > 0) return left;
      throw new TimeoutError(`listing images took longer than [image] list_timeout (${listTimeoutMs} ms)`, {
        service: IMAGE_SERVICE.service,
        displayName: IMAGE_SERVICE.displayName,
      });
    };
  }

  /**
   * A page's images and `next`. The images are checked right after parsing: more than `limit` is a ProtocolError
   * (Glance never sends that), so that a page's size is bounded by what we asked, not by what Glance sends; so is
   * an image that is not an object, or whose name is neither a string nor null (absent counts as null), so that
   * callers get the documented list of names or a 502, never a 500 or another shape.
   */
  private parsePage(response: SessionResponse, limit: number): { images: Image[]; next: string | undefined } {
    const page = response.json<ImagesPage>();
    if (!Array.isArray(page.images)) {
      throw this.adapter.protocolError('Glance sent an images page without an images list', response);
    }
    if (page.images.length > limit) {
      throw this.adapter.protocolError(
        `Glance sent a page of ${page.images.length} images where at most ${limit} were asked`,
        response,
      );
    }
    const bad = (page.images as unknown[]).findIndex((image) => !isImage(image));
    if (bad !== -1) {
      throw this.adapter.protocolError(
        `Glance sent images[${bad}] that is not an image with a string or null name`,
        response,
      );
    }
    const next = typeof page.next === 'string' && page.next !== '' ? page.next : undefined;
    return { images: page.images as Image[], next };
  }

  /**
   * The next page's URL: Glance's link (relative to the service root, same origin), with the limit asked and every
   * requested tag restored (Glance's own link keeps both; a lying one cannot raise the limit).
   */
  private nextUrl(
    endpoint: EndpointData,
    next: string,
    { limit, tags }: { limit: number; tags: readonly string[] },
  ): URL {
    const absolute = this.adapter.resolveLink(endpoint, next);
    const params = absolute.searchParams;
    params.set('limit', String(limit));
    if (tags.length > 0) {
      params.delete('tag');
      for (const tag of tags) params.append('tag', tag);
    }
    absolute.search = params.toString(); // re-encodes the marker and every other value
    return absolute;
  }
}

/** An image as Glance sends one, as far as this client reads it: an object whose name is a string or null. */
function isImage(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const name = (value as { name?: unknown }).name;
  return name === undefined || name === null || typeof name === 'string';
}
