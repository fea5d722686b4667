// Content-addressed sharing. Every token of a project carries the same service catalog (10 to 30 services, often
// 10-20 KB of JSON), and every token of a user in one scope the same user, project and roles. Parsed once per
// distinct content and shared, they cost memory once, not once per cached token. References are weak: a shared
// value lives as long as some token still refers to it, and the table forgets it after that.
import { hash } from 'node:crypto';

/**
 * Estimated heap bytes of parsed JSON, from the length of its text: about three times, calibrated with
 * bench/memory.ts on Node 24. Only used to bound the token cache in bytes.
 */
export function estimatedHeapBytes(jsonLength: number): number {
  return jsonLength * 3;
}

/** The content key of a JSON text: its SHA-256, hex. */
export function contentHash(json: string): string {
  return hash('sha256', json, 'hex');
}

export class Interner<T extends object> {
  private readonly refs = new Map<string, WeakRef<T>>();
  private readonly registry = new FinalizationRegistry<string>((key) => {
    // A newer value may have taken the key since this one was collected: forget only a dead reference.
    if (this.refs.get(key)?.deref() === undefined) this.refs.delete(key);
  });

  /** The value already shared under `key`, if any is still alive. */
  get(key: string): T | undefined {
    return this.refs.get(key)?.deref();
  }

  /** The value shared under `key`, made with `make` the first time (or again after it was collected). */
  intern(key: string, make: () => T): T {
    const existing = this.get(key);
    if (existing !== undefined) return existing;
    const value = make();
    this.refs.set(key, new WeakRef(value));
    this.registry.register(value, key);
    return value;
  }

  /** Distinct values alive or not yet forgotten (diagnostics, tests). */
  get size(): number {
    return this.refs.size;
  }
}

/** Freeze a parsed JSON value and everything in it: a shared value must not be changed by one of its holders. */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
