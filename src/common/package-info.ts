// The service's name and version, read once from package.json: the one place a fork renames the service.
// Everything that reports the service's identity takes them from here: the logs' `service` field, the tracer
// and OpenTelemetry's service name, the User-Agent, the memcached key prefix, the default Keystone user.
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface PackageInfo {
  name: string;
  version: string;
}

// One name for a log field, an HTTP token (User-Agent: name/version), a memcached key (no spaces, short),
// a Keystone user name and a DNS label (compose, k8s): lower case letters, digits, `-`, `.`, `_`.
const NAME = /^[a-z0-9][a-z0-9._-]{0,62}$/;

/** The name and version of a package.json's text; throws when either is missing or the name is unfit. */
export function parsePackageInfo(text: string, where = 'package.json'): PackageInfo {
  const { name, version } = JSON.parse(text) as Partial<Record<'name' | 'version', unknown>>;
  if (typeof name !== 'string' || !NAME.test(name))
    throw new Error(
      `${where}: "name" must be 1-63 of a-z 0-9 . _ - (starting with a letter or digit): ${JSON.stringify(name)}`,
    );
  if (typeof version !== 'string' || version === '') throw new Error(`${where}: "version" is missing`);
  return { name, version };
}

// package.json sits two levels above both src/common/ and dist/common/ (the images copy it to /app).
const file = fileURLToPath(new URL('../../package.json', import.meta.url));

export const { name: SERVICE_NAME, version: VERSION } = parsePackageInfo(fs.readFileSync(file, 'utf8'), file);
