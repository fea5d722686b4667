// GET /v2/schemas/image and /v2/schemas/images: Glance's JSON schemas of an image and of a listing page (the
// fields this mock stores, with Glance's types and limits).
import Router from '@koa/router';
import type { GlanceState } from './shared.js';

export function schemasRouter(): Router<GlanceState> {
  const router = new Router<GlanceState>();
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
  return router;
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
