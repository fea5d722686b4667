// Which environment variables a loader answers for. oslo.config's OS_<GROUP>__<OPTION> (double underscore)
// names an option: one that names none is a typo, and silently ignoring it would start with a default instead
// (OS_KEYSTONE_AUTHTOKEN__AUTHURL would point at 127.0.0.1:5000). Variables without the double underscore
// (openrc's OS_AUTH_URL, OS_PASSWORD...) are the clients' and stay ignored.
// The mocks' groups all begin with MOCK_ (OS_MOCK_KEYSTONE__PORT): that namespace is theirs, every other
// OS_<GROUP>__ is the service's. So one environment can hold both (`npm run demo` hands its environment to the
// mocks, bench/flood forwards OS_* to the service): each loader skips the other's namespace and refuses a
// stray name in its own.
import { envVarName, type GroupedSchema } from './schema.js';

/** The prefix of the mocks' variables (src/mocks/config.ts). */
export const MOCK_PREFIX = 'OS_MOCK_';

/** OS_, then a double underscore: oslo.config's form, in any case (a lower-case one is a typo too). */
function isOptionForm(upper: string): boolean {
  return upper.startsWith('OS_') && upper.slice(3).includes('__');
}

/** The service's variables: every OS_<GROUP>__<OPTION> outside the mocks' namespace. */
export const serviceVariable = (name: string): boolean => {
  const upper = name.toUpperCase();
  return isOptionForm(upper) && !upper.startsWith(MOCK_PREFIX);
};

/** The mocks' variables: OS_MOCK_<NAME>__<OPTION>. */
export const mockVariable = (name: string): boolean => {
  const upper = name.toUpperCase();
  return isOptionForm(upper) && upper.startsWith(MOCK_PREFIX);
};

/** Underscores and case do not tell two names apart: OS_KEYSTONE_AUTHTOKEN__AUTHURL is close to AUTH_URL. */
const squash = (name: string) => name.toUpperCase().replace(/_/g, '');

/**
 * One problem per variable of `env` that `owns` claims but that names no option of `grouped`, each naming
 * the key it would set, the variable, and the option it was probably meant for.
 */
export function unknownVariables(
  grouped: GroupedSchema,
  env: Record<string, string | undefined>,
  owns: (name: string) => boolean,
): string[] {
  const known = Object.entries(grouped).flatMap(([group, options]) =>
    Object.keys(options).map((key) => envVarName(group, key)),
  );
  const names = new Set(known);
  return Object.keys(env)
    .filter((name) => env[name] !== undefined && owns(name) && !names.has(name))
    .map((name) => {
      const at = name.indexOf('__', 3);
      const key = `${name.slice(3, at)}.${name.slice(at + 2)}`.toLowerCase();
      const close = known.find((k) => squash(k) === squash(name));
      return `${key}: unknown option (env ${name}${close ? `; did you mean ${close}?` : ''})`;
    });
}
