// The configuration files the command-line tests read: devstack's section and one of our own that repeats a key,
// uses a deprecated name and holds secrets, so a test can check that no secret reaches the output.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const DEVSTACK = path.join(import.meta.dirname, '..', 'config', 'fixtures', 'devstack-glance-api.conf');
export const DEVSTACK_PASSWORD = 'devstack-Service-Pw-5f2c';
export const MEMCACHE_KEY = 'mc-Secret-Key-91d7';

/** A file of our own in a temporary directory: a deprecated [communication] name, a repeated password, secrets. */
export function ownFile(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-'));
  const ca = path.join(dir, 'ca.pem');
  fs.writeFileSync(ca, 'not read at start');
  const file = path.join(dir, 'own.conf');
  fs.writeFileSync(
    file,
    [
      '[communication]',
      `cafile = ${ca}`,
      '[keystone_authtoken]',
      'memcache_security_strategy = ENCRYPT',
      `memcache_secret_key = ${MEMCACHE_KEY}`,
      `password = first-${DEVSTACK_PASSWORD}`,
      `password = ${DEVSTACK_PASSWORD}`,
      `admin_password = admin-${DEVSTACK_PASSWORD}`,
      '',
    ].join('\n'),
  );
  return file;
}

/** `output` holds neither secret of the files. */
export function assertNoSecret(output: string, where: string): void {
  for (const secret of [DEVSTACK_PASSWORD, MEMCACHE_KEY])
    assert.ok(!output.includes(secret), `${where} must not hold ${secret.slice(0, 8)}...`);
}
