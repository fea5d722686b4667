// Worked example (docs/forking.md): GET /projects's part of the OpenAPI document, written beside the route as
// src/routes/images-openapi.ts is. A route of the service adds its part to ROUTE_PARTS in
// src/routes/openapi-document.ts; this one lives outside src/, so its test hands it to startApp (openApiDocument's
// `more`). Its errors are the document's shared responses, written for any upstream service: a Keystone 502
// reads as well as a Glance one.
import { ref, type DocumentPart, type JsonObject } from '../../src/routes/openapi-parts.js';

const PROJECT: JsonObject = {
  type: 'object',
  required: ['id', 'name', 'domain_id'],
  additionalProperties: false,
  properties: { id: { type: 'string' }, name: { type: 'string' }, domain_id: { type: 'string' } },
};

export const PROJECTS_DOCUMENT: DocumentPart = {
  paths: {
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
  },
};
