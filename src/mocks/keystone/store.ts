// The mock Keystone's state: identities from a seed file, tokens in memory. Tokens are random, URL-safe and
// about as long as Fernet tokens; expiry follows an injectable clock.
import { randomBytes, randomUUID } from 'node:crypto';

export interface Seed {
  domains: { id: string; name: string }[];
  projects: { id: string; name: string; domain_id: string }[];
  roles: { id: string; name: string }[];
  users: { id: string; name: string; domain_id: string; password: string }[];
  /** user, project/domain and role by name (or id); domain by name. */
  assignments: { user: string; project?: string; domain?: string; role: string }[];
  services: {
    id: string;
    type: string;
    name: string;
    endpoints: { id: string; interface: string; region: string; url: string }[];
  }[];
  /** Optional application credentials; user, project and roles by name or id (roles default to the user's on the project). */
  application_credentials?: SeedAppCred[];
}

export interface SeedAppCred {
  id: string;
  name: string;
  user: string;
  project?: string;
  secret: string;
  roles?: string[];
  unrestricted?: boolean;
  access_rules?: { id?: string; service: string; method: string; path: string }[];
}

export interface AccessRule {
  id: string;
  service: string;
  path: string;
  method: string;
}

export interface AppCredential {
  id: string;
  name: string;
  description: string | null;
  userId: string;
  /** null for a credential made with an unscoped token: its tokens are unscoped. */
  projectId: string | null;
  secret: string;
  expiresAt: number | null;
  /** As given at creation (null when not given); tokens say `restricted: !unrestricted`. */
  unrestricted: boolean | null;
  roles: { id: string; name: string }[];
  /** Absent when the credential has none: Keystone then omits the key, never sends []. */
  accessRules?: AccessRule[];
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
  /** Set for tokens issued with the application_credential method. */
  appCredId?: string;
}

export class KeystoneStore {
  private readonly tokens = new Map<string, TokenRecord>();
  private readonly revoked = new Set<string>();
  private readonly appCreds = new Map<string, AppCredential>();
  /** Access rules per user, shared by that user's credentials as Keystone does. */
  private readonly accessRules = new Map<string, AccessRule & { userId: string }>();

  constructor(
    readonly seed: Seed,
    /** Values for {keystone_url}, {glance_url}, ... in catalog URLs; read at every token, so they can be set after listen. */
    readonly catalogVars: Record<string, string>,
    readonly tokenTtlMs: number,
    readonly now: () => number = Date.now,
  ) {
    for (const c of seed.application_credentials ?? []) this.seedAppCred(c);
  }

  private seedAppCred(c: SeedAppCred): void {
    const matches = (ref: string, obj: { id: string; name: string }) => ref === obj.id || ref === obj.name;
    const user = this.seed.users.find((u) => matches(c.user, u));
    if (!user) throw new Error(`seed application credential ${c.name}: unknown user ${c.user}`);
    const project = c.project === undefined ? undefined : this.seed.projects.find((p) => matches(c.project!, p));
    if (c.project !== undefined && !project)
      throw new Error(`seed application credential ${c.name}: unknown project ${c.project}`);
    const held = project ? this.rolesOn(user.id, { project: project.id }) : [];
    const roles =
      c.roles === undefined
        ? held
        : c.roles.map((ref) => {
            const role = this.seed.roles.find((r) => matches(ref, r));
            if (!role) throw new Error(`seed application credential ${c.name}: unknown role ${ref}`);
            return role;
          });
    this.createAppCred({
      id: c.id,
      name: c.name,
      userId: user.id,
      projectId: project?.id ?? null,
      secret: c.secret,
      roles,
      unrestricted: c.unrestricted ?? null,
      accessRules: c.access_rules,
    });
  }

  /** A domain as Keystone's _lookup_domain finds one: by name when a non-empty name is given, else by ID. */
  domain(ref: { id?: unknown; name?: unknown } | undefined) {
    if (!ref) return undefined;
    const byName = typeof ref.name === 'string' && ref.name !== '';
    return this.seed.domains.find((d) => (byName ? d.name === ref.name : d.id === ref.id));
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

  /**
   * A new application credential. Access rules are shared per user like Keystone's: a rule naming an
   * existing rule's id, or the same (service, path, method) as one of the user's rules, reuses that rule.
   */
  createAppCred(input: {
    id?: string;
    name: string;
    description?: string | null;
    userId: string;
    projectId: string | null;
    /** undefined: a generated one. */
    secret?: string | undefined;
    expiresAt?: number | null;
    roles: { id: string; name: string }[];
    unrestricted?: boolean | null;
    accessRules?: { id?: string; service?: string; method?: string; path?: string }[] | undefined;
  }): AppCredential {
    let accessRules: AccessRule[] | undefined;
    if (input.accessRules && input.accessRules.length > 0) {
      accessRules = input.accessRules.map((r) => {
        const existing =
          (r.id !== undefined ? this.accessRules.get(r.id) : undefined) ??
          [...this.accessRules.values()].find(
            (a) => a.userId === input.userId && a.service === r.service && a.path === r.path && a.method === r.method,
          );
        if (existing)
          return { id: existing.id, service: existing.service, path: existing.path, method: existing.method };
        if (r.service === undefined || r.method === undefined || r.path === undefined)
          throw new Error('an access rule needs service, method and path');
        const rule = {
          id: r.id ?? randomUUID().replaceAll('-', ''),
          service: r.service,
          path: r.path,
          method: r.method,
        };
        this.accessRules.set(rule.id, { ...rule, userId: input.userId });
        return rule;
      });
    }
    const cred: AppCredential = {
      id: input.id ?? randomUUID().replaceAll('-', ''),
      name: input.name,
      description: input.description ?? null,
      userId: input.userId,
      projectId: input.projectId,
      // Keystone's: 64 random bytes, URL-safe base64 without padding.
      secret: input.secret ?? randomBytes(64).toString('base64url'),
      expiresAt: input.expiresAt ?? null,
      unrestricted: input.unrestricted ?? null,
      roles: input.roles.map((r) => ({ id: r.id, name: r.name })),
      ...(accessRules ? { accessRules } : {}),
    };
    this.appCreds.set(cred.id, cred);
    return cred;
  }

  appCred(id: string): AppCredential | undefined {
    return this.appCreds.get(id);
  }

  appCredByName(userId: string, name: string): AppCredential | undefined {
    return [...this.appCreds.values()].find((c) => c.userId === userId && c.name === name);
  }

  /** An access rule by id (for a rule given only by id at creation). */
  accessRule(id: string): AccessRule | undefined {
    const rule = this.accessRules.get(id);
    return rule && { id: rule.id, service: rule.service, path: rule.path, method: rule.method };
  }

  /** The access rules of the credential a token came from; undefined when none (or not an app-cred token). */
  accessRulesOf(record: TokenRecord): AccessRule[] | undefined {
    return record.appCredId === undefined ? undefined : this.appCreds.get(record.appCredId)?.accessRules;
  }

  /** The roles a token carries: the user's on the scope, or for an app-cred token those of the credential the user still holds. */
  tokenRoles(record: TokenRecord): { id: string; name: string }[] {
    const held = this.rolesOn(record.userId, record.scope);
    const cred = record.appCredId === undefined ? undefined : this.appCreds.get(record.appCredId);
    if (!cred) return held;
    return cred.roles.filter((r) => held.some((h) => h.id === r.id));
  }

  issue(userId: string, methods: string[], scope: Scope, expiresAt?: number, appCredId?: string): TokenRecord {
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
      ...(appCredId === undefined ? {} : { appCredId }),
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

  /** Every token issued so far (tests look for them where no token may appear). */
  tokenIds(): string[] {
    return [...this.tokens.keys()];
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
      endpoints: s.endpoints.map((e) => ({
        id: e.id,
        interface: e.interface,
        region_id: e.region,
        region: e.region,
        url: fill(e.url),
      })),
    }));
  }
}
