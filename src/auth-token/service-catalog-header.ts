// X-Service-Catalog exactly as keystonemiddleware writes it (_request.py, _normalize_catalog): the v3 catalog
// in the v2 shape services such as nova parse - per service its type, name and one entry per region with
// publicURL / internalURL / adminURL - serialized as Python's json.dumps does (", " and ": ", non-ASCII as
// \uXXXX, so the value is a valid HTTP header).
import type { ServiceCatalog } from '../keystoneauth/service-catalog.js';

type V2Endpoints = Record<string, string>;
interface V2Service {
  type: string;
  name?: string | null;
  endpoints: V2Endpoints[];
}

/** keystonemiddleware's v3 -> v2 conversion: endpoints grouped by their `region` (name), in first-seen order. */
export function toV2Catalog(catalog: ServiceCatalog): V2Service[] {
  return catalog.entries.map((entry) => {
    const regions = new Map<string | null | undefined, V2Endpoints>();
    for (const endpoint of entry.endpoints) {
      let region = regions.get(endpoint.region);
      if (region === undefined) {
        region = endpoint.region ? { region: endpoint.region } : {};
        regions.set(endpoint.region, region);
      }
      region[`${endpoint.interface.toLowerCase()}URL`] = endpoint.url;
    }
    // Key order is upstream's: type, name (when the v3 entry has one), endpoints.
    return entry.name !== undefined
      ? { type: entry.type, name: entry.name, endpoints: [...regions.values()] }
      : { type: entry.type, endpoints: [...regions.values()] };
  });
}

/** JSON as Python's json.dumps writes it by default. */
export function pythonJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string')
    return JSON.stringify(value).replace(
      /[\u007f-\uffff]/g,
      (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
    );
  if (typeof value === 'number' || typeof value === 'boolean') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(pythonJson).join(', ')}]`;
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
  return `{${entries.map(([k, v]) => `${pythonJson(k)}: ${pythonJson(v)}`).join(', ')}}`;
}

// The same string for every request with a given (cached) token: build it once per catalog.
const memo = new WeakMap<ServiceCatalog, string>();

/** The X-Service-Catalog value for a token's catalog. */
export function serviceCatalogHeader(catalog: ServiceCatalog): string {
  let value = memo.get(catalog);
  if (value === undefined) memo.set(catalog, (value = pythonJson(toV2Catalog(catalog))));
  return value;
}
