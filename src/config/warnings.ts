// Settings that are valid but weaken the service or have no effect: the start goes on, and each is logged at
// every start (server.ts), so that it cannot be forgotten in a deployment. Pure: the caller logs.
import net from 'node:net';
import { describeOptions, envVarName, schema, type Config } from './schema.js';

/** One line per risky setting, each beginning with its key and naming its env var. */
export function configWarnings(config: Config): string[] {
  const warnings: string[] = [];
  if (config.communication.insecure) {
    warnings.push(
      `communication.insecure: TLS certificates of Keystone and Glance are not verified, so whoever can intercept the connection reads tokens and the service password (env ${envVarName('communication', 'insecure')})`,
    );
  }
  warnings.push(
    ...domainWarnings(config.keystone_authtoken),
    ...memcacheWarnings(config.keystone_authtoken),
    ...proxyWarnings(config.server.trusted_proxies),
    ...secretWarnings(config),
  );
  return warnings;
}

/** A domain name other than the default beside a domain ID: keystoneauth sends the ID only, so the name is unused. */
function domainWarnings(ka: Config['keystone_authtoken']): string[] {
  return (['user', 'project'] as const).flatMap((owner) => {
    const nameKey = `${owner}_domain_name` as const;
    const idKey = `${owner}_domain_id` as const;
    if (ka[idKey] === '' || ka[nameKey] === schema.keystone_authtoken[nameKey].default) return [];
    return [
      `keystone_authtoken.${nameKey}: set to "${ka[nameKey]}", but ${idKey} ("${ka[idKey]}") is set too and is what Keystone gets, as with keystoneauth (env ${envVarName('keystone_authtoken', nameKey)})`,
    ];
  });
}

function memcacheWarnings(ka: Config['keystone_authtoken']): string[] {
  const warnings: string[] = [];
  const unprotected = ka.memcached_servers.length > 0 && ka.memcache_security_strategy === 'None';
  if (ka.memcache_allow_unprotected) {
    warnings.push(
      unprotected
        ? `keystone_authtoken.memcache_allow_unprotected: token cache entries in memcached are neither authenticated nor encrypted, so whoever can write to memcached can pose as any user (env ${envVarName('keystone_authtoken', 'memcache_allow_unprotected')})`
        : `keystone_authtoken.memcache_allow_unprotected: set, but has no effect (it only allows memcached_servers with memcache_security_strategy None) (env ${envVarName('keystone_authtoken', 'memcache_allow_unprotected')})`,
    );
  }
  if (ka.memcache_secret_key !== '' && ka.memcache_security_strategy === 'None') {
    warnings.push(
      `keystone_authtoken.memcache_secret_key: set, but memcache_security_strategy is None, so the key is not used and memcached entries are not protected (env ${envVarName('keystone_authtoken', 'memcache_security_strategy')})`,
    );
  }
  return warnings;
}

/**
 * A trusted proxy range wider than an IPv4 /8 or an IPv6 /32 (0.0.0.0/0 and ::/0 included) holds clients, not
 * just proxies: every client in it can write X-Forwarded-For and be counted as anyone (SECURITY.md, known limits).
 * An IPv4-mapped IPv6 range (::ffff:0:0/96 and within) counts as the IPv4 range it maps.
 */
function proxyWarnings(entries: readonly string[]): string[] {
  const wide = entries.filter((entry) => {
    const [address = '', prefix] = entry.split('/');
    if (prefix === undefined) return false;
    const bits = Number(prefix);
    if (net.isIPv4(address)) return bits < 8;
    const mapped = /^::ffff:/i.test(address) && bits >= 96;
    return mapped ? bits - 96 < 8 : bits < 32;
  });
  if (wide.length === 0) return [];
  return [
    `server.trusted_proxies: ${wide.join(', ')} wider than an IPv4 /8 or an IPv6 /32: every client in such a range is believed when it writes X-Forwarded-For, and can be counted as any client; list the proxies' own addresses (env ${envVarName('server', 'trusted_proxies')})`,
  ];
}

/** A secret is taken as written (load.ts): surrounding whitespace is likely a paste error, said without the value. */
function secretWarnings(config: Config): string[] {
  const values: Readonly<Record<string, Readonly<Record<string, unknown>>>> = config;
  return describeOptions().flatMap((option) => {
    const value = values[option.group]?.[option.key];
    if (!option.sensitive || typeof value !== 'string' || value.trim() === value) return [];
    return [
      `${option.group}.${option.key}: starts or ends with whitespace, which is kept as part of the secret (env ${option.env})`,
    ];
  });
}
