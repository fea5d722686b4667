// Worked example (docs/forking.md): GET /projects in the OpenAPI document. A route of the service itself gets
// its path item in paths() of src/routes/openapi-document.ts; this one lives outside src/, so its test hands it
// to openApiDocument(info, morePaths). Its errors are the document's shared responses, written for any
// upstream service: a Keystone 502 reads as well as a Glance one.
import { ref, type JsonObject } from '../../src/routes/openapi-document.js';

const PROJECT: JsonObject = {
  type: 'object',
  required: ['id', 'name', 'domain_id'],
  additionalProperties: false,
  properties: { id: { type: 'string' }, name: { type: 'string' }, domain_id: { type: 'string' } },
};

export const PROJECTS_PATHS: JsonObject = {
  '/projects': {
    get: {
      operationId: 'listProjects',
      summary: "The caller's projects, as Keystone lists them for the caller's token.",
      parameters: [ref('parameters', 'requestId')],
      responses: {
        '200': {
          description: 'The projects the caller has a role on.',
          headers: { 'X-OpenStack-Request-ID': ref('headers', 'RequestId') },
          content: { 'application/json': { schema: { type: 'array', items: PROJECT } } },
        },
        '401': ref('responses', 'Unauthorized'),
        '403': ref('responses', 'Forbidden'),
        '500': ref('responses', 'InternalServerError'),
        '502': ref('responses', 'BadGateway'),
        '503': ref('responses', 'ServiceUnavailable'),
        '504': ref('responses', 'GatewayTimeout'),
      },
    },
  },
};
