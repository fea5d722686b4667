// GET /openapi.json: served without a token, as JSON, the document as built; other methods a documented 405 (the
// document itself is checked in openapi-document.unit.test.ts).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { openApiDocument } from '../../src/routes/openapi-document.js';
import { OPENAPI_PATH } from '../../src/routes/openapi.js';
import { getJson } from '../helpers/http.js';
import { startMocks, type Mocks } from '../helpers/mocks.js';
import { serviceOptions, startApp, type Service } from '../helpers/service.js';

const document = openApiDocument();

describe('GET /openapi.json', () => {
  let mocks: Mocks;
  let service: Service;
  before(async () => {
    mocks = await startMocks();
    service = await startApp(serviceOptions(mocks.keystoneUrl));
  });
  after(async () => {
    await service.close();
    await mocks.close();
  });

  test('is served without a token, as JSON, and is the document', async () => {
    const res = await getJson(`${service.url}${OPENAPI_PATH}`);
    assert.equal(res.status, 200, 'no token needed');
    assert.equal(res.headers.get('content-type'), 'application/json; charset=utf-8', 'JSON');
    assert.deepEqual(res.body, document, 'the document, as built');
    assert.doesNotMatch(JSON.stringify(res.body), new RegExp(new URL(mocks.keystoneUrl).host), 'no Keystone URL');
  });

  test('other methods are a documented 405', async () => {
    const res = await fetch(`${service.url}${OPENAPI_PATH}`, { method: 'POST' });
    await res.text();
    assert.equal(res.status, 405, 'POST is not allowed');
    assert.equal(res.headers.get('allow'), 'HEAD, GET', 'Allow names GET');
  });
});
