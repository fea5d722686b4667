// The image routes' part of the OpenAPI document (src/routes/images-openapi.ts) against the route: the query
// parameters it documents are exactly those the route accepts (the whole document: openapi-document.unit.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseImageQuery } from '../../src/routes/image-query.js';
import { openApiDocument, type JsonObject } from '../../src/routes/openapi-document.js';

const document = openApiDocument();
const components = document.components as Record<string, Record<string, JsonObject>>;

test('GET / and GET /images document exactly the query parameters the route accepts', () => {
  const paths = document.paths as Record<string, JsonObject>;
  const list = paths['/']!.get as { parameters: { $ref: string }[] };
  const valid: Record<string, string> = {
    visibility: 'public',
    status: 'active',
    name: 'n',
    owner: 'o',
    tag: 't',
    os_hidden: 'true',
    sort: 'name:asc',
    limit: '5',
    marker: '1a2b3c4d-5e6f-4a0b-8c1d-000000000001',
  };
  const query = list.parameters
    .map((p) => components.parameters![p.$ref.split('/').at(-1)!]!)
    .filter((p) => p.in === 'query')
    .map((p) => p.name as string);
  assert.deepEqual(query.sort(), Object.keys(valid).sort(), 'the documented query parameters');
  const images = paths['/images']!.get as { parameters: { $ref: string }[] };
  assert.deepEqual(images.parameters, list.parameters, 'GET /images takes the same parameters as GET /');
  for (const name of query) {
    assert.doesNotThrow(
      () => parseImageQuery(new URLSearchParams({ [name]: valid[name]! }), { maxLimit: 1000, defaultLimit: 1000 }),
      `${name} is accepted by the route`,
    );
  }
});
