// Auth plugins that answer from a service catalog given by the test, for the Adapter's tests (unit and over HTTP).
import type { AdapterOptions } from '../../src/keystoneauth/adapter.js';
import type { AuthPlugin, EndpointFilter } from '../../src/keystoneauth/plugin.js';
import { ServiceCatalog, type CatalogEntry } from '../../src/keystoneauth/service-catalog.js';

/** A plugin answering from a catalog of `entries`, recording every filter it is asked for. */
export function catalogPlugin(entries: CatalogEntry[]) {
  const catalog = new ServiceCatalog(entries);
  const filters: EndpointFilter[] = [];
  const plugin: AuthPlugin = {
    getHeaders: () => Promise.resolve({ 'X-Auth-Token': 'the-callers-token' }),
    getEndpoint: (_session, filter) => {
      filters.push(filter);
      return Promise.resolve(catalog.urlFor(filter));
    },
    invalidate: () => false,
  };
  return { plugin, filters };
}

/** One compute service in RegionOne and RegionTwo, public and internal, at `url` (or per endpoint). */
export const computeAt = (url: (iface: string, region: string) => string): CatalogEntry[] => [
  {
    type: 'compute',
    endpoints: ['RegionOne', 'RegionTwo'].flatMap((region) =>
      ['public', 'internal'].map((iface) => ({ interface: iface, region_id: region, region, url: url(iface, region) })),
    ),
  },
];

export const NOVA: AdapterOptions = { serviceType: 'compute', service: 'nova', displayName: 'compute service' };
