// Cache-Control: no-store on every answer (attack round 2: none carried a cache header, so a shared cache in front
// could serve one caller's image names to another), unless the route chose its own; through a real Koa listener.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import Koa from 'koa';
import { noStore } from '../../src/middleware/no-store.js';
import { listen, type Listening } from '../helpers/net.js';
import type http from 'node:http';

let server: Listening<http.Server>;

before(async () => {
  const app = new Koa();
  app.use(noStore());
  app.use((ctx) => {
    if (ctx.path === '/shared') ctx.set('Cache-Control', 'public, max-age=60');
    if (ctx.path === '/denied') ctx.status = 401;
    ctx.body = { path: ctx.path };
  });
  server = await listen(app.callback());
});
after(() => server.close());

test('an answer made for a caller is no-store, an error too; a route that chose its own keeps it', async () => {
  for (const path of ['/', '/denied']) {
    const res = await fetch(`${server.url}${path}`);
    await res.arrayBuffer();
    assert.equal(res.headers.get('cache-control'), 'no-store', `${path}: no shared cache may keep it`);
  }
  const shared = await fetch(`${server.url}/shared`);
  await shared.arrayBuffer();
  assert.equal(shared.headers.get('cache-control'), 'public, max-age=60', "the route's own choice stands");
});
