// Protection of token-cache entries in a shared memcached, equivalent to keystonemiddleware's
// _memcache_crypt: per-token keys derived with HMAC from the shared secret, so the memcached key reveals
// nothing and an entry is bound to its token; MAC authenticates the value, ENCRYPT also hides it.
// (Same protection, not byte-compatible: HMAC-SHA512 for derivation, HMAC-SHA256 and AES-256-GCM.)
import { createCipheriv, createDecipheriv, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { SERVICE_NAME } from '../common/package-info.js';
import { sha256Hex } from '../common/redact.js';

export type SecurityStrategy = 'None' | 'MAC' | 'ENCRYPT';

export interface DerivedKeys {
  /** The memcached key (hex; never the token, never a plain hash of it when a secret is set). */
  cacheKey: string;
  macKey: Buffer;
  encryptionKey: Buffer;
}

/** The format of the entries (memcache.ts): v2 stores catalogs apart, under their content hash. */
const FORMAT = 'v2';

/** What an entry holds: a token's validation, or a catalog that token entries refer to by content hash. */
export type EntryKind = 'token' | 'catalog';

/**
 * Where an entry's memcached key starts: package.json's name, the format, the kind. The name keeps services
 * that share one memcached apart. Renaming the service therefore empties its cache: during a rolling upgrade
 * from the old name to the new one, old and new replicas read and write disjoint keys (nothing is misread,
 * and the secret's protection is unchanged: the name is not an HMAC input), so every token is validated
 * with Keystone once more per name, and the old entries expire after token_cache_time.
 */
export function cacheKeyPrefix(kind: EntryKind): string {
  return `${SERVICE_NAME}/${FORMAT}/${kind}/`;
}

/**
 * The keys of one entry. `subject` is the token, or the catalog's content hash; the format version, the kind
 * and the subject are separate HMAC inputs (a token never contains NUL), so no two kinds share a key.
 */
export function deriveKeys(
  subject: string,
  secret: string,
  strategy: SecurityStrategy,
  kind: EntryKind = 'token',
): DerivedKeys {
  // The entry format's version is in the key (and in the HMAC input): during a rolling update, replicas of two
  // versions each use their own entries instead of taking the other's for tampered ones.
  const prefix = cacheKeyPrefix(kind);
  if (strategy === 'None')
    return { cacheKey: `${prefix}${sha256Hex(subject)}`, macKey: Buffer.alloc(0), encryptionKey: Buffer.alloc(0) };
  const input = `${strategy}\0${FORMAT}\0${kind}\0${subject}`;
  const digest = createHmac('sha512', secret).update(input).digest();
  // 64 bytes, three disjoint parts: 16 for the key, 16 for the MAC key, 32 for the AES-256 key.
  return {
    cacheKey: `${prefix}${digest.subarray(0, 16).toString('hex')}`,
    macKey: digest.subarray(16, 32),
    encryptionKey: digest.subarray(32, 64),
  };
}

const MAC_LENGTH = 32;
const IV_LENGTH = 12;
const TAG_LENGTH = 16;

/** The bytes stored in memcached for a value. */
export function protect(plain: Buffer, keys: DerivedKeys, strategy: SecurityStrategy): Buffer {
  if (strategy === 'None') return plain;
  if (strategy === 'MAC') return Buffer.concat([createHmac('sha256', keys.macKey).update(plain).digest(), plain]);
  const iv = randomBytes(IV_LENGTH);
  const cipher = createCipheriv('aes-256-gcm', keys.encryptionKey, iv);
  const sealed = Buffer.concat([cipher.update(plain), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), sealed]);
}

export class TamperedEntryError extends Error {
  constructor(reason: string) {
    super(`token cache entry failed verification: ${reason}`);
    this.name = 'TamperedEntryError';
  }
}

/** The original value, or TamperedEntryError when it does not verify (wrong key, tampering, truncation). */
export function unprotect(stored: Buffer, keys: DerivedKeys, strategy: SecurityStrategy): Buffer {
  if (strategy === 'None') return stored;
  if (strategy === 'MAC') {
    if (stored.length < MAC_LENGTH) throw new TamperedEntryError('too short');
    const mac = stored.subarray(0, MAC_LENGTH);
    const plain = stored.subarray(MAC_LENGTH);
    const expected = createHmac('sha256', keys.macKey).update(plain).digest();
    if (!timingSafeEqual(mac, expected)) throw new TamperedEntryError('bad MAC');
    return plain;
  }
  if (stored.length < IV_LENGTH + TAG_LENGTH) throw new TamperedEntryError('too short');
  try {
    const decipher = createDecipheriv('aes-256-gcm', keys.encryptionKey, stored.subarray(0, IV_LENGTH));
    decipher.setAuthTag(stored.subarray(IV_LENGTH, IV_LENGTH + TAG_LENGTH));
    return Buffer.concat([decipher.update(stored.subarray(IV_LENGTH + TAG_LENGTH)), decipher.final()]);
  } catch {
    throw new TamperedEntryError('decryption failed');
  }
}
