// Endpoint lookup in a Keystone v3 catalog, as keystoneauth's ServiceCatalogV3 does it: by service type
// (with the official aliases), interface preferences and region.
import { EmptyCatalogError, EndpointNotFoundError, ProtocolError } from './errors.js';
import { contentHash, estimatedHeapBytes } from './interner.js';
import type { EndpointFilter } from './plugin.js';

export interface CatalogEndpoint {
  readonly id?: string;
  readonly interface: string;
  readonly region?: string | null;
  readonly region_id?: string | null;
  readonly url: string;
}

export interface CatalogEntry {
  readonly id?: string;
  readonly type: string;
  readonly name?: string | null;
  readonly endpoints: readonly CatalogEndpoint[];
}

/**
 * Throws a ProtocolError unless `value` has the shape of Keystone's v3 catalog in every field this code reads
 * (lookups, X-Service-Catalog): a list of {type, name?, endpoints: [{interface, url, region?, region_id?}]}, each
 * of the types Keystone sends. Checked once, when a token is parsed, so that no lookup or header meets a null, a
 * number or an object where a string belongs (a 500 before).
 */
export function assertCatalog(value: unknown): asserts value is readonly CatalogEntry[] {
  if (!Array.isArray(value)) throw badCatalog('token.catalog is not a list');
  value.forEach((entry: unknown, i) => {
    const at = `token.catalog[${i}]`;
    if (!isObject(entry)) throw badCatalog(`${at} is not an object`);
    if (typeof entry.type !== 'string') throw badCatalog(`${at}.type is not a string`);
    if (!isOptionalString(entry.name)) throw badCatalog(`${at}.name is not a string`);
    if (!Array.isArray(entry.endpoints)) throw badCatalog(`${at}.endpoints is not a list`);
    entry.endpoints.forEach((endpoint: unknown, j) => {
      const where = `${at}.endpoints[${j}]`;
      if (!isObject(endpoint)) throw badCatalog(`${where} is not an object`);
      for (const key of ['interface', 'url'] as const)
        if (typeof endpoint[key] !== 'string') throw badCatalog(`${where}.${key} is not a string`);
      for (const key of ['region', 'region_id'] as const)
        if (!isOptionalString(endpoint[key])) throw badCatalog(`${where}.${key} is not a string`);
    });
  });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A string, or absent (undefined or null, as Keystone writes an unset region). */
function isOptionalString(value: unknown): boolean {
  return value === undefined || value === null || typeof value === 'string';
}

function badCatalog(what: string): ProtocolError {
  return new ProtocolError(`Keystone sent a token whose ${what}`, { service: 'keystone' });
}

// From OpenStack's service-types-authority: the official type first, then the historical aliases.
const ALIAS_GROUPS: readonly (readonly string[])[] = [
  ['block-storage', 'volumev3', 'volumev2', 'volume', 'block-store'],
  ['shared-file-system', 'sharev2', 'share'],
  ['container-infrastructure-management', 'container-infrastructure', 'container-infra'],
  ['baremetal', 'bare-metal'],
  ['clustering', 'cluster'],
  ['load-balancer'],
  ['workflow', 'workflowv2'],
];

function typesFor(serviceType: string): readonly string[] {
  return ALIAS_GROUPS.find((group) => group.includes(serviceType)) ?? [serviceType];
}

/** "publicURL" (v2 style) -> "public". */
export function normalizeInterface(value: string): string {
  return value.endsWith('URL') ? value.slice(0, -3) : value;
}

/** A catalog's content identity, when its builder already knows it (interning computes both). */
export interface CatalogIdentity {
  /** SHA-256 of the entries' JSON: the same for every token that carries this catalog. */
  contentHash: string;
  /** Estimated heap bytes of the entries. */
  approxBytes: number;
}

/** The content identity of catalog entries (what interning keys them by). */
export function catalogIdentity(entries: readonly CatalogEntry[]): CatalogIdentity {
  const json = JSON.stringify(entries);
  return { contentHash: contentHash(json), approxBytes: estimatedHeapBytes(json.length) };
}

// Each catalog under its own entries array: entries handed back whole (a shared catalog read back from a
// cache, or a token's `body`) find their catalog without being serialized and hashed again.
const byEntries = new WeakMap<readonly CatalogEntry[], ServiceCatalog>();

export class ServiceCatalog {
  readonly entries: readonly CatalogEntry[];
  // Every request with a cached token asks the same question: remember the answers (once per distinct
  // catalog when tokens share it).
  private readonly found = new Map<string, string>();
  private identity: CatalogIdentity | undefined;

  constructor(entries: readonly CatalogEntry[] | undefined, identity?: CatalogIdentity) {
    // Frozen: a catalog may be shared by many tokens (and the empty one by all tokens without a catalog).
    this.entries = Object.freeze(entries ? [...entries] : []);
    this.identity = identity;
    byEntries.set(this.entries, this);
  }

  /** The catalog whose `entries` this array is, if it is one. */
  static owning(entries: readonly CatalogEntry[]): ServiceCatalog | undefined {
    return byEntries.get(entries);
  }

  /** SHA-256 of the entries' JSON (the shared memcached stores a catalog once, under it). */
  get contentHash(): string {
    return this.knownIdentity().contentHash;
  }

  /** Estimated heap bytes of the entries (the token cache counts it once per distinct catalog). */
  get approxBytes(): number {
    return this.knownIdentity().approxBytes;
  }

  private knownIdentity(): CatalogIdentity {
    return (this.identity ??= catalogIdentity(this.entries));
  }

  get isEmpty(): boolean {
    return this.entries.length === 0;
  }

  /** The URL of the first endpoint matching the filter, in interface-preference order. */
  urlFor(filter: EndpointFilter): string {
    if (this.isEmpty) {
      throw new EmptyCatalogError('the token has no service catalog (unscoped token, or validated without a catalog)');
    }
    const interfaces = (
      typeof filter.interface === 'string' ? [filter.interface] : (filter.interface ?? ['public'])
    ).map(normalizeInterface);
    const region = filter.regionName ?? '';
    const key = `${filter.serviceType}|${interfaces.join(',')}|${region}`;
    let url = this.found.get(key);
    if (url === undefined) {
      url = this.lookup(filter.serviceType, interfaces, region);
      this.found.set(key, url);
    }
    return url;
  }

  private lookup(serviceType: string, interfaces: readonly string[], region: string): string {
    const types = typesFor(serviceType);
    const candidates = this.entries
      .filter((entry) => types.includes(entry.type))
      .flatMap((entry) => entry.endpoints)
      .filter((ep) => region === '' || ep.region_id === region || ep.region === region);
    const where = region === '' ? '' : ` in region ${region}`;
    for (const wanted of interfaces) {
      const hit = candidates.find((ep) => normalizeInterface(ep.interface) === wanted);
      if (hit === undefined) continue;
      // Anything else would be taken for a path, or dialled as a scheme undici does not speak: "cannot be reached".
      if (!/^https?:\/\//i.test(hit.url) || !URL.canParse(hit.url))
        throw new EndpointNotFoundError(`${wanted} endpoint for ${serviceType} service${where} is not an http(s) URL`);
      return hit.url;
    }
    throw new EndpointNotFoundError(`${interfaces.join(' or ')} endpoint for ${serviceType} service${where} not found`);
  }
}
