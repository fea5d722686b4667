// keystoneauth's adapter options (keystoneauth1.loading.adapter) as a schema helper: the options an operator
// sets for a client of another OpenStack service, written once. A fork adding a [compute] group writes
// `compute: { ...adapterGroup({ serviceType: 'compute' }) }`; keystoneauth/conf.ts maps such a group to an
// Adapter's endpoint options. Only the options this project reads are here: the interface as one value (not
// valid_interfaces) and the region. No endpoint_override: an endpoint comes only from the caller's catalog, so a
// caller's token goes only where Keystone says the service is. Version, retries and timeouts are not per group: the
// client's code knows its API version, and [communication] sets the session's retries and deadlines.
import type { OptionSpec } from './schema.js';

/** Interfaces an endpoint may have, in keystoneauth's v3 spelling or v2's publicURL style. */
export const INTERFACES = ['public', 'internal', 'admin', 'publicURL', 'internalURL', 'adminURL'] as const;

export interface AdapterGroupDefaults {
  /** The catalog's service type, named in the docs ("image", "compute"). */
  serviceType: string;
  /** Default interface (public unless given). */
  interface?: (typeof INTERFACES)[number];
}

/** The adapter options of one group: interface and region_name. */
export function adapterGroup({ serviceType, interface: iface = 'public' }: AdapterGroupDefaults) {
  return {
    interface: {
      doc: `Interface of the ${serviceType} endpoint taken from the caller's catalog (publicURL style accepted).`,
      format: INTERFACES,
      default: iface,
    },
    region_name: {
      doc: `Region of the ${serviceType} endpoint; empty matches any.`,
      format: String,
      default: '',
    },
  } satisfies Record<string, OptionSpec>;
}
