// What the OpenAPI document (openapi-document.ts) is made of, for the files that write a route's part of it
// beside the route (images-openapi.ts): JSON types, references to the shared components, query parameters.

/** A JSON value, as the document is written and served. */
export type Json = null | boolean | number | string | readonly Json[] | { readonly [key: string]: Json };
export type JsonObject = { readonly [key: string]: Json };

/** A route's part of the document: its path items, and the components only it uses. */
export interface DocumentPart {
  readonly paths: JsonObject;
  readonly parameters?: JsonObject;
  readonly schemas?: JsonObject;
  readonly headers?: JsonObject;
}

/** A reference to a component: `ref('responses', 'BadGateway')`, `ref('parameters', 'requestId')`. */
export const ref = (kind: string, name: string): JsonObject => ({ $ref: `#/components/${kind}/${name}` });

/** An optional query parameter. */
export function queryParameter(name: string, description: string, schema: JsonObject): JsonObject {
  return { name, in: 'query', required: false, description, schema };
}
