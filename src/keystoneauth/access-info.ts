// A validated Keystone v3 token, parsed once into an immutable object (keystoneauth's AccessInfoV3).
import { ProtocolError } from './errors.js';
import { ServiceCatalog, type CatalogEntry } from './service-catalog.js';

interface NamedRef {
  id: string;
  name?: string;
  domain?: { id?: string; name?: string };
}

/** The `token` object of a Keystone v3 token response, as far as this project reads it. */
export interface TokenData {
  methods?: string[];
  user: NamedRef;
  project?: NamedRef;
  domain?: { id: string; name?: string };
  system?: Record<string, unknown>;
  roles?: { id?: string; name: string }[];
  catalog?: CatalogEntry[];
  expires_at: string;
  issued_at?: string;
  audit_ids?: string[];
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

export interface TokenBody {
  token: TokenData;
}

export type Scope = 'project' | 'domain' | 'system' | 'unscoped';

export class AccessInfo {
  readonly authToken: string;
  readonly body: TokenBody;
  readonly expiresAt: Date;
  readonly issuedAt: Date | undefined;
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
  readonly roleNames: readonly string[];
  readonly roleIds: readonly string[];
  readonly trustId: string | undefined;
  readonly trusteeUserId: string | undefined;
  readonly trustorUserId: string | undefined;
  readonly applicationCredentialId: string | undefined;
  /** The application credential's access rules; undefined when the token has none (not restricted). */
  readonly accessRules:
    readonly { readonly service: string; readonly method: string; readonly path: string }[] | undefined;
  /** System-scoped to the whole deployment (OpenStack-System-Scope: all). */
  readonly systemAll: boolean;
  /** Keystone omits it unless an admin project is configured; keystonemiddleware then assumes true. */
  readonly isAdminProject: boolean;
  readonly auditIds: readonly string[];
  readonly catalog: ServiceCatalog;

  private constructor(token: string, body: TokenBody) {
    const t = body.token;
    this.authToken = token;
    this.body = body;
    this.expiresAt = new Date(t.expires_at);
    this.issuedAt = t.issued_at ? new Date(t.issued_at) : undefined;
    this.methods = Object.freeze([...(t.methods ?? [])]);
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
    this.systemAll = t.system?.all === true;
    this.isAdminProject = t.is_admin_project ?? true;
    this.auditIds = Object.freeze([...(t.audit_ids ?? [])]);
    this.catalog = new ServiceCatalog(t.catalog);
    Object.freeze(this);
  }

  /** Parse a token response body; a body that is not a v3 token is a ProtocolError, never a crash. */
  static fromBody(body: unknown, token: string): AccessInfo {
    const t = (body as { token?: Partial<TokenData> } | null)?.token;
    if (!t || typeof t !== 'object' || typeof t.user?.id !== 'string' || typeof t.expires_at !== 'string') {
      throw new ProtocolError('Keystone sent a token body without token.user.id or token.expires_at');
    }
    if (Number.isNaN(Date.parse(t.expires_at))) throw new ProtocolError('Keystone sent an unparsable expires_at');
    if (t.roles !== undefined && !Array.isArray(t.roles))
      throw new ProtocolError('Keystone sent token.roles that is not a list');
    if (t.catalog !== undefined && !Array.isArray(t.catalog))
      throw new ProtocolError('Keystone sent token.catalog that is not a list');
    const rules: unknown = t.application_credential?.access_rules;
    if (rules !== undefined && rules !== null && !(Array.isArray(rules) && rules.every(isAccessRule))) {
      // A restriction we cannot read must not be mistaken for no restriction.
      throw new ProtocolError(
        'Keystone sent application_credential.access_rules that are not {service, method, path} rules',
      );
    }
    return new AccessInfo(token, body as TokenBody);
  }

  get scope(): Scope {
    if (this.projectId) return 'project';
    if (this.domainId) return 'domain';
    if (this.systemScoped) return 'system';
    return 'unscoped';
  }

  isExpired(now: number = Date.now()): boolean {
    return this.expiresAt.getTime() <= now;
  }

  /** True when the token expires within `marginMs` (time to re-authenticate). */
  willExpireSoon(marginMs: number, now: number = Date.now()): boolean {
    return this.expiresAt.getTime() - now <= marginMs;
  }

  /** Whether the token holds one of these roles, by exact (case-sensitive) name, as keystonemiddleware matches. */
  hasRole(names: readonly string[]): boolean {
    return this.roleNames.some((r) => names.includes(r));
  }
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
