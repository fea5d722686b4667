// The OpenAPI document (src/routes/openapi-document.ts) as the contract every response in the tests must keep:
// its status documented for the route and method, its body matching the documented schema (ajv, JSON Schema
// 2020-12, as OpenAPI 3.1 uses), its required headers present and well formed.
//
// A service the tests run in this process is watched from its own server (watchResponses; startApp in
// service.ts does it): every response is checked as it is sent, whatever client asked, and a problem fails the
// test that was running (this module adds one afterEach to every test file that imports it) or, sooner, the
// getJson call that received it. A service in a child process is checked by the client (assertDocumented).
import assert from 'node:assert/strict';
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach } from 'node:test';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { openApiDocument, type Json, type JsonObject } from '../../src/routes/openapi-document.js';

/** One response as the server sent it or the client received it. */
export interface ObservedResponse {
  method: string;
  /** The request target or the full URL: only the path counts. */
  url: string;
  status: number;
  headers: Headers | Record<string, string | string[] | number | undefined>;
  /** The body as text; undefined when it was too large to keep (then status and headers are checked). */
  body: string | undefined;
}

interface HeaderObject {
  required?: boolean;
  schema?: JsonObject;
}
interface ResponseObject {
  headers?: Record<string, HeaderObject>;
  content?: Record<string, { schema: JsonObject }>;
}
interface Operation {
  security?: readonly unknown[];
  responses: Record<string, ResponseObject>;
}

/** The document with every `$ref` replaced by what it points at (the document has no cycles). */
function dereference(document: JsonObject): JsonObject {
  const resolve = (node: Json): Json => {
    if (Array.isArray(node)) return node.map(resolve);
    if (node === null || typeof node !== 'object') return node;
    const object = node as JsonObject;
    if (typeof object.$ref === 'string') {
      assert.ok(object.$ref.startsWith('#/'), `a local reference: ${object.$ref}`);
      const target = object.$ref
        .slice(2)
        .split('/')
        .reduce<Json | undefined>((at, key) => (at as JsonObject | undefined)?.[key], document);
      assert.ok(target !== undefined, `${object.$ref} points at something`);
      return resolve(target);
    }
    return Object.fromEntries(Object.entries(object).map(([key, value]) => [key, resolve(value)]));
  };
  return resolve(document) as JsonObject;
}

export const DOCUMENT = openApiDocument();

/** `METHOD /path` of every route the routers serve (HEAD, which GET implies, left out), sorted. */
export function routesOf(
  routers: readonly { stack: readonly { path: string | RegExp; methods: readonly string[] }[] }[],
): string[] {
  return routers
    .flatMap((r) =>
      r.stack.flatMap((layer) => layer.methods.filter((m) => m !== 'HEAD').map((m) => `${m} ${String(layer.path)}`)),
    )
    .sort();
}

/** `METHOD /path` of every operation `document` lists, sorted. */
export function operationsOf(document: JsonObject): string[] {
  return Object.entries(document.paths as Record<string, JsonObject>)
    .flatMap(([path, item]) => Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`))
    .sort();
}

/** A document's paths and shared responses, dereferenced once. */
interface Contract {
  paths: Record<string, Record<string, Operation>>;
  responses: Record<string, ResponseObject>;
}
const contracts = new WeakMap<JsonObject, Contract>();
function contractOf(document: JsonObject): Contract {
  let contract = contracts.get(document);
  if (!contract) {
    const resolved = dereference(document) as unknown as {
      paths: Contract['paths'];
      components: { responses: Contract['responses'] };
    };
    contract = { paths: resolved.paths, responses: resolved.components.responses };
    contracts.set(document, contract);
  }
  return contract;
}

const ajv = new Ajv2020({ strict: true, allErrors: true, allowUnionTypes: true });
// RFC 4122's textual form, any version: the checker needs no module of the service for it.
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
ajv.addFormat('uuid', { type: 'string', validate: (value: string) => UUID.test(value) });
const compiled = new Map<string, ValidateFunction>();
function validator(schema: JsonObject): ValidateFunction {
  const key = JSON.stringify(schema);
  let validate = compiled.get(key);
  if (!validate) compiled.set(key, (validate = ajv.compile(schema)));
  return validate;
}

/** Errors of `value` against `schema`, as text; empty when it matches. */
export function schemaProblems(schema: JsonObject, value: unknown): string[] {
  const validate = validator(schema);
  if (validate(value)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || '(root)'} ${e.message ?? 'is invalid'}`);
}

// What a request the document lists no operation for may get: auth_token runs before routing.
const UNLISTED_PATH = { 401: 'Unauthorized', 404: 'NotFound', 500: 'InternalServerError', 503: 'ServiceUnavailable' };
const UNLISTED_METHOD = {
  401: 'Unauthorized',
  405: 'MethodNotAllowed',
  500: 'InternalServerError',
  501: 'NotImplemented',
  503: 'ServiceUnavailable',
};
/** The responses documented for this request, and what to call it in a message. */
function documented(
  { paths, responses: shared }: Contract,
  method: string,
  path: string,
): { responses: Record<string, ResponseObject>; what: string } {
  const fromComponents = (statuses: Record<number, string>): Record<string, ResponseObject> =>
    Object.fromEntries(Object.entries(statuses).map(([status, name]) => [status, shared[name]!]));
  // The routers match regardless of case and of one trailing slash; auth_token's public paths only exactly.
  const folded = path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
  const template = Object.keys(paths).find((p) => p.toLowerCase() === folded.toLowerCase());
  if (template === undefined) return { responses: fromComponents(UNLISTED_PATH), what: `${method} ${path} (unlisted)` };
  const operation = paths[template]![method === 'HEAD' ? 'get' : method.toLowerCase()];
  if (operation === undefined)
    return { responses: fromComponents(UNLISTED_METHOD), what: `${method} ${template} (method not listed)` };
  const publicOperation = operation.security !== undefined && operation.security.length === 0;
  if (publicOperation && template !== path) {
    const needsToken = fromComponents({ 401: 'Unauthorized', 503: 'ServiceUnavailable' });
    return { responses: { ...operation.responses, ...needsToken }, what: `${method} ${path} (as ${template})` };
  }
  return { responses: operation.responses, what: `${method} ${template}` };
}

function headerOf(headers: ObservedResponse['headers'], name: string): string | undefined {
  if (headers instanceof Headers) return headers.get(name) ?? undefined;
  const value = headers[name.toLowerCase()];
  if (value === undefined) return undefined;
  return Array.isArray(value) ? value.join(', ') : String(value);
}

/** Everything in `r` that the document (the service's, unless given) does not allow; empty when it conforms. */
export function responseProblems(r: ObservedResponse, document: JsonObject = DOCUMENT): string[] {
  const path = new URL(r.url, 'http://service.invalid').pathname;
  const { responses, what } = documented(contractOf(document), r.method, path);
  const response = responses[String(r.status)];
  if (response === undefined) {
    return [`${what}: status ${r.status} is not documented (documented: ${Object.keys(responses).join(', ')})`];
  }
  const problems: string[] = [];
  for (const [name, header] of Object.entries(response.headers ?? {})) {
    const value = headerOf(r.headers, name);
    if (value === undefined) {
      if (header.required) problems.push(`${what} ${r.status}: required header ${name} is missing`);
    } else if (header.schema) {
      for (const p of schemaProblems(header.schema, value)) problems.push(`${what} ${r.status}: header ${name} ${p}`);
    }
  }
  if (response.content === undefined || r.method === 'HEAD' || r.body === undefined) return problems;
  const type = (headerOf(r.headers, 'content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  const media = response.content[type];
  if (media === undefined) return [...problems, `${what} ${r.status}: content type "${type}" is not documented`];
  let body: unknown = r.body;
  if (type === 'application/json') {
    try {
      body = JSON.parse(r.body);
    } catch {
      return [...problems, `${what} ${r.status}: the body is not JSON: ${r.body.slice(0, 80)}`];
    }
  }
  for (const p of schemaProblems(media.schema, body)) problems.push(`${what} ${r.status}: body ${p}`);
  return problems;
}

/** Fail at once unless `r` conforms to the document (for a service the test runs in a child process). */
export function assertDocumented(r: ObservedResponse): void {
  const problems = responseProblems(r);
  assert.deepEqual(problems, [], `the response must be one the OpenAPI document describes:\n${problems.join('\n')}`);
}

// Problems of responses sent by watched servers, not yet reported.
const pending: string[] = [];
const watchedOrigins = new Set<string>();

/** Fail now if a watched server sent a response the document does not describe since the last check. */
export function throwIfUndocumented(): void {
  const problems = pending.splice(0);
  assert.deepEqual(problems, [], `responses the OpenAPI document does not describe:\n${problems.join('\n')}`);
}

afterEach(throwIfUndocumented);

/** Whether `url` is served by a server watched in this process (its responses are checked as they are sent). */
export function isWatched(url: string): boolean {
  return watchedOrigins.has(new URL(url).origin);
}

/** Largest body kept for checking; a larger one is checked for status and headers only. */
const MAX_BODY = 16 * 1024 * 1024;

/**
 * Check every response `server` (listening) sends, at the moment it is sent, against `document` (the service's,
 * or one with the parts of routes mounted beside it: openApiDocument's `more`).
 */
export function watchResponses(server: http.Server, document: JsonObject = DOCUMENT): void {
  const { port } = server.address() as AddressInfo;
  watchedOrigins.add(`http://127.0.0.1:${port}`);
  server.prependListener('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const keep = (chunk: unknown, encoding: unknown) => {
      if (typeof chunk !== 'string' && !(chunk instanceof Uint8Array)) return;
      const buffer =
        typeof chunk === 'string' ? Buffer.from(chunk, (encoding as BufferEncoding | undefined) ?? 'utf8') : chunk;
      size += buffer.length;
      if (size <= MAX_BODY) chunks.push(Buffer.from(buffer));
    };
    const write = res.write.bind(res) as (...args: unknown[]) => boolean;
    res.write = ((...args: unknown[]) => (keep(args[0], args[1]), write(...args))) as typeof res.write;
    const end = res.end.bind(res) as (...args: unknown[]) => http.ServerResponse;
    res.end = ((...args: unknown[]) => {
      // A client that hung up gets nothing (the 499 is only logged): there is no response to check.
      if (res.destroyed) return end(...args);
      if (typeof args[0] !== 'function') keep(args[0], args[1]);
      const observed = {
        method: req.method ?? 'GET',
        url: req.url ?? '/',
        status: res.statusCode,
        headers: res.getHeaders(),
        body: size > MAX_BODY ? undefined : Buffer.concat(chunks).toString('utf8'),
      };
      try {
        pending.push(...responseProblems(observed, document));
      } catch (err) {
        // A fault of this checker must fail the test, not turn the response into a 500.
        pending.push(`checking ${observed.method} ${observed.url}: ${(err as Error).message}`);
      }
      return end(...args);
    }) as typeof res.end;
  });
}
