// Settings that are valid but weaken the service or have no effect: the start goes on, and each is logged at
// every start (server.ts), so that it cannot be forgotten in a deployment. Pure: the caller logs.
import { envVarName, schema, type Config } from './schema.js';

/** One line per risky setting, each beginning with its key and naming its env var. */
export function configWarnings(config: Config): string[] {
  const warnings: string[] = [];
  if (config.communication.insecure) {
    warnings.push(
      `communication.insecure: TLS certificates of Keystone and Glance are not verified, so whoever can intercept the connection reads tokens and the service password (env ${envVarName('communication', 'insecure')})`,
    );
  }
  warnings.push(...domainWarnings(config.keystone_authtoken), ...memcacheWarnings(config.keystone_authtoken));
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
