// What every route of the mock Glance shares: the options it answers with, the caller it identified, webob's
// error bodies (as Glance sends them) and an image as Glance renders it.
import type Koa from 'koa';
import { STATUS_CODES } from 'node:http';
import type { MockControl } from '../../control.js';
import type { MockIdentity } from '../identity.js';
import type { GlanceStore, StoredImage, Viewer } from '../store.js';

export interface MockGlanceOptions {
  store: GlanceStore;
  control?: MockControl | undefined;
  publicUrl: () => string;
  identity: MockIdentity;
  /** Advertised in WWW-Authenticate on 401 (Glance's keystonemiddleware adds it). */
  wwwAuthenticateUri: string;
}

/** Set by authenticate.ts for every route behind it. */
export interface GlanceState {
  viewer: Viewer;
}

/** webob's error bodies, as Glance sends them: JSON to clients that ask for it, HTML to the rest. */
export function renderError(ctx: Koa.Context, status: number, message: string): void {
  const title = STATUS_CODES[status] ?? 'Error';
  ctx.status = status;
  if (ctx.get('accept').includes('application/json')) {
    ctx.body = { message: `${message}<br /><br />\n\n\n`, code: `${status} ${title}`, title };
  } else {
    ctx.type = 'text/html; charset=UTF-8';
    ctx.body = `<html>\n <head>\n  <title>${status} ${title}</title>\n </head>\n <body>\n  <h1>${status} ${title}</h1>\n  ${message}<br /><br />\n\n\n\n </body>\n</html>`;
  }
}

/** An image as Glance's API shows it: its fields (members are a resource of their own) and its links. */
export function renderImage(image: StoredImage): Record<string, unknown> {
  const { members: _members, ...fields } = image;
  return {
    ...fields,
    self: `/v2/images/${image.id}`,
    file: `/v2/images/${image.id}/file`,
    schema: '/v2/schemas/image',
  };
}
