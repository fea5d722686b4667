// The OpenAPI document as a unit: valid OpenAPI 3.1 (the official schema, through
// @seriousme/openapi-schema-validator), every schema in it compiles under strict JSON Schema 2020-12, and it lists
// exactly the routes the app serves (the document served at GET /openapi.json: openapi.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { createMetrics } from '../../src/common/metrics.js';
import type { PackageInfo } from '../../src/common/package-info.js';
import { Readiness } from '../../src/readiness.js';
import { healthRoutes } from '../../src/routes/health.js';
import { imageRoutes, parseImageQuery } from '../../src/routes/images.js';
import { openApiDocument, type JsonObject } from '../../src/routes/openapi-document.js';
import { openApiRoutes } from '../../src/routes/openapi.js';
import { captureLogger } from '../helpers/logs.js';

const document = openApiDocument();
const components = document.components as Record<string, Record<string, JsonObject>>;

test('the document is valid OpenAPI 3.1 by the official schema', async () => {
  const validator = new Validator();
  const result = await validator.validate(structuredClone(document));
  assert.deepEqual(result.errors, undefined, 'no schema errors');
  assert.equal(result.valid, true, 'valid');
  assert.equal(validator.version, '3.1', 'validated as OpenAPI 3.1');
});

test('every schema in it compiles under strict JSON Schema 2020-12', () => {
  // The validator above checks the document's structure, not each Schema Object: ajv in strict mode does.
  const ajv = new Ajv2020({ strict: true, allowUnionTypes: true });
  ajv.addFormat('uuid', true);
  ajv.addSchema({ $id: 'https://image-names.invalid/schemas', $defs: components.schemas }, 'schemas');
  const rewrite = (schema: JsonObject): JsonObject =>
    JSON.parse(JSON.stringify(schema).replaceAll('"#/components/schemas/', '"schemas#/$defs/')) as JsonObject;
  const schemas: [string, JsonObject][] = [
    ...Object.entries(components.schemas!),
    ...Object.entries(components.parameters!).map(([name, p]) => [`parameter ${name}`, p.schema as JsonObject]),
    ...Object.entries(components.headers!).map(([name, h]) => [`header ${name}`, h.schema as JsonObject]),
  ] as [string, JsonObject][];
  for (const [name, schema] of schemas) {
    assert.doesNotThrow(() => ajv.compile(rewrite(schema)), `${name} compiles`);
  }
});

test("its title and version are package.json's, and it says where the service is nowhere (no host, no configuration)", () => {
  const pkg = JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as PackageInfo;
  assert.equal((document.info as JsonObject).title, pkg.name, 'info.title is the package name');
  assert.equal((document.info as JsonObject).version, pkg.version, 'info.version is the package version');
  assert.equal(document.servers, undefined, 'no servers: relative to where it is served, no Host header read');
  assert.doesNotMatch(JSON.stringify(document), /https?:\/\//, 'no URL of Keystone, Glance or anything else');
});

test('it lists exactly the routes the app serves, with the query parameters the route accepts', () => {
  const { logger } = captureLogger('silent');
  const routers = [
    imageRoutes({
      imageClient: () => assert.fail('not called'),
      limits: { maxLimit: 1000, defaultLimit: 1000 },
    }),
    healthRoutes({ readiness: new Readiness({ log: logger }), metrics: createMetrics(), serveMetrics: true }),
    openApiRoutes(),
  ];
  const served = routers
    .flatMap((r) =>
      r.stack.flatMap((layer) => layer.methods.filter((m) => m !== 'HEAD').map((m) => `${m} ${layer.path}`)),
    )
    .sort();
  const paths = document.paths as Record<string, JsonObject>;
  const listed = Object.entries(paths)
    .flatMap(([path, item]) => Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`))
    .sort();
  assert.deepEqual(listed, served, 'the document and the routers agree on every method and path');

  const list = paths['/']!.get as { parameters: { $ref: string }[] };
  const valid: Record<string, string> = {
    visibility: 'public',
    status: 'active',
    name: 'n',
    owner: 'o',
    tag: 't',
    sort: 'name:asc',
    limit: '5',
    marker: '1a2b3c4d-5e6f-4a0b-8c1d-000000000001',
  };
  const query = list.parameters
    .map((p) => components.parameters![p.$ref.split('/').at(-1)!]!)
    .filter((p) => p.in === 'query')
    .map((p) => p.name as string);
  assert.deepEqual(query.sort(), Object.keys(valid).sort(), 'the documented query parameters');
  for (const name of query) {
    assert.doesNotThrow(
      () => parseImageQuery(new URLSearchParams({ [name]: valid[name]! }), { maxLimit: 1000, defaultLimit: 1000 }),
      `${name} is accepted by the route`,
    );
  }
});
