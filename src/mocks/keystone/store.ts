// The mock Keystone's state: identities from a seed file, tokens in memory. Tokens are random, URL-safe and
// about as long as Fernet tokens; expiry follows an injectable clock.
import { randomBytes } from 'node:crypto';

export interface Seed {
  domains: { id: string; name: string }[];
  projects: { id: string; name: string; domain_id: string }[];
  roles: { id: string; name: string }[];
  users: { id: string; name: string; domain_id: string; password: string }[];
  /** user, project/domain and role by name (or id); domain by name. */
  assignments: { user: string; project?: string; domain?: string; role: string }[];
  services: { id: string; type: string; name: string; endpoints: { id: string; interface: string; region: string; url: string }[] }[];
}

export type Scope = { project: string } | { domain: string } | { unscoped: true };

export interface TokenRecord {
  id: string;
  userId: string;
  methods: string[];
  scope: Scope;
  issuedAt: number;
  expiresAt: number;
  auditIds: string[];
}

export class KeystoneStore {
  private readonly tokens = new Map<string, TokenRecord>();
  private readonly revoked = new Set<string>();

  constructor(
    readonly seed: Seed,
    /** Values for {keystone_url}, {glance_url}, ... in catalog URLs; read at every token, so they can be set after listen. */
    readonly catalogVars: Record<string, string>,
    readonly tokenTtlMs: number,
    readonly now: () => number = Date.now,
  ) {}

  domain(ref: { id?: unknown; name?: unknown } | undefined) {
    if (!ref) return undefined;
    return this.seed.domains.find((d) => (ref.id !== undefined ? d.id === ref.id : d.name === ref.name));
  }

  /** A user by id, or by name within a domain given by id or name. */
  findUser(ref: { id?: unknown; name?: unknown; domain?: { id?: unknown; name?: unknown } }) {
    if (typeof ref.id === 'string') return this.seed.users.find((u) => u.id === ref.id);
    const domain = this.domain(ref.domain);
    return domain ? this.seed.users.find((u) => u.name === ref.name && u.domain_id === domain.id) : undefined;
  }

  findProject(ref: { id?: unknown; name?: unknown; domain?: { id?: unknown; name?: unknown } }) {
    if (typeof ref.id === 'string') return this.seed.projects.find((p) => p.id === ref.id);
    const domain = this.domain(ref.domain);
    return domain ? this.seed.projects.find((p) => p.name === ref.name && p.domain_id === domain.id) : undefined;
  }

  user(id: string) {
    return this.seed.users.find((u) => u.id === id);
  }

  /** Roles of a user on a project or domain (assignments name users, projects and roles by name or id). */
  rolesOn(userId: string, scope: Scope): { id: string; name: string }[] {
    const user = this.user(userId);
    if (!user || 'unscoped' in scope) return [];
    const matches = (ref: string, obj: { id: string; name: string }) => ref === obj.id || ref === obj.name;
    const names = this.seed.assignments.filter((a) => {
      if (!matches(a.user, user)) return false;
      if ('project' in scope) {
        const project = this.seed.projects.find((p) => p.id === scope.project);
        return a.project !== undefined && project !== undefined && matches(a.project, project);
      }
      const domain = this.seed.domains.find((d) => d.id === scope.domain);
      return a.domain !== undefined && domain !== undefined && matches(a.domain, domain);
    });
    return this.seed.roles.filter((r) => names.some((a) => matches(a.role, r)));
  }

  issue(userId: string, methods: string[], scope: Scope, expiresAt?: number): TokenRecord {
    const now = this.now();
    // Fernet tokens start with gAAAAA and run to ~180-250 URL-safe characters.
    const id = `gAAAAA${randomBytes(138).toString('base64url')}`;
    const record: TokenRecord = {
      id,
      userId,
      methods,
      scope,
      issuedAt: now,
      expiresAt: expiresAt ?? now + this.tokenTtlMs,
      auditIds: [randomBytes(16).toString('base64url').slice(0, 22)],
    };
    this.tokens.set(id, record);
    return record;
  }

  /** A token that exists and is not revoked; expired ones only with allowExpired. */
  lookup(id: string | undefined, { allowExpired = false } = {}): TokenRecord | undefined {
    if (!id || this.revoked.has(id)) return undefined;
    const record = this.tokens.get(id);
    if (!record) return undefined;
    if (!allowExpired && record.expiresAt <= this.now()) return undefined;
    return record;
  }

  revoke(id: string): void {
    this.revoked.add(id);
  }

  catalog() {
    const fill = (url: string) => url.replace(/\{(\w+)\}/g, (whole, name: string) => this.catalogVars[name] ?? whole);
    return this.seed.services.map((s) => ({
      id: s.id,
      type: s.type,
      name: s.name,
      endpoints: s.endpoints.map((e) => ({ id: e.id, interface: e.interface, region_id: e.region, region: e.region, url: fill(e.url) })),
    }));
  }

  /** The token body Keystone returns for a record. */
  render(record: TokenRecord, { catalog = true } = {}) {
    const user = this.user(record.userId)!;
    const userDomain = this.seed.domains.find((d) => d.id === user.domain_id)!;
    const token: Record<string, unknown> = {
      methods: record.methods,
      user: { domain: { id: userDomain.id, name: userDomain.name }, id: user.id, name: user.name, password_expires_at: null },
      audit_ids: record.auditIds,
      expires_at: keystoneTime(record.expiresAt),
      issued_at: keystoneTime(record.issuedAt),
    };
    if ('project' in record.scope) {
      const project = this.seed.projects.find((p) => p.id === (record.scope as { project: string }).project)!;
      const domain = this.seed.domains.find((d) => d.id === project.domain_id)!;
      token.project = { domain: { id: domain.id, name: domain.name }, id: project.id, name: project.name };
      token.is_domain = false;
    } else if ('domain' in record.scope) {
      const domain = this.seed.domains.find((d) => d.id === (record.scope as { domain: string }).domain)!;
      token.domain = { id: domain.id, name: domain.name };
    }
    if (!('unscoped' in record.scope)) {
      token.roles = this.rolesOn(record.userId, record.scope).map((r) => ({ id: r.id, name: r.name }));
      if (catalog) token.catalog = this.catalog();
    }
    return { token };
  }
}

/** Keystone's Fernet timestamps: whole seconds, printed with six zero microseconds and a Z. */
export function keystoneTime(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, '.000000Z');
}
