// The service's API as an OpenAPI 3.1 document: every route, its query parameters, and every response a caller
// can get, errors and headers included. Served at GET /openapi.json (openapi.ts). Here: the probes, /metrics,
// this document and what every route shares (the error responses, the request id); each other route writes its
// own part beside it (images-openapi.ts) from the route's own constants, so the two cannot drift.
// test/routes/openapi-document.unit.test.ts validates the document, and every response the end-to-end tests
// receive is checked against it (test/helpers/openapi.ts).
import { SERVICE_NAME, VERSION, type PackageInfo } from '../common/package-info.js';
import { imagesDocument } from './images-openapi.js';
import { ref, type DocumentPart, type JsonObject } from './openapi-parts.js';

export { ref, type DocumentPart, type Json, type JsonObject } from './openapi-parts.js';

const REQUEST_ID_PATTERN = '^req-[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';

const DESCRIPTION = `The names of the Glance images a caller can see, for a Keystone token.

Send a Keystone token in \`X-Auth-Token\`. It is validated with Keystone as keystonemiddleware's auth_token does;
a missing or bad token gets 401 with \`WWW-Authenticate: Keystone uri="..."\`. The probes, \`/metrics\` and this
document need no token.

Every response carries \`X-OpenStack-Request-ID\`; every error is JSON, \`{"error":{"code","title","message"},
"request_id"}\`, with the query \`parameter\` at fault on a 400 and \`upstream_request_id\` when an upstream service
answered. Paths also match in another case or with one trailing slash, but only the exact paths of the probes,
\`/metrics\` and this document are served without a token. Any path not listed here answers 401 without a valid
token and 404 with one; a method not listed answers 405 (or 501 for a method the server does not know).
Before a request reaches the service, Node's HTTP parser may answer 400, 408 or 431 without a body.`;

function schemas(): JsonObject {
  return {
    Error: {
      type: 'object',
      required: ['error', 'request_id'],
      additionalProperties: false,
      properties: {
        error: {
          type: 'object',
          required: ['code', 'title', 'message'],
          additionalProperties: false,
          properties: {
            code: { type: 'integer', minimum: 400, maximum: 599, description: 'The HTTP status.' },
            title: { type: 'string', description: 'The status reason phrase ("Bad Request").' },
            message: { type: 'string', description: 'What went wrong, for a person; never a stack trace.' },
            parameter: { type: 'string', minLength: 1, description: 'The query parameter at fault (400 only).' },
          },
        },
        request_id: ref('schemas', 'RequestId'),
        upstream_request_id: {
          type: 'string',
          description:
            'The request id the upstream service (Keystone, Glance...) gave the failed call, for the operator.',
        },
      },
    },
    RequestId: { type: 'string', pattern: REQUEST_ID_PATTERN, description: 'An OpenStack request id.' },
    Health: {
      type: 'object',
      required: ['status'],
      additionalProperties: false,
      properties: { status: { const: 'ok' } },
    },
    Readiness: readinessSchema(),
    OpenApiDocument: {
      type: 'object',
      required: ['openapi', 'info', 'paths'],
      properties: {
        openapi: { type: 'string', pattern: '^3\\.1\\.\\d+$' },
        info: { type: 'object' },
        paths: { type: 'object' },
      },
    },
  };
}

function readinessSchema(): JsonObject {
  return {
    type: 'object',
    required: ['status', 'checks'],
    additionalProperties: false,
    description:
      'Each check says only available, unavailable (an outage: fails readiness only when critical) or misconfigured (the service is set up wrong, e.g. Keystone refuses its credentials: always not ready); why goes to the log.',
    properties: {
      status: { enum: ['ready', 'not_ready', 'shutting_down'] },
      checks: {
        type: 'object',
        additionalProperties: {
          type: 'object',
          required: ['ok', 'detail', 'critical'],
          additionalProperties: false,
          properties: {
            ok: { type: 'boolean' },
            detail: { enum: ['available', 'unavailable', 'misconfigured'] },
            critical: { type: 'boolean', description: 'Whether a failure makes the replica not ready.' },
          },
        },
      },
    },
  };
}

function parameters(): JsonObject {
  return {
    requestId: {
      name: 'X-OpenStack-Request-ID',
      in: 'header',
      required: false,
      description:
        "The caller's global request id (oslo.middleware's): when well formed, sent on to the upstream services and logged as global_request_id; never the request's own id.",
      schema: ref('schemas', 'RequestId'),
    },
  };
}

function headers(): JsonObject {
  return {
    RequestId: {
      required: true,
      description:
        "The request's own id, made by this service: on every log line of the request, and sent on to the upstream services unless the caller sent a global request id.",
      schema: ref('schemas', 'RequestId'),
    },
    WwwAuthenticate: {
      required: true,
      description: 'Where to get a token: keystonemiddleware\'s challenge, `Keystone uri="<Keystone URL>"`.',
      schema: { type: 'string', pattern: 'Keystone uri="[^"]*"' },
    },
    RetryAfter: {
      required: false,
      description: 'Seconds to wait: sent when too many token validations were waiting and this one was shed.',
      schema: { type: 'string', pattern: '^[0-9]+$' },
    },
    Allow: { required: true, description: 'The methods this path answers.', schema: { type: 'string' } },
  };
}

function responses(): JsonObject {
  const error = (description: string, extra: JsonObject = {}): JsonObject => ({
    description,
    headers: { 'X-OpenStack-Request-ID': ref('headers', 'RequestId'), ...extra },
    content: { 'application/json': { schema: ref('schemas', 'Error') } },
  });
  return {
    BadRequest: error('A query parameter is unknown, repeated or invalid; `error.parameter` names it.'),
    Unauthorized: error('No token, or a token Keystone does not accept (malformed, expired, revoked, not allowed).', {
      'WWW-Authenticate': ref('headers', 'WwwAuthenticate'),
    }),
    Forbidden: error(
      'The upstream service refused access, or the token has no service catalog (use a project-scoped token).',
    ),
    NotFound: error('No such path (with a valid token), or /metrics when [server] metrics_enabled is off.'),
    MethodNotAllowed: error('The path does not answer this method.', { Allow: ref('headers', 'Allow') }),
    InternalServerError: error('A bug: the details are in the log under the request id.'),
    NotImplemented: error('The server does not know this method.'),
    BadGateway: error(
      "The upstream service failed, is unreachable, or the caller's catalog has no usable endpoint for it.",
    ),
    ServiceUnavailable: error(
      'Keystone is unavailable, too many token validations are waiting, or the upstream service rate limits.',
      {
        'Retry-After': ref('headers', 'RetryAfter'),
      },
    ),
    GatewayTimeout: error('The upstream service did not answer in time.'),
  };
}

function publicOperation(operationId: string, summary: string, ok: JsonObject, more: JsonObject = {}): JsonObject {
  return {
    operationId,
    summary,
    security: [],
    parameters: [ref('parameters', 'requestId')],
    responses: {
      '200': { headers: { 'X-OpenStack-Request-ID': ref('headers', 'RequestId') }, ...ok },
      ...more,
      '500': ref('responses', 'InternalServerError'),
    },
  };
}

function paths(): JsonObject {
  const json = (schema: string) => ({ content: { 'application/json': { schema: ref('schemas', schema) } } });
  return {
    '/healthz': {
      get: publicOperation('liveness', 'Liveness: the process answers.', { description: 'Alive.', ...json('Health') }),
    },
    '/readyz': {
      get: publicOperation(
        'readiness',
        'Readiness: whether this replica should get traffic.',
        { description: 'Ready.', ...json('Readiness') },
        {
          '503': {
            description: 'Not ready: shutting down, or a critical check fails.',
            headers: { 'X-OpenStack-Request-ID': ref('headers', 'RequestId') },
            ...json('Readiness'),
          },
        },
      ),
    },
    '/metrics': {
      get: publicOperation(
        'metrics',
        'Prometheus metrics.',
        { description: 'The text exposition format.', content: { 'text/plain': { schema: { type: 'string' } } } },
        { '404': ref('responses', 'NotFound') },
      ),
    },
    '/openapi.json': {
      get: publicOperation('openapi', 'This document.', {
        description: 'The OpenAPI 3.1 document.',
        ...json('OpenApiDocument'),
      }),
    },
  };
}

/**
 * The parts of the routes in appRouters (src/app.ts) beyond the probes and this document, each written beside
 * its route: a new route adds its own here.
 */
const ROUTE_PARTS: readonly (() => DocumentPart)[] = [imagesDocument];

/**
 * The document, titled and versioned as package.json says (common/package-info.ts). `more` adds the parts of
 * routes mounted outside createApp (the worked example in examples/projects).
 */
export function openApiDocument(
  { name, version }: PackageInfo = { name: SERVICE_NAME, version: VERSION },
  more: readonly DocumentPart[] = [],
): JsonObject {
  const parts = [...ROUTE_PARTS.map((part) => part()), ...more];
  const merged = (own: JsonObject, key: Exclude<keyof DocumentPart, 'paths'>): JsonObject =>
    Object.assign({}, own, ...parts.map((part) => part[key] ?? {})) as JsonObject;
  return {
    openapi: '3.1.0',
    info: {
      title: name,
      version,
      description: DESCRIPTION,
      license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
    },
    security: [{ keystoneToken: [] }, { keystoneToken: [], serviceToken: [] }],
    paths: Object.assign(paths(), ...parts.map((part) => part.paths)) as JsonObject,
    components: {
      securitySchemes: {
        keystoneToken: {
          type: 'apiKey',
          in: 'header',
          name: 'X-Auth-Token',
          description: "The caller's Keystone token, validated as keystonemiddleware's auth_token validates it.",
        },
        serviceToken: {
          type: 'apiKey',
          in: 'header',
          name: 'X-Service-Token',
          description: 'A service token beside the user token (service_token_roles), as keystonemiddleware takes it.',
        },
      },
      schemas: merged(schemas(), 'schemas'),
      parameters: merged(parameters(), 'parameters'),
      headers: merged(headers(), 'headers'),
      responses: responses(),
    },
  };
}
