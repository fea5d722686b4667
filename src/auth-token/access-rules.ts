// Application-credential access rules, enforced as keystonemiddleware's validate_allowed_request does.
// The validator tells Keystone "this service enforces access rules" (OpenStack-Identity-Access-Rules), so
// Keystone hands out tokens of restricted credentials; enforcing them here is then this service's duty.
import type { AccessInfo } from '../keystoneauth/access-info.js';
import { matchPathPattern } from './path-pattern.js';

export interface AccessRule {
  readonly service: string;
  readonly method: string;
  readonly path: string;
}

export interface RequestSummary {
  method: string;
  /** The request path as received, without the query string (quoted as webob would before matching). */
  path: string;
}

export type AccessRuleDecision =
  | { allowed: true }
  | {
      allowed: false;
      reason: 'service_type_unset' | 'service_type_not_in_catalog' | 'no_matching_rule' | 'over_budget';
    };

/**
 * Steps (see path-pattern.ts: a rule, a character of its literal prefix compared, a path character times a word
 * of 32 automaton states, or compiling) one request may spend on access rules: at most 0.25-0.95 ms of CPU as
 * bench:redos measured the worst shapes (4-14 ns a step, by kind of step), about what a whole ordinary request
 * costs. Matching is linear per rule, but Keystone bounds each rule's path (225 characters), not how many rules
 * a credential has, and a request path may fill a 16 KiB header block (up to 48 KiB once quoted): many rules x a
 * long path needs a bound per request. Legitimate use stays below it: most rules are told by the first few
 * characters of their literal prefix, and 100 rules of up to 25 characters that each run a whole 300-character
 * path cost about 51,000. Past it the request is denied (a 401, as for no matching rule) and logged. The deciding input is the credential's own rules, so only its owner is refused, and the answer
 * is the same on an idle and on a loaded machine.
 */
export const ACCESS_RULE_BUDGET = 1 << 16;

// webob's Request.path quotes the decoded path, leaving letters, digits and these as they are.
const PATH_SAFE = "/~!$&'()*+,;=:@-._";

/** Each byte as webob's quoting writes it: itself, or its %XX escape. */
const QUOTED: readonly string[] = Array.from({ length: 256 }, (_, byte) => {
  const ch = String.fromCharCode(byte);
  const alnum = (ch >= '0' && ch <= '9') || (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z');
  return alnum || PATH_SAFE.includes(ch) ? ch : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
});

/** The value of a hex digit's character code, or -1 (NaN past the end of the string included). */
function hexValue(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  const lower = code | 0x20;
  return lower >= 0x61 && lower <= 0x66 ? lower - 0x57 : -1;
}

/** The UTF-8 bytes of one UTF-16 code unit, quoted; a lone surrogate is U+FFFD, as Buffer.from writes it. */
function quotedUtf8(unit: number): string {
  if (unit < 0x800) return QUOTED[0xc0 | (unit >> 6)]! + QUOTED[0x80 | (unit & 0x3f)]!;
  if (unit >= 0xd800 && unit <= 0xdfff) return '%EF%BF%BD';
  return QUOTED[0xe0 | (unit >> 12)]! + QUOTED[0x80 | ((unit >> 6) & 0x3f)]! + QUOTED[0x80 | (unit & 0x3f)]!;
}

/**
 * The path as upstream compares it (webob's Request.path): percent-escapes decoded, then the bytes re-quoted,
 * so `/imag%65s` is `/images` and a space is `%20`. One pass with table lookups, runs of characters that stay
 * as they are copied whole; no regex and nothing that can throw (bench:redos has its cost on 16 KiB paths).
 */
export function requestPathForRules(rawPath: string): string {
  let out = '';
  let kept = 0; // where the current run of characters kept as they are starts
  for (let i = 0; i < rawPath.length; i++) {
    const unit = rawPath.charCodeAt(i);
    if (unit < 0x80 && QUOTED[unit]!.length === 1) continue;
    out += rawPath.slice(kept, i);
    const high = unit === 0x25 ? hexValue(rawPath.charCodeAt(i + 1)) : -1;
    const low = high < 0 ? -1 : hexValue(rawPath.charCodeAt(i + 2));
    if (low >= 0) {
      out += QUOTED[high * 16 + low]!;
      i += 2;
    } else {
      out += unit < 0x80 ? QUOTED[unit]! : quotedUtf8(unit);
    }
    kept = i + 1;
  }
  return kept === 0 ? rawPath : out + rawPath.slice(kept);
}

/**
 * keystonemiddleware's validate_allowed_request: whether the token's access rules (if any) allow this
 * request to this service. Tokens not from an application credential, or whose credential has no rules,
 * are always allowed. Checks in upstream's order: service_type set; a token may always validate itself at
 * an identity service; service_type must be in the token's catalog; a trusted service token (a chain of
 * service calls, not the user's own request) skips the rules; else a rule must match method, service and path.
 *
 * One difference, on the safe side: upstream skips the rules whenever an X-Service-Token header is present,
 * valid or not (with delay_auth_decision a garbage one is enough); here `trustedService` must say the service
 * token was confirmed and holds one of service_token_roles.
 */
export function checkAccessRules(
  access: AccessInfo,
  serviceType: string,
  request: RequestSummary,
  trustedService: boolean,
): AccessRuleDecision {
  const rules = access.subject.accessRules;
  // Almost every token has no rules: that answer costs nothing, and the path is quoted only when needed.
  if (rules === undefined) return { allowed: true };
  if (serviceType === '') return { allowed: false, reason: 'service_type_unset' };
  const path = requestPathForRules(request.path);
  if (serviceType === 'identity' && request.method === 'GET' && path.endsWith('/v3/auth/tokens'))
    return { allowed: true };
  // A token validated without its catalog cannot be checked (upstream fails with a 500 there): deny.
  if (!access.catalog.entries.some((entry) => entry.type === serviceType))
    return { allowed: false, reason: 'service_type_not_in_catalog' };
  if (trustedService) return { allowed: true };
  return firstMatchingRule(rules, serviceType, request.method, path);
}

/** Upstream's loop over the rules, cheapest test first, within ACCESS_RULE_BUDGET steps (one per rule seen, and its match's). */
function firstMatchingRule(
  rules: readonly AccessRule[],
  serviceType: string,
  method: string,
  path: string,
): AccessRuleDecision {
  let budget = ACCESS_RULE_BUDGET;
  for (const rule of rules) {
    if (--budget < 0) return { allowed: false, reason: 'over_budget' };
    if (rule.service !== serviceType || rule.method !== method) continue;
    const { result, steps } = matchPathPattern(rule.path, path, budget);
    if (result === 'match') return { allowed: true };
    if (result === 'over_budget') return { allowed: false, reason: 'over_budget' };
    budget -= steps;
  }
  return { allowed: false, reason: 'no_matching_rule' };
}
