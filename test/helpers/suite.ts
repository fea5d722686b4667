// Suites that need something the machine may lack (a real OpenStack, memcached, kubectl), counted when they
// are skipped. node:test's summary counts skipped tests only: `describe(name, { skip })` marks the suite
// skipped but adds nothing to "# skipped", so a run that skipped whole suites reported "# skipped 0".
import { describe, test } from 'node:test';

/**
 * describe(name, fn); or, when `skip` is a reason, one skipped test named after the suite in its place (the
 * body is not run, as with describe's own skip option), which the summary's "# skipped" counts.
 */
export function describeOrSkip(name: string, { skip }: { skip: string | false }, fn: () => void): void {
  if (skip === false) describe(name, fn);
  else test(name, { skip });
}
