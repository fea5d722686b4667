// OpenStack-Identity-Access-Rules, as Keystone reads it: keystonemiddleware sends it (value "1") to say it
// enforces access rules; without it Keystone refuses to validate a token that has some.
export const ACCESS_RULES_HEADER = 'openstack-identity-access-rules';

/**
 * Whether an OpenStack-Identity-Access-Rules value lets Keystone hand out a token with access rules: present
 * and, read as a Python float, not below 1.0 ("1" is what keystonemiddleware sends; "nan" passes too, as in
 * Python). A value Python cannot read as a float makes the real Keystone fail with a 500, and the mock too.
 */
export function accessRulesSupported(header: string): boolean {
  if (!header) return false;
  const value = pythonFloat(header);
  if (value === undefined) throw new Error(`could not convert string to float: '${header}'`);
  return !(value < 1.0);
}

function pythonFloat(text: string): number | undefined {
  const t = text.trim();
  if (/^[+-]?(inf|infinity)$/i.test(t)) return t.startsWith('-') ? -Infinity : Infinity;
  if (/^[+-]?nan$/i.test(t)) return NaN;
  const digits = String.raw`\d(?:_?\d)*`;
  if (!new RegExp(String.raw`^[+-]?(?:${digits}(?:\.(?:${digits})?)?|\.${digits})(?:[eE][+-]?${digits})?$`).test(t))
    return undefined;
  return Number(t.replaceAll('_', ''));
}
