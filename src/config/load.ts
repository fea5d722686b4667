// Loading the configuration: sources in order, convict's validation, the cross-checks convict cannot express,
// and errors an operator can act on (each names its key and env var).
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import convict from 'convict';
import { readConfigFile } from './config-file.js';
import { serviceVariable, unknownVariables } from './env.js';
import './formats.js';
import { readOsloFiles, sourceFiles, type ConfigSource } from './oslo-files.js';
import { AUTHTOKEN_ALIASES } from './upstream-options.js';
import { HIDE_VALUE } from './values.js';
import {
  describeOptions,
  envVarName,
  schema,
  withEnvNames,
  type Config,
  type ConfigValues,
  type GroupedSchema,
} from './schema.js';

export class ConfigError extends Error {
  readonly problems: readonly string[];
  constructor(problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/**
 * A convict instance of a grouped schema, reading OS_<GROUP>__<OPTION> from `env` (never process.env or
 * process.argv). convict sets the environment on top of the defaults here, and again after every load().
 */
export function convictFor<S extends GroupedSchema>(
  grouped: S,
  env: Record<string, string | undefined>,
): convict.Config<ConfigValues<S>> {
  // The one cast at the library boundary: @types/convict wants enum formats as mutable `any[]`, while ours are
  // readonly literal tuples (`as const`), which is what gives ConfigValues its literal enum types.
  return convict(withEnvNames(grouped) as convict.Schema<ConfigValues<S>>, { env, args: [] });
}

export interface LoadConfigOptions {
  /** The environment to read (server.ts passes process.env; tests pass their own). */
  env?: Record<string, string | undefined>;
  /** Folder holding <NODE_ENV>.json. */
  configDir?: string;
  /** Extra JSON files applied after config/<NODE_ENV>.json (CONFIG_FILES, comma-separated, in the env). */
  files?: string[];
  /** oslo.config files and directories (--config-file, --config-dir), in command-line order. */
  sources?: readonly ConfigSource[];
  /** Values applied last, over the environment too: the command line's place (tests, the demo). */
  overrides?: Record<string, unknown>;
}

/** A valid configuration, and what its sources should tell the operator (logged at start). */
export interface LoadedConfig {
  config: Config;
  warnings: string[];
}

/** loadConfiguration's configuration alone (the callers that log no warnings: tests, the demo). */
export function loadConfig(options: LoadConfigOptions = {}): Config {
  return loadConfiguration(options).config;
}

/**
 * Sources in order, later ones winning: schema defaults, the deprecated JSON files (config/<NODE_ENV>.json if
 * present, `files`, CONFIG_FILES), the oslo.config files (`sources`), then the environment, then `overrides`.
 * Throws ConfigError listing every problem, each naming its key and env var (and file, for a file's value).
 */
export function loadConfiguration(options: LoadConfigOptions = {}): LoadedConfig {
  const env = options.env ?? {};
  // Defaults, then the environment (convict reads it at construction).
  const conf = convictFor(schema, env);
  const problems = unknownVariables(schema, env, serviceVariable).map(movedHint);
  const { files, warnings } = jsonFiles(options, env);
  for (const file of files) {
    try {
      // load() overlays the file, then convict sets the environment again on top: env outranks every file.
      conf.load(JSON.parse(readConfigFile(file).toString('utf8')));
    } catch (err) {
      problems.push(`${file}: ${(err as Error).message}`);
    }
  }
  const listed = sourceFiles(options.sources ?? []);
  const oslo = readOsloFiles(listed.files, schema);
  problems.push(...listed.problems, ...oslo.problems);
  warnings.push(...oslo.warnings);
  // Strings, like the environment's: the formats parse them. convict sets the environment on top again.
  conf.load(oslo.values);
  const overrides = leaves(options.overrides ?? {});
  const checked: string[] = [];
  try {
    // Not load(): it would put the environment back on top. set() writes one value and nothing else.
    for (const [name, value] of overrides) conf.set(name, value);
    conf.validate({ allowed: 'strict' });
  } catch (err) {
    checked.push(...explainConvictError(err));
  }
  try {
    checked.push(...crossChecks(conf.getProperties()));
  } catch (err) {
    // A value convict already refused can have any type; that problem is reported.
    if (problems.length + checked.length === 0) throw err;
  }
  const fromFile = (name: string) =>
    overrides.some(([n]) => n === name) || env[envVarNameOf(name)] !== undefined ? undefined : oslo.origins.get(name);
  problems.push(...checked.map((p) => withOrigin(p, fromFile)));
  if (problems.length > 0) throw new ConfigError(problems);
  return { config: deepFreeze(conf.getProperties()), warnings };
}

/** The JSON files in order; a warning when the deprecated ones (config/<NODE_ENV>.json, CONFIG_FILES) are used. */
function jsonFiles(options: LoadConfigOptions, env: Record<string, string | undefined>) {
  const envFile = path.join(options.configDir ?? 'config', `${env.NODE_ENV ?? 'development'}.json`);
  const own = fs.existsSync(envFile) ? [envFile] : [];
  const listed = (env.CONFIG_FILES ?? '')
    .split(',')
    .map((f) => f.trim())
    .filter(Boolean);
  const deprecated = [...own, ...listed];
  const warnings = deprecated.map(
    (file) =>
      `${file}: JSON configuration files (config/<NODE_ENV>.json, CONFIG_FILES) are deprecated and will be removed: use --config-file with an oslo.config file (docs/deploy.md#configuration)`,
  );
  return { files: [...own, ...(options.files ?? []), ...listed], warnings };
}

/** An unknown OS_KEYSTONE_AUTHTOKEN__<name> that keystonemiddleware reads, with where that option is here. */
function movedHint(problem: string): string {
  const key = /^keystone_authtoken\.([a-z_]+): unknown option/.exec(problem)?.[1] ?? '';
  const to = Object.hasOwn(AUTHTOKEN_ALIASES, key) ? AUTHTOKEN_ALIASES[key] : undefined;
  return to ? `${problem}; keystonemiddleware's ${key} is ${envVarName(to.group, to.key)} here` : problem;
}

const envVarNameOf = (name: string) => envVarName(...(name.split('.') as [string, string]));

/** A problem about `group.key` whose value came from an oslo.config file, with that file and line. */
function withOrigin(problem: string, originOf: (name: string) => string | undefined): string {
  const name = /^([a-z_]+\.[a-z_]+)[: ]/.exec(problem)?.[1];
  const origin = name === undefined ? undefined : originOf(name);
  return origin === undefined ? problem : `${problem} (set at ${origin})`;
}

/** `{ group: { key: value } }` as [`group.key`, value] pairs; arrays and other non-plain values are leaves. */
function leaves(values: Record<string, unknown>, prefix = ''): [string, unknown][] {
  return Object.entries(values).flatMap(([key, value]): [string, unknown][] =>
    isPlainObject(value) ? leaves(value, `${prefix}${key}.`) : [[`${prefix}${key}`, value]],
  );
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype;
}

/** convict's validation error as one readable line per problem, each naming its env var. */
export function explainConvictError(err: unknown): string[] {
  return String((err as Error).message)
    .split('\n')
    .filter(Boolean)
    .map(explain);
}

/** convict says "group.key: must be ...": add the env var so the operator knows what to change. */
function explain(convictLine: string): string {
  // convict repeats the value after the message: not when it may hold a secret.
  const at = convictLine.indexOf(`${HIDE_VALUE}: value was `);
  const line = at === -1 ? convictLine : convictLine.slice(0, at + HIDE_VALUE.length);
  const match = /^([a-z_]+)\.([a-z_]+): /.exec(line);
  if (match?.[1] && match[2]) return `${line} (env ${envVarName(match[1], match[2])})`;
  const undeclared = /configuration param '([^']+)' not declared in the schema/.exec(line);
  if (undeclared) return `${undeclared[1]}: unknown option`;
  return line;
}

function crossChecks(config: Config): string[] {
  return [
    ...stringChecks(config),
    ...keystoneChecks(config.keystone_authtoken),
    ...serverChecks(config.server),
    ...communicationChecks(config.communication),
  ];
}

// C0 controls and DEL: in a header they are refused by undici at every call (or worse, split it); anywhere else
// they are a paste error. Tabs included.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

/**
 * Every string option but the secrets: no control characters, no surrounding whitespace (oslo.config strips an
 * INI value's, the environment does not: " svc" would be another user). The secrets (password,
 * memcache_secret_key) are taken as written, whatever they hold, as a secret may hold anything; a secret with
 * surrounding whitespace is warned about (warnings.ts).
 */
function stringChecks(config: Config): string[] {
  const values: Readonly<Record<string, Readonly<Record<string, unknown>>>> = config;
  const problems: string[] = [];
  for (const option of describeOptions()) {
    // URLs, files and enums have formats of their own; a list's items are refused surrounding spaces by theirs.
    if (option.sensitive || (option.format !== 'string' && option.format !== 'string-list')) continue;
    const value = values[option.group]?.[option.key];
    const items = typeof value === 'string' ? [value] : Array.isArray(value) ? (value as unknown[]) : [];
    const where = `${option.group}.${option.key}`;
    const env = `(env ${option.env})`;
    if (items.some((v) => typeof v === 'string' && CONTROL.test(v)))
      problems.push(`${where}: must not hold control characters ${env}`);
    else if (typeof value === 'string' && value.trim() !== value)
      problems.push(`${where}: must not start or end with whitespace ${env}`);
  }
  return problems;
}

function keystoneChecks(ka: Config['keystone_authtoken']): string[] {
  const problems: string[] = [];
  if (ka.password === '') {
    problems.push(
      `keystone_authtoken.password: required for auth_type password (env ${envVarName('keystone_authtoken', 'password')})`,
    );
  }
  problems.push(...domainChecks(ka));
  if (ka.memcache_security_strategy !== 'None' && ka.memcache_secret_key === '') {
    problems.push(
      `keystone_authtoken.memcache_secret_key: required with memcache_security_strategy ${ka.memcache_security_strategy} (env ${envVarName('keystone_authtoken', 'memcache_secret_key')})`,
    );
  }
  for (const server of ka.memcached_servers) {
    if (!/^[^\s:]+:\d{1,5}$/.test(server))
      problems.push(
        `keystone_authtoken.memcached_servers: "${server}" is not host:port (env ${envVarName('keystone_authtoken', 'memcached_servers')})`,
      );
  }
  // keystonemiddleware accepts this silently; here it takes an explicit opt-in (warned at every start).
  if (ka.memcached_servers.length > 0 && ka.memcache_security_strategy === 'None' && !ka.memcache_allow_unprotected) {
    problems.push(
      `keystone_authtoken.memcache_security_strategy: None with memcached_servers leaves the cache entries unprotected: whoever can write to memcached can pose as any user. Set MAC or ENCRYPT and a memcache_secret_key, or accept the risk with memcache_allow_unprotected (env ${envVarName('keystone_authtoken', 'memcache_security_strategy')}, ${envVarName('keystone_authtoken', 'memcache_allow_unprotected')})`,
    );
  }
  return problems;
}

/** Without either, keystoneauth sends a name with no domain, which Keystone refuses (400) at every authentication. */
function domainChecks(ka: Config['keystone_authtoken']): string[] {
  return (['user', 'project'] as const).flatMap((owner) => {
    const nameKey = `${owner}_domain_name` as const;
    const idKey = `${owner}_domain_id` as const;
    if (ka[nameKey] !== '' || ka[idKey] !== '') return [];
    return [
      `keystone_authtoken.${nameKey}: the ${owner}'s domain is needed: set ${nameKey} or ${idKey} (env ${envVarName('keystone_authtoken', nameKey)}, ${envVarName('keystone_authtoken', idKey)})`,
    ];
  });
}

function serverChecks(s: Config['server']): string[] {
  const problems: string[] = [];
  // Node would listen on every interface for an empty host.
  if (s.host === '')
    problems.push(
      `server.host: must not be empty (0.0.0.0 or :: listen everywhere) (env ${envVarName('server', 'host')})`,
    );
  // Anything else fails only at listen, with a message naming no option (stringChecks reports spaces).
  else if (s.host.trim() === s.host && net.isIP(s.host) === 0 && !isHostName(s.host))
    problems.push(`server.host: must be an IP address or a host name (env ${envVarName('server', 'host')})`);
  // Node refuses to create the server otherwise.
  if (s.headers_timeout > s.request_timeout)
    problems.push(
      `server.headers_timeout: must not exceed server.request_timeout (env ${envVarName('server', 'headers_timeout')}, ${envVarName('server', 'request_timeout')})`,
    );
  problems.push(...metricsPortChecks(s));
  for (const entry of s.trusted_proxies) {
    const [address = '', bits, extra] = entry.split('/');
    const max = net.isIPv6(address) ? 128 : 32;
    if (
      net.isIP(address) === 0 ||
      extra !== undefined ||
      (bits !== undefined && (!/^\d{1,3}$/.test(bits) || Number(bits) > max))
    ) {
      problems.push(
        `server.trusted_proxies: "${entry}" is not an IP address or CIDR range (env ${envVarName('server', 'trusted_proxies')})`,
      );
    }
  }
  return problems;
}

/** A DNS name: dot-separated labels of letters, digits and inner hyphens, 253 characters at most. */
function isHostName(host: string): boolean {
  const name = host.endsWith('.') ? host.slice(0, -1) : host;
  return (
    name.length > 0 &&
    name.length <= 253 &&
    name.split('.').every((label) => /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/i.test(label))
  );
}

/** A metrics listener needs metrics to serve, and a port of its own. */
function metricsPortChecks(s: Config['server']): string[] {
  if (s.metrics_port === -1) return [];
  const env = envVarName('server', 'metrics_port');
  if (!s.metrics_enabled)
    return [
      `server.metrics_port: set, but metrics_enabled is false: there are no metrics to serve (env ${env}, ${envVarName('server', 'metrics_enabled')})`,
    ];
  if (s.metrics_port !== 0 && s.metrics_port === s.port)
    return [`server.metrics_port: must differ from server.port (env ${env}, ${envVarName('server', 'port')})`];
  return [];
}

function communicationChecks(c: Config['communication']): string[] {
  const problems: string[] = [];
  if ((c.certfile === '') !== (c.keyfile === '')) {
    problems.push(
      `communication.certfile and communication.keyfile: set both or neither (env ${envVarName('communication', 'certfile')}, ${envVarName('communication', 'keyfile')})`,
    );
  }
  for (const code of c.retriable_status_codes) {
    if (!/^[1-5]\d\d$/.test(code))
      problems.push(
        `communication.retriable_status_codes: "${code}" is not an HTTP status (env ${envVarName('communication', 'retriable_status_codes')})`,
      );
  }
  return problems;
}

/** The effective configuration for the start-up log line, secrets masked. */
export function maskedConfig(config: Config): Record<string, Record<string, unknown>> {
  const values: Readonly<Record<string, Readonly<Record<string, unknown>>>> = config;
  const out: Record<string, Record<string, unknown>> = {};
  for (const option of describeOptions()) {
    const value = values[option.group]?.[option.key];
    (out[option.group] ??= {})[option.key] = option.sensitive && value !== '' ? '***' : value;
  }
  return out;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

/** The schema's defaults, unvalidated (tests build sessions from these). */
export function defaultConfig(): Config {
  return convictFor(schema, {}).getProperties();
}
