// How the mock Glance learns who is calling, written independently of this project's auth_token (which it
// exists to test): its own service token from Keystone, GET /v3/auth/tokens for each caller's token, a short
// cache, and Glance's keystonemiddleware decisions as Glance is deployed (delay_auth_decision = true: no
// answer from Keystone means "not authenticated"; access rules enforced for service type `image`, skipped
// when an X-Service-Token header comes along, as upstream does).
import { createHash } from 'node:crypto';

export interface Caller {
  projectId: string | undefined;
  roles: string[];
  accessRules: { service: string; method: string; path: string }[] | undefined;
  catalogTypes: string[];
  expiresAt: number;
}

export interface MockIdentityOptions {
  authUrl: string;
  username: string;
  password: string;
  projectName: string;
  /** How long a validated token is remembered, in ms. */
  cacheMs?: number;
  now?: () => number;
}

interface TokenBody {
  token?: {
    project?: { id?: string };
    roles?: { name?: string }[];
    catalog?: { type?: string }[];
    expires_at?: string;
    application_credential?: { access_rules?: { service: string; method: string; path: string }[] };
  };
}

const MAX_CACHED = 10_000;

export class MockIdentity {
  private own: { token: string; expiresAt: number } | undefined;
  private readonly cache = new Map<string, Caller>();
  // Concurrent requests with one new token ask Keystone once, so that benchmarks count this service's
  // validations, not the mock's (the real Glance's keystonemiddleware would ask once per request).
  private readonly pending = new Map<string, Promise<Caller | undefined>>();
  private readonly now: () => number;

  constructor(private readonly options: MockIdentityOptions) {
    this.now = options.now ?? Date.now;
  }

  private get base(): string {
    return this.options.authUrl.replace(/\/+$/, '');
  }

  private async serviceToken(renew = false): Promise<string> {
    if (!renew && this.own && this.own.expiresAt - 60_000 > this.now()) return this.own.token;
    const { username, password, projectName } = this.options;
    const res = await fetch(`${this.base}/auth/tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        auth: {
          identity: {
            methods: ['password'],
            password: { user: { name: username, password, domain: { name: 'Default' } } },
          },
          scope: { project: { name: projectName, domain: { name: 'Default' } } },
        },
      }),
    });
    const body = (await res.json().catch(() => ({}))) as TokenBody;
    const token = res.headers.get('x-subject-token');
    if (res.status !== 201 || !token)
      throw new Error(`mock Glance could not authenticate with Keystone: ${res.status}`);
    this.own = { token, expiresAt: Date.parse(body.token?.expires_at ?? '') || this.now() + 3_600_000 };
    return token;
  }

  /** The caller behind a token, or undefined when Keystone does not confirm it (or cannot be asked). */
  async caller(token: string): Promise<Caller | undefined> {
    const key = createHash('sha256').update(token).digest('hex');
    const cached = this.cache.get(key);
    if (cached && cached.expiresAt > this.now()) return cached;
    let pending = this.pending.get(key);
    if (!pending) {
      pending = this.lookup(key, token).finally(() => this.pending.delete(key));
      this.pending.set(key, pending);
    }
    return pending;
  }

  private async lookup(key: string, token: string): Promise<Caller | undefined> {
    try {
      let res = await this.validate(token, await this.serviceToken());
      if (res.status === 401) res = await this.validate(token, await this.serviceToken(true));
      if (res.status !== 200) return undefined;
      const t = ((await res.json()) as TokenBody).token;
      const expiresAt = Date.parse(t?.expires_at ?? '');
      if (!t || !(expiresAt > this.now())) return undefined;
      const caller: Caller = {
        projectId: t.project?.id,
        roles: (t.roles ?? []).flatMap((r) => (r.name ? [r.name] : [])),
        accessRules: t.application_credential?.access_rules,
        catalogTypes: (t.catalog ?? []).flatMap((s) => (s.type ? [s.type] : [])),
        expiresAt: Math.min(expiresAt, this.now() + (this.options.cacheMs ?? 60_000)),
      };
      if (this.cache.size >= MAX_CACHED) this.cache.clear();
      this.cache.set(key, caller);
      return caller;
    } catch {
      return undefined;
    }
  }

  private validate(token: string, own: string): Promise<Response> {
    return fetch(`${this.base}/auth/tokens`, {
      headers: { 'x-auth-token': own, 'x-subject-token': token, 'openstack-identity-access-rules': '1' },
    });
  }
}

/** Glance's keystonemiddleware with service_type = image: may this caller make this request? */
export function allowedByAccessRules(caller: Caller, method: string, path: string, hasServiceToken: boolean): boolean {
  if (caller.accessRules === undefined) return true;
  if (!caller.catalogTypes.includes('image')) return false;
  if (hasServiceToken) return true;
  return caller.accessRules.some(
    (rule) => rule.service === 'image' && rule.method === method && globMatches(rule.path, path),
  );
}

/**
 * keystonemiddleware's `_path_matches`: `*` and `{name}` are one non-empty path segment, `**` is anything. Upstream
 * builds a regex, which a rule such as `/**...**!` makes backtrack for ever; here a table over pattern x path
 * (can[j]: the tokens so far match the first j characters), O(pattern x path) whatever the rule.
 */
export function globMatches(pattern: string, path: string): boolean {
  let can = Array.from({ length: path.length + 1 }, (_, j) => j === 0);
  for (const token of globTokens(pattern)) {
    const next: boolean[] = [];
    for (let j = 0; j <= path.length; j++) {
      const c = path[j - 1];
      if (token === '**') next[j] = can[j]! || (j > 0 && next[j - 1]!);
      else if (token === '*') next[j] = c !== undefined && c !== '/' && (can[j - 1]! || next[j - 1]!);
      else next[j] = c === token && can[j - 1]!;
    }
    can = next;
  }
  return can[path.length]!;
}

/** `**`, `*` (also for `{name}`), or one literal character; a `{` with no `}` after it is literal. */
function globTokens(pattern: string): string[] {
  const tokens: string[] = [];
  const lastClose = pattern.lastIndexOf('}');
  for (let i = 0; i < pattern.length; i++) {
    if (pattern.startsWith('**', i)) {
      tokens.push('**');
      i++;
    } else if (pattern[i] === '{' && i < lastClose) {
      tokens.push('*');
      i = pattern.indexOf('}', i);
    } else {
      tokens.push(pattern[i]!); // `*` alone is a segment, as `{name}`
    }
  }
  return tokens;
}
