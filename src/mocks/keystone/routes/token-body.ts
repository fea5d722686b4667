// The token body Keystone answers with (POST and GET /v3/auth/tokens), built from a stored token record.
import type { KeystoneStore, TokenRecord } from '../store.js';

/** Keystone's Fernet timestamps: whole seconds, printed with six zero microseconds and a Z. */
export function keystoneTime(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, '.000000Z');
}

/** The token body Keystone returns for a record; `catalog: false` is ?nocatalog. */
export function tokenBody(store: KeystoneStore, record: TokenRecord, { catalog = true } = {}) {
  const user = store.user(record.userId)!;
  const userDomain = store.seed.domains.find((d) => d.id === user.domain_id)!;
  const token: Record<string, unknown> = {
    methods: record.methods,
    user: {
      domain: { id: userDomain.id, name: userDomain.name },
      id: user.id,
      name: user.name,
      password_expires_at: null,
    },
    audit_ids: record.auditIds,
    expires_at: keystoneTime(record.expiresAt),
    issued_at: keystoneTime(record.issuedAt),
  };
  addScope(store, record, token);
  if (!('unscoped' in record.scope)) {
    token.roles = store.tokenRoles(record).map((r) => ({ id: r.id, name: r.name }));
    if (catalog) token.catalog = store.catalog();
  }
  addApplicationCredential(store, record, token);
  return { token };
}

/** The project (with is_domain) or the domain the token is scoped to; nothing when unscoped. */
function addScope(store: KeystoneStore, record: TokenRecord, token: Record<string, unknown>): void {
  const { scope } = record;
  if ('project' in scope) {
    const project = store.seed.projects.find((p) => p.id === scope.project)!;
    const domain = store.seed.domains.find((d) => d.id === project.domain_id)!;
    token.project = { domain: { id: domain.id, name: domain.name }, id: project.id, name: project.name };
    token.is_domain = false;
  } else if ('domain' in scope) {
    const domain = store.seed.domains.find((d) => d.id === scope.domain)!;
    token.domain = { id: domain.id, name: domain.name };
  }
}

/** Keystone's shape: id, name, restricted, and access_rules only when there are some. */
function addApplicationCredential(store: KeystoneStore, record: TokenRecord, token: Record<string, unknown>): void {
  const cred = record.appCredId === undefined ? undefined : store.appCred(record.appCredId);
  if (!cred) return;
  token.application_credential = {
    id: cred.id,
    name: cred.name,
    restricted: !cred.unrestricted,
    ...(cred.accessRules
      ? {
          access_rules: cred.accessRules.map((r) => ({ id: r.id, service: r.service, path: r.path, method: r.method })),
        }
      : {}),
  };
}
