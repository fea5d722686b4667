// keystonemiddleware's [keystone_authtoken] names that are not this service's options, so that a section
// copied from another service's configuration file loads: keystonemiddleware 13.0.0's
// keystonemiddleware/auth_token/_opts.py, the options it removed before, and keystoneauth's loading options
// that live in the same section (auth_type, auth_section and the password plugin's). The options both share
// (auth_url, username, user_domain_id, www_authenticate_uri, memcached_servers, ...) are in schema.ts under the
// same names.

/** Where an option lives here, for an upstream name that is a deprecated alias. */
export interface AliasTarget {
  group: string;
  key: string;
  /** Why the name moved, for the warning. */
  why: string;
}

const TLS = 'the TLS settings of every upstream call live with the session here, as keystoneauth has them';

/** Upstream names accepted in [keystone_authtoken], each with a warning naming its place here. */
export const AUTHTOKEN_ALIASES: Readonly<Record<string, AliasTarget>> = {
  cafile: { group: 'communication', key: 'cafile', why: TLS },
  certfile: { group: 'communication', key: 'certfile', why: TLS },
  keyfile: { group: 'communication', key: 'keyfile', why: TLS },
  insecure: { group: 'communication', key: 'insecure', why: TLS },
  memcache_servers: {
    group: 'keystone_authtoken',
    key: 'memcached_servers',
    why: "keystonemiddleware's own deprecated name",
  },
  auth_plugin: { group: 'keystone_authtoken', key: 'auth_type', why: "keystoneauth's own deprecated name" },
};

/**
 * keystonemiddleware options this service does not implement, ignored with one warning that lists them:
 * features it does not have (the Swift cache, token binding, PKI), memcached pool and transport settings its
 * own client does not use, and options keystonemiddleware itself no longer reads (removed in 13.0.0 or before,
 * and ignored there too).
 */
export const AUTHTOKEN_IGNORED: ReadonlySet<string> = new Set([
  // _opts.py, 13.0.0
  'auth_version',
  'http_connect_timeout', // a per-attempt timeout; `timeout` here bounds the whole validation (docs)
  'cache',
  'memcache_tls_enabled',
  'memcache_tls_cafile',
  'memcache_tls_certfile',
  'memcache_tls_keyfile',
  'memcache_tls_allowed_ciphers',
  'memcache_pool_dead_retry',
  'memcache_pool_maxsize',
  'memcache_pool_unused_timeout',
  'memcache_pool_conn_get_timeout',
  'memcache_use_advanced_pool',
  'enforce_token_bind',
  'memcache_sasl_enabled',
  'memcache_username',
  'memcache_password',
  // removed from keystonemiddleware: 13.0.0 (AuthTokenPlugin), PKI (7.0.0) and the revocation list (6.0.0)
  'auth_uri',
  'identity_uri',
  'auth_host',
  'auth_port',
  'auth_protocol',
  'auth_admin_prefix',
  'admin_token',
  'admin_user',
  'admin_password',
  'admin_tenant_name',
  'signing_dir',
  'hash_algorithms',
  'revocation_cache_time',
  'check_revocations_for_cached',
]);

/**
 * Upstream options that are refused although upstream has them: ignoring them would change who the service
 * authenticates as, or drop a protection the operator asked for. Each maps to what to do instead.
 * `whenTrue`: refused only when set to a true boolean (false is ignored like the options above).
 */
export const AUTHTOKEN_REFUSED: Readonly<Record<string, { instead: string; whenTrue?: boolean }>> = {
  // keystoneauth's loading option (loading/conf.py): the plugin's options from another section.
  auth_section: { instead: "set the service user's options in [keystone_authtoken] itself" },
  // The password plugin's options (keystoneauth1/loading/identity.py) beyond the ones schema.ts has.
  user_id: { instead: 'name the service user with username and user_domain_name (or user_domain_id)' },
  project_id: { instead: 'name the project with project_name and project_domain_name (or project_domain_id)' },
  domain_id: { instead: 'the service user scopes to a project (project_name)' },
  domain_name: { instead: 'the service user scopes to a project (project_name)' },
  system_scope: { instead: 'the service user scopes to a project (project_name)' },
  trust_id: { instead: 'the service user authenticates as itself, without a trust' },
  // keystoneauth's generic plugin fills both domains' IDs from it, and an ID beats a name: it would override
  // user_domain_name and project_domain_name without a word. No deployment tool we know of writes these two.
  default_domain_id: { instead: 'set user_domain_id and project_domain_id' },
  default_domain_name: { instead: 'set user_domain_name and project_domain_name' },
  memcache_tls_enabled: {
    instead: 'protect the entries with memcache_security_strategy ENCRYPT (TLS to memcached is not implemented)',
    whenTrue: true,
  },
  memcache_sasl_enabled: {
    instead: 'protect the entries with memcache_security_strategy MAC or ENCRYPT (SASL is not implemented)',
    whenTrue: true,
  },
};
