// Where the real OpenStack is, and HTTP for the contract tests: JSON in and out, and a bounded retry when the real Keystone or Glance drops a
// connection (their gunicorn workers are restarted under load on a shared 2-core machine). Only failures to
// get any answer are retried; every status is returned as it came.
import { setTimeout as sleep } from 'node:timers/promises';
import type { PasswordCredentials } from '../../src/keystoneauth/password.js';

/** The real Keystone (v3) and Glance that scripts/real-openstack.sh starts (npm run test:contract, .ci/run). */
export const KS = process.env.RO_KEYSTONE_URL;
export const GL = process.env.RO_GLANCE_URL;

/**
 * Why the suites are skipped, or false. Outside CI they are skipped with a note when the real OpenStack is not
 * running. In CI they must run, except in a CI job that runs them in another job and says so in
 * SKIP_CONTRACT_TESTS (the GitHub workflow's test matrix: they run in its contract job).
 */
function skipReason(): string | false {
  if (KS && GL) return false;
  const elsewhere = process.env.SKIP_CONTRACT_TESTS;
  if (elsewhere) return `SKIP_CONTRACT_TESTS: ${elsewhere}`;
  if (process.env.CI === 'true')
    throw new Error('CI must export RO_KEYSTONE_URL and RO_GLANCE_URL (.ci/run starts scripts/real-openstack.sh)');
  return 'real OpenStack not running (npm run test:contract starts it)';
}
export const skip = skipReason();

/** A service user of the real Keystone (made by a suite's fixtures) as the middleware's own identity. */
export function serviceCredentials(username: string, password: string): PasswordCredentials {
  return {
    authUrl: KS!,
    username,
    password,
    userDomainName: 'Default',
    projectName: 'service',
    projectDomainName: 'Default',
  };
}

/** Keys of an object, recursively, as dotted paths (arrays by their first element): a body's shape, to compare. */
export function shape(value: unknown, prefix = ''): string[] {
  if (Array.isArray(value)) return value.length > 0 ? shape(value[0], `${prefix}[]`) : [`${prefix}[]`];
  if (value && typeof value === 'object')
    return Object.entries(value).flatMap(([k, v]) => [`${prefix}.${k}`, ...shape(v, `${prefix}.${k}`)]);
  return [];
}

const JSON_HEADERS = { 'content-type': 'application/json', accept: 'application/json' };

export async function call(
  method: string,
  url: string,
  token: string | undefined,
  body?: unknown,
  extra: Record<string, string> = {},
) {
  const init = {
    method,
    headers: { ...JSON_HEADERS, ...(token ? { 'x-auth-token': token } : {}), ...extra },
    body: body === undefined ? null : JSON.stringify(body),
  };
  let res: Response | undefined;
  for (let attempt = 0; res === undefined; attempt++) {
    try {
      res = await fetch(url, init);
    } catch (err) {
      if (attempt >= 3) throw err;
      await sleep(200 * 2 ** attempt);
    }
  }
  const text = await res.text();
  let json: any;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = text;
  }
  return { status: res.status, headers: res.headers, body: json };
}
