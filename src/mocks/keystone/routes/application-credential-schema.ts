// Keystone's JSON schema for a new application credential, for the parts a client can get wrong; each
// failure with Keystone's 400 wording.
import { MockError } from '../../control.js';
import type { AccessRule } from '../store.js';

const ID_STRING = /^[a-zA-Z0-9-]+$/;
const RULE_KEYS = new Set(['id', 'service', 'method', 'path']);

const bad = (field: string, why: string) => new MockError(400, `Invalid input for field '${field}': ${why}`);

export function validateAppCred(data: Record<string, unknown>): void {
  if (typeof data !== 'object' || Array.isArray(data)) throw bad('application_credential', "is not of type 'object'");
  if (!('name' in data)) throw new MockError(400, "'name' is a required property");
  if (typeof data.name !== 'string' || data.name.length > 255 || !/\S/.test(data.name))
    throw bad('name', 'must be a non-blank string of at most 255 characters');
  if (data.unrestricted !== undefined && typeof data.unrestricted !== 'boolean')
    throw bad('unrestricted', "is not of type 'boolean'");
  if (data.roles !== undefined) validateRoles(data.roles);
  if (data.access_rules !== undefined) {
    if (!Array.isArray(data.access_rules))
      throw bad('access_rules', `${JSON.stringify(data.access_rules)} is not of type 'array'`);
    data.access_rules.forEach(validateAccessRule);
  }
}

function validateRoles(roles: unknown): void {
  if (!Array.isArray(roles)) throw bad('roles', "is not of type 'array'");
  roles.forEach((r: unknown, i) => {
    const keys = r && typeof r === 'object' ? Object.keys(r) : [];
    if (
      keys.length !== 1 ||
      !['id', 'name'].includes(keys[0]!) ||
      typeof (r as Record<string, unknown>)[keys[0]!] !== 'string'
    )
      throw bad(`roles/${i}`, 'needs exactly one of id or name');
  });
}

function validateAccessRule(raw: unknown, i: number): void {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw bad(`access_rules/${i}`, "is not of type 'object'");
  const rule = raw as Partial<Record<keyof AccessRule, unknown>>;
  const extra = Object.keys(rule).filter((k) => !RULE_KEYS.has(k));
  if (extra.length > 0)
    throw bad(
      `access_rules/${i}`,
      `Additional properties are not allowed (${extra.map((k) => `'${k}'`).join(', ')} was unexpected)`,
    );
  if (
    rule.method !== undefined &&
    (typeof rule.method !== 'string' || !/^(POST|GET|HEAD|PATCH|PUT|DELETE)$/.test(rule.method))
  ) {
    throw bad(
      `access_rules/${i}/method`,
      `${JSON.stringify(rule.method)} does not match '^(POST|GET|HEAD|PATCH|PUT|DELETE)$'`,
    );
  }
  if (
    rule.path !== undefined &&
    (typeof rule.path !== 'string' || !rule.path.startsWith('/') || rule.path.length > 225)
  ) {
    throw bad(`access_rules/${i}/path`, `${JSON.stringify(rule.path)} does not match '^\\/.*'`);
  }
  for (const key of ['service', 'id'] as const) {
    const v = rule[key];
    if (v !== undefined && (typeof v !== 'string' || v.length > 64 || !ID_STRING.test(v)))
      throw bad(`access_rules/${i}/${key}`, `${JSON.stringify(v)} does not match '^[a-zA-Z0-9-]+$'`);
  }
}
