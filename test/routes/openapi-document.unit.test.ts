// The OpenAPI document as a unit: valid OpenAPI 3.1 (the official schema, through
// @seriousme/openapi-schema-validator), every schema in it compiles under strict JSON Schema 2020-12, and it lists
// exactly the routes the app serves (the document served at GET /openapi.json: openapi.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { appRouters } from '../../src/app.js';
import type { PackageInfo } from '../../src/common/package-info.js';
import { openApiDocument, type JsonObject } from '../../src/routes/openapi-document.js';
import { createServices } from '../../src/services.js';
import { captureLogger } from '../helpers/logs.js';
import { operationsOf, routesOf } from '../helpers/openapi.js';
import { serviceOptions } from '../helpers/service.js';

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

test("it lists exactly the routes the app serves: createApp's routers (appRouters), method by method", async () => {
  // Built as createApp builds them, from services that make no call here (nothing listens, nothing connects).
  const services = createServices(serviceOptions('http://keystone.invalid/v3'), captureLogger('silent').logger);
  try {
    assert.deepEqual(operationsOf(document), routesOf(appRouters(services)), 'the document and the routers agree');
  } finally {
    await services.close();
  }
});
