// A validated Keystone v3 token, parsed once into an immutable object (keystoneauth's AccessInfoV3), its
// subject and catalog shared with the other tokens that carry the same ones.
import { inspect, type InspectOptions } from 'node:util';
import { inspectLoggable, redactToken } from '../common/redact.js';
import { ProtocolError } from './errors.js';
import { Interner, contentHash, deepFreeze, estimatedHeapBytes } from './interner.js';
import { ServiceCatalog, assertCatalog, catalogIdentity, type CatalogEntry } from './service-catalog.js';

interface NamedRef {
  id: string;
  name?: string;
  domain?: { id?: string; name?: string };
}

/** What a token says that every token of one user in one scope says alike (the body minus TokenData's own fields). */
export interface SubjectData {
  methods?: string[];
  user: NamedRef;
  project?: NamedRef;
  domain?: { id: string; name?: string };
  system?: Record<string, unknown>;
  roles?: { id?: string; name: string }[];
  is_admin_project?: boolean;
  'OS-TRUST:trust'?: { id: string; trustee_user?: { id: string }; trustor_user?: { id: string } };
  application_credential?: {
    id: string;
    name?: string;
    restricted?: boolean;
    access_rules?: { id?: string; service: string; method: string; path: string }[];
  };
  [extra: string]: unknown;
}

/** The `token` object of a Keystone v3 token response, as far as this project reads it. */
export interface TokenData extends SubjectData {
  catalog?: readonly CatalogEntry[];
  expires_at: string;
  issued_at?: string;
  audit_ids?: string[];
}

export interface TokenBody {
  token: TokenData;
}

export type Scope = 'project' | 'domain' | 'system' | 'unscoped';

const NO_METHODS: readonly string[] = Object.freeze([]);

type AccessRule = { readonly service: string; readonly method: string; readonly path: string };

// Estimates of the heap a value takes besides its parsed JSON (estimatedHeapBytes), calibrated with
// bench/memory.ts on Node 24: a subject adds its parsed fields and the identity headers built from it; the
// objects around a cached token (its AccessInfo, dates, cache slot, key) add about 600 bytes besides its
// strings. Only used to bound the token cache in bytes.
const SUBJECT_OVERHEAD_BYTES = 1536;
const TOKEN_OVERHEAD_BYTES = 600;

/**
 * What every token of one user in one scope says alike: the user, the scope, the roles, the methods, the trust
 * or application credential. Parsed once and shared by those tokens (AccessSharing).
 */
export class TokenSubject {
  readonly data: Readonly<SubjectData>;
  /** Estimated heap bytes, counted once however many tokens share it. */
  readonly approxBytes: number;
  readonly methods: readonly string[];
  readonly userId: string;
  readonly userName: string | undefined;
  readonly userDomainId: string | undefined;
  readonly userDomainName: string | undefined;
  readonly projectId: string | undefined;
  readonly projectName: string | undefined;
  readonly projectDomainId: string | undefined;
  readonly projectDomainName: string | undefined;
  readonly domainId: string | undefined;
  readonly domainName: string | undefined;
  readonly systemScoped: boolean;
  /** System-scoped to the whole deployment (OpenStack-System-Scope: all). */
  readonly systemAll: boolean;
  readonly roleNames: readonly string[];
  readonly roleIds: readonly string[];
  readonly trustId: string | undefined;
  readonly trusteeUserId: string | undefined;
  readonly trustorUserId: string | undefined;
  readonly applicationCredentialId: string | undefined;
  /** The application credential's access rules; undefined when the token has none (not restricted). */
  readonly accessRules: readonly AccessRule[] | undefined;
  /** Keystone omits it unless an admin project is configured; keystonemiddleware then assumes true. */
  readonly isAdminProject: boolean;

  /** `data` must be deep-frozen (it is shared); `jsonLength` is the length of its JSON text. */
  constructor(data: Readonly<SubjectData>, jsonLength: number) {
    const t = data;
    this.data = data;
    this.approxBytes = estimatedHeapBytes(jsonLength) + SUBJECT_OVERHEAD_BYTES;
    this.methods = t.methods ?? NO_METHODS;
    this.userId = t.user.id;
    this.userName = t.user.name;
    this.userDomainId = t.user.domain?.id;
    this.userDomainName = t.user.domain?.name;
    this.projectId = t.project?.id;
    this.projectName = t.project?.name;
    this.projectDomainId = t.project?.domain?.id;
    this.projectDomainName = t.project?.domain?.name;
    this.domainId = t.domain?.id;
    this.domainName = t.domain?.name;
    this.systemScoped = t.system !== undefined;
    this.systemAll = t.system?.all === true;
    this.roleNames = Object.freeze((t.roles ?? []).map((r) => r.name));
    this.roleIds = Object.freeze((t.roles ?? []).flatMap((r) => (r.id ? [r.id] : [])));
    this.trustId = t['OS-TRUST:trust']?.id;
    this.trusteeUserId = t['OS-TRUST:trust']?.trustee_user?.id;
    this.trustorUserId = t['OS-TRUST:trust']?.trustor_user?.id;
    this.applicationCredentialId = t.application_credential?.id;
    const rules = t.application_credential?.access_rules;
    this.accessRules = rules
      ? Object.freeze(rules.map((r) => Object.freeze({ service: r.service, method: r.method, path: r.path })))
      : undefined;
    // Keystone omits it unless an admin project is configured; keystonemiddleware then assumes true.
    this.isAdminProject = t.is_admin_project ?? true;
    Object.freeze(this);
  }

  get scope(): Scope {
    if (this.projectId) return 'project';
    if (this.domainId) return 'domain';
    if (this.systemScoped) return 'system';
    return 'unscoped';
  }

  /** Whether the token holds one of these roles, by exact (case-sensitive) name, as keystonemiddleware matches. */
  hasRole(names: readonly string[]): boolean {
    return this.roleNames.some((r) => names.includes(r));
  }
}

/**
 * Where tokens share their subjects and catalogs: one per process (createServices), handed to whatever builds
 * AccessInfo from Keystone's answers or from a cache. Without one, each token has its own copies.
 */
export interface AccessSharing {
  readonly subjects: Interner<TokenSubject>;
  readonly catalogs: Interner<ServiceCatalog>;
}

export function createAccessSharing(): AccessSharing {
  return { subjects: new Interner<TokenSubject>(), catalogs: new Interner<ServiceCatalog>() };
}

const NO_CATALOG = new ServiceCatalog(undefined);

/** The catalog of a token: interned by content when `sharing` is given. `entries` must be deep-frozen. */
export function catalogFor(entries: readonly CatalogEntry[] | undefined, sharing?: AccessSharing): ServiceCatalog {
  if (entries === undefined || entries.length === 0) return NO_CATALOG;
  const known = ServiceCatalog.owning(entries);
  if (known) return known;
  const identity = catalogIdentity(entries);
  const make = () => new ServiceCatalog(entries, identity);
  return sharing ? sharing.catalogs.intern(identity.contentHash, make) : make();
}

/**
 * A validated Keystone v3 token, immutable: its own fields (the token, its dates and audit ids) plus a subject
 * and a catalog that tokens with the same content share, so a cached token costs a few hundred bytes whatever
 * the size of the catalog. Who the token speaks for (user, scope, roles...) is read from `subject`.
 */
export class AccessInfo {
  readonly authToken: string;
  readonly expiresAt: Date;
  readonly issuedAt: Date | undefined;
  readonly auditIds: readonly string[];
  readonly subject: TokenSubject;
  readonly catalog: ServiceCatalog;
  /** Estimated heap bytes of this token's own part (its subject and catalog are shared and counted apart). */
  readonly ownBytes: number;
  private readonly own: { expires_at: string; issued_at?: string; audit_ids?: string[]; catalog: boolean };

  private constructor(token: string, t: TokenData, sharing: AccessSharing | undefined) {
    const { audit_ids, expires_at, issued_at, catalog, ...rest } = t;
    const data = deepFreeze(rest);
    const json = JSON.stringify(data);
    const make = () => new TokenSubject(data, json.length);
    this.authToken = token;
    this.expiresAt = new Date(expires_at);
    this.issuedAt = issued_at ? new Date(issued_at) : undefined;
    this.auditIds = Object.freeze([...(audit_ids ?? [])]);
    this.subject = sharing ? sharing.subjects.intern(contentHash(json), make) : make();
    this.catalog = catalogFor(catalog === undefined ? undefined : deepFreeze(catalog), sharing);
    this.own = Object.freeze({
      expires_at,
      ...(issued_at === undefined ? {} : { issued_at }),
      ...(audit_ids === undefined ? {} : { audit_ids: this.auditIds as string[] }),
      catalog: catalog !== undefined,
    });
    this.ownBytes =
      TOKEN_OVERHEAD_BYTES +
      token.length +
      expires_at.length +
      (issued_at?.length ?? 0) +
      this.auditIds.reduce((sum, id) => sum + id.length + 24, 0);
    Object.freeze(this);
  }

  /**
   * Parse a token response body; a body that is not a v3 token is a ProtocolError, never a crash. The body is
   * taken over (frozen, and its parts shared through `sharing`): pass a freshly parsed one.
   */
  static fromBody(body: unknown, token: string, sharing?: AccessSharing): AccessInfo {
    const t = (body as { token?: Partial<TokenData> } | null)?.token;
    if (!t || typeof t !== 'object' || typeof t.user?.id !== 'string' || typeof t.expires_at !== 'string') {
      throw new ProtocolError('Keystone sent a token body without token.user.id or token.expires_at');
    }
    if (Number.isNaN(Date.parse(t.expires_at))) throw new ProtocolError('Keystone sent an unparsable expires_at');
    if (t.roles !== undefined && !(Array.isArray(t.roles) && t.roles.every(isRole)))
      throw new ProtocolError('Keystone sent token.roles that are not a list of {name, id?}');
    for (const key of ['methods', 'audit_ids'] as const) {
      const list: unknown = t[key];
      if (list !== undefined && !(Array.isArray(list) && list.every((v) => typeof v === 'string')))
        throw new ProtocolError(`Keystone sent token.${key} that is not a list of strings`);
    }
    if (t.issued_at !== undefined && typeof t.issued_at !== 'string')
      throw new ProtocolError('Keystone sent token.issued_at that is not a string');
    if (t.catalog !== undefined) assertCatalog(t.catalog);
    const rules: unknown = t.application_credential?.access_rules;
    if (rules !== undefined && rules !== null && !(Array.isArray(rules) && rules.every(isAccessRule))) {
      // A restriction we cannot read must not be mistaken for no restriction.
      throw new ProtocolError(
        'Keystone sent application_credential.access_rules that are not {service, method, path} rules',
      );
    }
    return new AccessInfo(token, t as TokenData, sharing);
  }

  /** The token body as Keystone sent it (rebuilt from the shared parts; the same keys, not the same order). */
  get body(): TokenBody {
    const { catalog, ...own } = this.own;
    return { token: { ...this.subject.data, ...own, ...(catalog ? { catalog: this.catalog.entries } : {}) } };
  }

  /** Whether Keystone sent a catalog (keystoneauth's has_service_catalog): an empty one counts, an absent one not. */
  get hasServiceCatalog(): boolean {
    return this.own.catalog;
  }

  /** What a log line or JSON.stringify shows: who and until when, the token only as {SHA256}<hex>. */
  toJSON(): Record<string, unknown> {
    const s = this.subject;
    return {
      authToken: redactToken(this.authToken),
      expiresAt: this.expiresAt.toISOString(),
      userId: s.userId,
      scope: s.scope,
      ...(s.projectId === undefined ? {} : { projectId: s.projectId }),
      ...(s.domainId === undefined ? {} : { domainId: s.domainId }),
      roleNames: s.roleNames,
    };
  }

  [inspect.custom](depth: number, options: InspectOptions): string {
    return inspectLoggable('AccessInfo', this.toJSON(), depth, options);
  }

  isExpired(now: number = Date.now()): boolean {
    return this.expiresAt.getTime() <= now;
  }

  /** True when the token expires within `marginMs` (time to re-authenticate). */
  willExpireSoon(marginMs: number, now: number = Date.now()): boolean {
    return this.expiresAt.getTime() - now <= marginMs;
  }
}

function isRole(value: unknown): boolean {
  const r = value as Record<string, unknown> | null;
  return (
    typeof r === 'object' &&
    r !== null &&
    typeof r.name === 'string' &&
    (r.id === undefined || typeof r.id === 'string')
  );
}

function isAccessRule(value: unknown): boolean {
  const r = value as Record<string, unknown> | null;
  return (
    typeof r === 'object' &&
    r !== null &&
    typeof r.service === 'string' &&
    typeof r.method === 'string' &&
    typeof r.path === 'string'
  );
}
