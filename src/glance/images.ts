// Glance v2 image client: built per request from the global session and the caller's auth plugin (no I/O
// in the constructor), listing every image the caller can see as an async iterator over Glance's pages.
import type { AuthPlugin } from '../keystoneauth/plugin.js';
import { ProtocolError } from '../keystoneauth/errors.js';
import type { Session } from '../keystoneauth/session.js';
import { joinUrl, serviceRoot } from '../keystoneauth/url.js';

export interface ImageClientOptions {
  interface: string;
  regionName: string;
  /** Images asked per page; Glance caps it at api_limit_max (1000 by default). */
  pageSize: number;
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

export class ImageClient {
  constructor(
    private readonly session: Session,
    private readonly auth: AuthPlugin,
    private readonly options: ImageClientOptions,
  ) {}

  /** Every image visible to the caller, in Glance's order, following `next` until Glance stops sending one. */
  async *list(filters: ImageFilters = {}, options: { signal?: AbortSignal } = {}): AsyncGenerator<Image> {
    for await (const page of this.pages(filters, options)) yield* page;
  }

  /** The same, a Glance page at a time: one await per page instead of one per image (the hot path uses it). */
  async *pages(
    filters: ImageFilters = {},
    { signal }: { signal?: AbortSignal } = {},
  ): AsyncGenerator<readonly Image[]> {
    const endpoint = await this.auth.getEndpoint(
      this.session,
      { serviceType: 'image', interface: this.options.interface, regionName: this.options.regionName },
      signal,
    );
    // The catalog may say http://glance:9292 or http://glance:9292/v2: `next` links are relative to the root.
    const root = serviceRoot(endpoint, 'v2');
    const tags = filters.tag ?? [];
    const query = new URLSearchParams({ limit: String(this.options.pageSize) });
    for (const key of ['visibility', 'status', 'name', 'owner', 'sort'] as const) {
      const value = filters[key];
      if (value !== undefined) query.set(key, value);
    }
    if (filters.os_hidden !== undefined) query.set('os_hidden', String(filters.os_hidden));
    for (const tag of tags) query.append('tag', tag);

    let url = `${joinUrl(root, 'v2/images')}?${query.toString()}`;
    const seen = new Set<string>();
    for (;;) {
      seen.add(url);
      const response = await this.session.request(url, { auth: this.auth, signal, service: 'glance' });
      const page = response.json<ImagesPage>();
      if (!Array.isArray(page.images)) {
        throw new ProtocolError('Glance sent an images page without an images list', {
          service: 'glance',
          requestId: response.requestId,
        });
      }
      yield page.images as Image[];
      if (typeof page.next !== 'string' || page.next === '') return;
      url = this.nextUrl(root, page.next, tags);
      // A short or empty page with a `next` is not the end; a `next` seen before is a loop.
      if (seen.has(url)) {
        throw new ProtocolError('Glance sent a next link that repeats an earlier page', {
          service: 'glance',
          requestId: response.requestId,
        });
      }
    }
  }

  /** The next page's URL: Glance's link, relative to the service root, with every requested tag restored. */
  private nextUrl(root: string, next: string, tags: readonly string[]): string {
    const absolute = /^https?:\/\//i.test(next) ? new URL(next) : new URL(joinUrl(root, next));
    if (absolute.origin !== new URL(root).origin) {
      throw new ProtocolError('Glance sent a next link to another origin', { service: 'glance' });
    }
    const params = absolute.searchParams;
    if (tags.length > 0) {
      params.delete('tag');
      for (const tag of tags) params.append('tag', tag);
    }
    absolute.search = params.toString(); // re-encodes the marker and every other value
    return absolute.href;
  }
}
