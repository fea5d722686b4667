// The OpenAPI checker itself: it passes what the document describes and catches each kind of departure, so that
// the end-to-end tests that rely on it cannot pass an undocumented response (a watched server: openapi.test.ts).
// Checked against the service's document with a route of its own added (GET /things, with a Link header and a
// body schema), so that it does not depend on which routes the service has.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openApiDocument, ref, type DocumentPart } from '../../src/routes/openapi-document.js';
import { responseProblems, type ObservedResponse } from './openapi.js';

const THINGS: DocumentPart = {
  paths: {
    '/things': {
      get: {
        parameters: [ref('parameters', 'requestId')],
        responses: {
          '200': {
            description: 'Things.',
            headers: { 'X-OpenStack-Request-ID': ref('headers', 'RequestId'), Link: ref('headers', 'NextThings') },
            content: { 'application/json': { schema: ref('schemas', 'Things') } },
          },
          '400': ref('responses', 'BadRequest'),
          '401': ref('responses', 'Unauthorized'),
          '502': ref('responses', 'BadGateway'),
          '503': ref('responses', 'ServiceUnavailable'),
        },
      },
    },
  },
  schemas: { Things: { type: 'array', items: { type: ['string', 'null'] } } },
  headers: {
    NextThings: { required: false, schema: { type: 'string', pattern: '^<[^<>\\s]*>; rel="next"$' } },
  },
};
const DOCUMENT = openApiDocument(undefined, [THINGS]);

const ID = 'req-0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
const json = { 'content-type': 'application/json; charset=utf-8', 'x-openstack-request-id': ID };
const error = (code: number, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ error: { code, title: 'T', message: 'M' }, request_id: ID, ...extra });

function observed(overrides: Partial<ObservedResponse>): ObservedResponse {
  return { method: 'GET', url: '/things', status: 200, headers: json, body: '["a",null]', ...overrides };
}

/** `r` conforms (no problem) or has a problem matching `pattern`. */
function assertChecked(r: Partial<ObservedResponse>, pattern: RegExp | undefined, what: string) {
  const problems = responseProblems(observed(r), DOCUMENT);
  if (pattern === undefined) assert.deepEqual(problems, [], `${what}: conforms`);
  else
    assert.ok(
      problems.some((p) => pattern.test(p)),
      `${what}: ${pattern} among ${JSON.stringify(problems)}`,
    );
}

test('documented responses pass', () => {
  assertChecked({}, undefined, 'GET /things 200 with its body');
  assertChecked({ url: '/things?limit=2' }, undefined, 'the query does not matter');
  const link = { ...json, link: `</things?limit=2&marker=1a2b3c4d-5e6f-4a0b-8c1d-000000000001>; rel="next"` };
  assertChecked({ url: '/things?limit=2', headers: link }, undefined, 'with a Link');
  const challenge = { ...json, 'www-authenticate': 'Keystone uri="http://keystone/v3"' };
  assertChecked({ status: 401, headers: challenge, body: error(401) }, undefined, 'a 401 with its challenge');
  assertChecked({ status: 400, body: error(400, {}).replace('"M"', '"M","parameter":"limit"') }, undefined, '400');
  assertChecked({ status: 503, headers: { ...json, 'retry-after': '1' }, body: error(503) }, undefined, 'shed');
  assertChecked({ url: '/things/', status: 200 }, undefined, 'the route with a trailing slash');
  assertChecked({ url: '/healthz/', status: 401, headers: challenge, body: error(401) }, undefined, 'not exact');
  assertChecked({ method: 'HEAD', url: '/healthz', body: '' }, undefined, 'HEAD has no body to check');
  assertChecked({ url: '/nope', status: 404, body: error(404) }, undefined, 'an unlisted path, 404');
  const allow = { ...json, allow: 'HEAD, GET' };
  assertChecked({ method: 'DELETE', url: '/things', status: 405, headers: allow, body: error(405) }, undefined, '405');
});

test('each departure from the document is a problem', () => {
  assertChecked({ status: 418 }, /status 418 is not documented/, 'an undocumented status');
  assertChecked({ url: '/nope' }, /status 200 is not documented/, 'a 200 on an unlisted path');
  assertChecked({ method: 'DELETE', url: '/things' }, /status 200 is not documented/, 'a method not listed');
  assertChecked({ url: '/healthz', status: 401, body: error(401) }, /status 401/, 'a token asked on a public path');
  assertChecked({ headers: { 'content-type': 'application/json' } }, /X-OpenStack-Request-ID is missing/, 'no id');
  assertChecked({ headers: { ...json, 'x-openstack-request-id': 'x' } }, /header X-OpenStack-Request-ID/, 'bad id');
  assertChecked({ status: 401, body: error(401) }, /WWW-Authenticate is missing/, 'a 401 without its challenge');
  assertChecked({ body: '{"names":[]}' }, /body/, 'a body of the wrong shape');
  assertChecked({ body: '[1]' }, /body \/0/, 'a name that is a number');
  assertChecked({ body: 'not json' }, /not JSON/, 'a body that is not JSON');
  assertChecked({ status: 502, body: error(502, { stack: 'at x' }) }, /additional/, 'an error with extra fields');
  assertChecked({ status: 502, body: '{"error":{"code":502}}' }, /body/, 'an error without title and message');
  assertChecked({ headers: { ...json, link: '<http://x>; rel="prev"' } }, /header Link/, 'a Link that is not next');
  assertChecked({ url: '/metrics' }, /content type "application\/json" is not documented/, 'metrics as JSON');
});

test("the service's own document is the default: a route it does not have is unlisted there", () => {
  assert.deepEqual(
    responseProblems(observed({ url: '/healthz', body: '{"status":"ok"}' })),
    [],
    "GET /healthz 200 conforms to the service's document",
  );
  assert.ok(
    responseProblems(observed({})).some((p) => p.includes('GET /things (unlisted): status 200 is not documented')),
    "GET /things is not in the service's own document",
  );
});
