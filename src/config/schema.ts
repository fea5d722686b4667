// The service's one convict schema and the types it validates to. Groups carry oslo.config's names
// (keystone_authtoken, communication, ...) so that OpenStack operators recognise every option, and environment
// variables follow oslo.config's own convention: OS_<GROUP>__<OPTION>.
import { SERVICE_NAME, VERSION } from '../common/package-info.js';
import { adapterGroup } from './adapter-group.js';
import { optionRange } from './formats.js';

/** One option as this project writes it; an enum's `format` is a literal tuple (`[...] as const`). */
export interface OptionSpec {
  doc: string;
  format: unknown;
  default: unknown;
  sensitive?: boolean;
  /** A numeric option's bounds, inclusive, where they are narrower than its format's (formats.ts). */
  min?: number;
  max?: number;
}

/** A schema grouped like oslo.config: group, then option (the mocks' schema is one too). */
export type GroupedSchema = Record<string, Record<string, OptionSpec>>;

/** The service's options. */
export const schema = {
  server: {
    host: { doc: 'Address to listen on.', format: String, default: '127.0.0.1' },
    port: { doc: 'TCP port to listen on (0 picks a free port).', format: 'port', default: 8080 },
    keep_alive_timeout: {
      doc: 'Seconds an idle client keep-alive connection stays open.',
      format: 'positive-seconds',
      default: 5,
    },
    headers_timeout: {
      doc: 'Seconds a client may take to send the request headers (slowloris guard).',
      format: 'positive-seconds',
      default: 10,
    },
    request_timeout: {
      doc: 'Seconds a client may take to send a whole request.',
      format: 'positive-seconds',
      default: 60,
    },
    max_header_size: {
      doc: 'Largest request header block in bytes; larger requests get 431.',
      format: 'positive-int',
      default: 16384,
      max: 1048576,
    },
    shutdown_grace: {
      doc: 'Seconds in-flight requests get to finish after SIGTERM; then their upstream calls are abandoned and their connections closed, and the process exits within 5 s more.',
      format: 'seconds',
      default: 15,
    },
    metrics_enabled: { doc: 'Serve Prometheus metrics at /metrics.', format: Boolean, default: true },
    metrics_port: {
      doc: 'TCP port of a listener of its own for /metrics, on the same host; the API port then no longer serves /metrics, and this one serves nothing else (0 picks a free port). -1 serves /metrics on the API port.',
      format: 'optional-port',
      default: -1,
    },
    trusted_proxies: {
      doc: 'Addresses or CIDR ranges of reverse proxies whose X-Forwarded-For is believed when telling clients apart for fair token validation (comma-separated in the environment); empty uses the socket peer.',
      format: 'string-list',
      default: [] as string[],
    },
  },
  log: {
    level: {
      doc: 'Log level. Output is pino JSON; pretty-printed only when stdout is a TTY.',
      format: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const,
      default: 'info',
    },
  },
  keystone_authtoken: {
    www_authenticate_uri: {
      doc: 'Keystone URL advertised to callers in WWW-Authenticate; empty means auth_url.',
      format: 'optional-url',
      default: '',
    },
    auth_url: {
      doc: "Keystone URL used to authenticate the service's own user.",
      format: 'url',
      default: 'http://127.0.0.1:5000/v3',
    },
    auth_type: { doc: "Auth plugin of the service's own user.", format: ['password'] as const, default: 'password' },
    username: {
      doc: "The service's own user name (default: package.json's name).",
      format: String,
      default: SERVICE_NAME,
    },
    password: { doc: "The service's own user password (required).", format: String, default: '', sensitive: true },
    user_domain_name: { doc: "Domain of the service's own user.", format: String, default: 'Default' },
    user_domain_id: {
      doc: "ID of the service's own user's domain; when set, it is sent instead of user_domain_name (keystoneauth's rule). Keystone's default domain has the ID default.",
      format: String,
      default: '',
    },
    project_name: { doc: "Project the service's own user scopes to.", format: String, default: 'service' },
    project_domain_name: { doc: 'Domain of that project.', format: String, default: 'Default' },
    project_domain_id: {
      doc: "ID of that project's domain; when set, it is sent instead of project_domain_name (keystoneauth's rule).",
      format: String,
      default: '',
    },
    region_name: {
      doc: 'Region of the identity endpoint used for validation; empty matches any.',
      format: String,
      default: '',
    },
    interface: {
      doc: 'Interface of the identity endpoint used for token validation.',
      format: ['public', 'internal', 'admin'] as const,
      default: 'internal',
    },
    timeout: {
      doc: 'Seconds one token validation may take in all, retries included, before the request gets 503.',
      format: 'positive-seconds',
      default: 10,
    },
    http_request_max_retries: {
      doc: 'Retries of a validation call that could not connect to Keystone.',
      format: 'nat',
      default: 3,
      max: 10,
    },
    delay_auth_decision: {
      doc: 'Never reject: mark unauthenticated requests X-Identity-Status: Invalid and let the route decide.',
      format: Boolean,
      default: false,
    },
    include_service_catalog: {
      doc: "Fetch the user's service catalog with the token (needed to find Glance) and set X-Service-Catalog.",
      format: Boolean,
      default: true,
    },
    service_token_roles: {
      doc: 'A service token must carry one of these roles to be trusted (comma-separated in the environment).',
      format: 'string-list',
      default: ['service'],
    },
    service_token_roles_required: {
      doc: "Reject service tokens without one of service_token_roles (keystonemiddleware's default too, since 13.0.0).",
      format: Boolean,
      default: true,
    },
    service_type: {
      doc: "This service's type in the Keystone catalog, matched against application-credential access rules; empty rejects every token that carries access rules.",
      format: String,
      default: '',
    },
    validation_concurrency: {
      doc: 'Most token validations in flight to Keystone at once; the rest wait, queued fairly per client.',
      format: 'positive-int',
      default: 16,
      max: 4096,
    },
    validation_concurrency_per_client: {
      doc: 'Most token validations in flight to Keystone for one client address (IPv6: one /64), so that one client never takes every slot; at or above validation_concurrency there is no per-client cap.',
      format: 'positive-int',
      default: 8,
      max: 4096,
    },
    validation_queue_per_client: {
      doc: 'Most token validations one client address may have waiting; more get 503 with Retry-After at once (0: none wait).',
      format: 'nat',
      default: 32,
      max: 100000,
    },
    validation_queue_size: {
      doc: 'Most token validations waiting in all; more get 503 with Retry-After at once (0: none wait, so a validation that cannot start at once gets 503).',
      format: 'nat',
      default: 1000,
      max: 100000,
    },
    validation_queue_timeout: {
      doc: 'Seconds a token validation may wait for its turn before the request gets 503 with Retry-After.',
      format: 'positive-seconds',
      default: 5,
    },
    invalid_token_cache_time: {
      doc: 'Seconds a token Keystone rejected (404) is answered 401 without asking again; 0 disables it. Keystone failures are never cached.',
      format: 'seconds',
      default: 5,
      max: 60,
    },
    token_cache_time: {
      doc: 'Seconds a validated token is cached (never past its expiry); 0 disables the cache.',
      format: 'seconds',
      default: 300,
      max: 86400,
    },
    token_cache_size: {
      doc: 'Most tokens the in-process cache holds (LRU); 0 disables the cache, memcached included.',
      format: 'nat',
      default: 10000,
      max: 10000000,
    },
    token_cache_memory_mb: {
      doc: 'Most memory, in MiB, the in-process token cache holds (estimated; a catalog shared by many tokens counts once). The least recently used tokens go first when this or token_cache_size is reached.',
      format: 'positive-int',
      default: 64,
      max: 65536,
    },
    memcached_servers: {
      doc: 'host:port list of memcached servers shared by replicas; empty keeps the cache in-process.',
      format: 'string-list',
      default: [] as string[],
    },
    memcache_security_strategy: {
      doc: 'Protection of memcached entries: None, MAC (authenticated) or ENCRYPT (authenticated and encrypted). None with memcached_servers stops the start unless memcache_allow_unprotected is set.',
      format: ['None', 'MAC', 'ENCRYPT'] as const,
      default: 'None',
    },
    memcache_secret_key: {
      doc: 'Secret for memcache_security_strategy MAC or ENCRYPT (required with them).',
      format: String,
      default: '',
      sensitive: true,
    },
    memcache_allow_unprotected: {
      doc: 'Start with memcached_servers and memcache_security_strategy None, whose entries anyone who can write to memcached can forge (a warning at every start). Without it, that combination stops the start.',
      format: Boolean,
      default: false,
    },
    memcache_pool_socket_timeout: {
      doc: 'Seconds a memcached operation may take before the cache is skipped.',
      format: 'positive-seconds',
      default: 0.5,
    },
  },
  communication: {
    cafile: {
      doc: 'PEM bundle of CAs to trust for HTTPS upstreams; empty uses the system store.',
      format: 'optional-file',
      default: '',
    },
    certfile: { doc: 'PEM client certificate for HTTPS upstreams.', format: 'optional-file', default: '' },
    keyfile: { doc: 'PEM private key of certfile.', format: 'optional-file', default: '' },
    insecure: {
      doc: 'Skip TLS certificate verification (never in production; a warning at every start).',
      format: Boolean,
      default: false,
    },
    timeout: {
      doc: 'Overall seconds one upstream request may take, retries and redirects included.',
      format: 'positive-seconds',
      default: 30,
    },
    connect_timeout: { doc: 'Seconds to establish a TCP/TLS connection.', format: 'positive-seconds', default: 5 },
    headers_timeout: { doc: 'Seconds to wait for response headers.', format: 'positive-seconds', default: 30 },
    body_timeout: {
      doc: 'Seconds of silence allowed while reading a response body.',
      format: 'positive-seconds',
      default: 30,
    },
    connections_per_origin: {
      doc: 'Pooled connections per upstream origin.',
      format: 'positive-int',
      default: 128,
      max: 10000,
    },
    keep_alive_timeout: { doc: 'Seconds an idle pooled connection is kept.', format: 'positive-seconds', default: 4 },
    connect_retries: {
      doc: 'Retries after a connection failure (request never sent).',
      format: 'nat',
      default: 2,
      max: 10,
    },
    status_code_retries: {
      doc: 'Retries of idempotent requests answered with one of retriable_status_codes.',
      format: 'nat',
      default: 1,
      max: 10,
    },
    retriable_status_codes: {
      doc: 'Statuses that status_code_retries applies to (comma-separated in the environment).',
      format: 'string-list',
      default: ['503'],
    },
    retry_delay: {
      doc: 'First retry backoff in seconds; doubles each try, with full jitter.',
      format: 'seconds',
      default: 0.1,
    },
    max_retry_delay: {
      doc: 'Longest single backoff (and Retry-After honoured) in seconds.',
      format: 'seconds',
      default: 2,
    },
    max_redirects: { doc: 'Redirects followed per request.', format: 'nat', default: 5, max: 30 },
    max_response_bytes: {
      doc: 'Largest upstream response body read into memory.',
      format: 'positive-int',
      default: 16 * 1024 * 1024,
      // The body is parsed as one string: V8's longest is just under 512 MiB.
      max: 256 * 1024 * 1024,
    },
    user_agent: {
      doc: "User-Agent sent upstream (default: package.json's name/version).",
      format: String,
      default: `${SERVICE_NAME}/${VERSION}`,
    },
  },
  image: {
    ...adapterGroup({ serviceType: 'image', interface: 'public' }),
    page_size: {
      doc: 'Images asked per Glance page (Glance caps at its api_limit_max, 1000).',
      format: 'positive-int',
      default: 1000,
      max: 10000,
    },
    max_images: {
      doc: "Most images GET / returns without limit (every page of Glance's): past it the caller gets 502 and is told to page with limit and marker. Bounds one request's memory and Glance calls, whatever Glance sends.",
      format: 'positive-int',
      default: 100000,
      max: 10000000,
    },
    list_timeout: {
      doc: "Seconds one listing (GET / with every Glance page, or one page of GET /?limit=N) may take, all its Glance calls together, before the caller gets 504; each call gets what is left, or communication.timeout when that is shorter. Bounds one request's time whatever Glance sends.",
      format: 'positive-seconds',
      default: 60,
      max: 3600,
    },
    max_limit: {
      doc: "Largest page a caller may ask for with GET /?limit=N; a larger limit is lowered to it, as Glance's api_limit_max lowers its own (1000 by default).",
      format: 'positive-int',
      default: 1000,
      max: 10000,
    },
  },
  service_user: {
    send_service_user_token: {
      doc: "Send this service's own token (keystone_authtoken's user) as X-Service-Token with every call made as the caller, as Nova's option of this name does: the upstream then knows a service is calling and, for a token holding its service_token_roles, skips the caller's access rules and accepts a caller's token that expired meanwhile. Off: only the caller's X-Auth-Token goes (keystonemiddleware always sends its own; see docs/upstream-differences.md).",
      format: Boolean,
      default: false,
    },
  },
} satisfies GroupedSchema;

type Leaf = { default: unknown };
type Widen<T> = T extends string
  ? string
  : T extends number
    ? number
    : T extends boolean
      ? boolean
      : T extends readonly string[]
        ? string[]
        : T;
/** An enum option (`format: [...] as const`) keeps its literal union; others widen their default's type. */
type ValueOf<L extends Leaf> = L extends { format: readonly (infer E)[] }
  ? E extends string
    ? E
    : never
  : Widen<L['default']>;
/** The values a grouped convict schema validates to (the mocks' schema uses it too). */
export type ConfigValues<S> = {
  readonly [G in keyof S]: { readonly [K in keyof S[G]]: S[G][K] extends Leaf ? ValueOf<S[G][K]> : never };
};

/** The validated configuration, grouped like oslo.config. */
export type Config = ConfigValues<typeof schema>;

/** oslo.config's environment naming: OS_<GROUP>__<OPTION>. */
export function envVarName(group: string, key: string): string {
  return `OS_${group}__${key}`.toUpperCase();
}

/**
 * A grouped schema as convict gets it: every option's `env` set to its OS_<GROUP>__<OPTION> name, and
 * `format: Boolean` replaced by the strict 'boolean' format (convict's own reads "0" and "no" as true).
 */
export function withEnvNames(grouped: GroupedSchema): Record<string, Record<string, OptionSpec & { env: string }>> {
  const out: Record<string, Record<string, OptionSpec & { env: string }>> = {};
  for (const [group, options] of Object.entries(grouped)) {
    out[group] = {};
    for (const [key, option] of Object.entries(options)) {
      const format = option.format === Boolean ? 'boolean' : option.format;
      out[group][key] = { ...option, format, env: envVarName(group, key) };
    }
  }
  return out;
}

export interface ConfigOption {
  group: string;
  key: string;
  env: string;
  doc: string;
  default: unknown;
  format: string;
  sensitive: boolean;
  /** A numeric option's inclusive bounds. */
  range?: { min: number; max: number } | undefined;
}

/** Every option with its env var, default and doc: the source of the generated configuration reference. */
export function describeOptions(): ConfigOption[] {
  const groups: GroupedSchema = schema;
  return Object.entries(groups).flatMap(([group, options]) =>
    Object.entries(options).map(([key, o]) => ({
      group,
      key,
      env: envVarName(group, key),
      doc: o.doc,
      default: o.default,
      format: Array.isArray(o.format)
        ? `one of ${o.format.join(', ')}`
        : typeof o.format === 'function'
          ? o.format.name.toLowerCase()
          : String(o.format),
      sensitive: o.sensitive === true,
      range: optionRange(o),
    })),
  );
}
