// keystonemiddleware's identity headers: the names a caller could forge, their removal from every view of the
// request a route can read, and the values a validated token gives them.
import { IncomingMessage } from 'node:http';
import type { TokenSubject } from '../keystoneauth/access-info.js';

const IDENTITY_SUFFIXES = [
  'Domain-Id',
  'Domain-Name',
  'Project-Id',
  'Project-Name',
  'Project-Domain-Id',
  'Project-Domain-Name',
  'User-Id',
  'User-Name',
  'User-Domain-Id',
  'User-Domain-Name',
  'Roles',
];

/** Upstream's deprecated names, still set for old consumers: alias -> the header it copies. */
const DEPRECATED_ALIASES: readonly (readonly [string, string])[] = [
  ['x-role', 'x-roles'],
  ['x-user', 'x-user-name'],
  ['x-tenant-id', 'x-project-id'],
  ['x-tenant-name', 'x-project-name'],
  // Upstream's docstring says the project id; its code copies the name, and the code is what services see.
  ['x-tenant', 'x-project-name'],
];

/** Every header a caller could forge to pose as someone (keystonemiddleware's list, plus OpenStack-System-Scope). */
export const SPOOFABLE_HEADERS: readonly string[] = [
  'X-Identity-Status',
  'X-Service-Identity-Status',
  'X-Service-Catalog',
  'X-Is-Admin-Project',
  ...IDENTITY_SUFFIXES.flatMap((s) => [`X-${s}`, `X-Service-${s}`]),
  ...DEPRECATED_ALIASES.map(([alias]) => alias),
  // keystonemiddleware sets it from system-scoped tokens but forgets to strip it.
  'OpenStack-System-Scope',
].map((h) => h.toLowerCase());
const SPOOFABLE = new Set(SPOOFABLE_HEADERS);

/**
 * Whether a lower-case header name is a spoofable one in any spelling: `_` for any `-` (`x_roles`, `x-user_id`).
 * WSGI keys them all as HTTP_X_ROLES, so upstream's removal takes every spelling at once; Node keeps them apart,
 * and a fork that reads `x_roles`, or a proxy or framework that maps `_` to `-`, would see a forged one.
 * Stripped, not refused with 400: that is upstream's outcome and what nginx (underscores_in_headers off) and
 * gunicorn (header_map drop) do by default, and a 400 would refuse requests upstream serves. Other names with
 * `_` are not ours to judge and stay.
 */
export function isSpoofable(name: string): boolean {
  return SPOOFABLE.has(name) || (name.includes('_') && SPOOFABLE.has(name.replaceAll('_', '-')));
}

function deleteSpoofable(headers: NodeJS.Dict<unknown>): void {
  for (const name of Object.keys(headers)) if (isSpoofable(name)) delete headers[name];
}

type Accessor = PropertyDescriptor & {
  get(this: IncomingMessage): unknown;
  set(this: IncomingMessage, v: unknown): void;
};

function nodeAccessor(name: 'headersDistinct' | 'trailers' | 'trailersDistinct'): Accessor {
  const own = Object.getOwnPropertyDescriptor(IncomingMessage.prototype, name);
  if (own?.get === undefined || own.set === undefined)
    throw new Error(`node:http IncomingMessage has no ${name} accessor`);
  return own as Accessor;
}

/**
 * An own accessor over Node's lazy one. Node parses the value from rawHeaders / rawTrailers (the wire) on first
 * read and keeps it; this cleans it on every read (a loop over a few keys), so it is right whether Node parsed it
 * before the middleware ran or after, and it follows what req.headers holds at the time of the read.
 */
function cleaned(
  name: 'headersDistinct' | 'trailers' | 'trailersDistinct',
  clean: (req: IncomingMessage, v: NodeJS.Dict<unknown>) => void,
): PropertyDescriptor {
  const node = nodeAccessor(name);
  return {
    configurable: true,
    enumerable: false,
    get(this: IncomingMessage) {
      const value = node.get.call(this) as NodeJS.Dict<unknown>;
      clean(this, value);
      return value;
    },
    set(this: IncomingMessage, value: unknown) {
      node.set.call(this, value);
    },
  };
}

// headersDistinct: no forged value, and the middleware's values as req.headers holds them.
const HEADERS_DISTINCT = cleaned('headersDistinct', (req, distinct) => {
  deleteSpoofable(distinct);
  for (const [name, value] of Object.entries(req.headers))
    if (typeof value === 'string' && SPOOFABLE.has(name)) distinct[name] = [value];
});
// Trailers come after the body, long after the middleware ran: never identity, so nothing spoofable is kept.
const TRAILERS = cleaned('trailers', (_req, trailers) => deleteSpoofable(trailers));
const TRAILERS_DISTINCT = cleaned('trailersDistinct', (_req, trailers) => deleteSpoofable(trailers));

/**
 * keystonemiddleware's remove_auth_headers, for every view a route reads: req.headers (which Koa's ctx.headers,
 * ctx.request.headers and ctx.get() read) loses every spoofable name in every spelling, and req.headersDistinct,
 * req.trailers and req.trailersDistinct, which Node computes from the wire when first read, are made to agree
 * with it. rawHeaders and rawTrailers stay the wire: never read identity from them. About 0.3 us a request
 * (the accessor; measured on Node 20 and 24), 0.1% of a request's CPU.
 */
export function stripSpoofableHeaders(req: IncomingMessage): void {
  deleteSpoofable(req.headers);
  Object.defineProperty(req, 'headersDistinct', HEADERS_DISTINCT);
  // Only a chunked body has trailers: the two accessors are not worth their cost on other requests.
  if (req.headers['transfer-encoding'] !== undefined) {
    Object.defineProperty(req, 'trailers', TRAILERS);
    Object.defineProperty(req, 'trailersDistinct', TRAILERS_DISTINCT);
  }
}

export type HeaderList = readonly (readonly [string, string])[];

// The same headers for every request of a user in one scope: built once per (shared) token subject.
const userHeaders = new WeakMap<TokenSubject, HeaderList>();
const serviceHeaders = new WeakMap<TokenSubject, HeaderList>();

/**
 * The identity headers a token gives the request: X-User-Id ... X-Roles under `prefix`; for the user token also
 * X-Is-Admin-Project, OpenStack-System-Scope and upstream's deprecated aliases.
 */
export function identityHeaders(subject: TokenSubject, prefix: 'x-' | 'x-service-'): HeaderList {
  const memo = prefix === 'x-' ? userHeaders : serviceHeaders;
  let list = memo.get(subject);
  if (list !== undefined) return list;
  const values: Record<string, string | undefined> = {
    'user-id': subject.userId,
    'user-name': subject.userName,
    'user-domain-id': subject.userDomainId,
    'user-domain-name': subject.userDomainName,
    'project-id': subject.projectId,
    'project-name': subject.projectName,
    'project-domain-id': subject.projectDomainId,
    'project-domain-name': subject.projectDomainName,
    'domain-id': subject.domainId,
    'domain-name': subject.domainName,
    roles: subject.roleNames.join(','),
  };
  const out: [string, string][] = [];
  for (const [name, value] of Object.entries(values)) if (value !== undefined) out.push([`${prefix}${name}`, value]);
  if (prefix === 'x-') {
    if (subject.systemAll) out.push(['openstack-system-scope', 'all']);
    out.push(['x-is-admin-project', subject.isAdminProject ? 'True' : 'False']);
    const set = new Map(out);
    for (const [alias, source] of DEPRECATED_ALIASES) {
      const value = set.get(source);
      if (value !== undefined) out.push([alias, value]);
    }
  }
  list = Object.freeze(out.map((pair) => Object.freeze(pair)));
  memo.set(subject, list);
  return list;
}
