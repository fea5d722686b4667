// oslo.config's INI syntax (oslo_config/iniparser.py and cfg.ConfigParser), read the same way: `key = value`
// or `key: value` (whichever separator comes first), `#` and `;` comments on lines of their own, indented
// continuation lines joined with "\n", a blank line ending a value, matching quotes around a whole value
// removed, and the same five syntax errors. Not the npm `ini` package: it skips lines it cannot read instead
// of refusing them, has no `:` or continuation lines, strips inline comments (a `#` in a password) and turns
// `true` into a boolean (docs/architecture.md, dependencies).

/** One `key = value` of a file, in file order; `section` as written (case kept, no spaces trimmed). */
export interface IniAssignment {
  section: string;
  key: string;
  /** Continuation lines joined with "\n", as cfg.ConfigParser.assignment does. */
  value: string;
  /** 1-based line of the key. */
  line: number;
  /** 1-based line of the section's header. */
  sectionLine: number;
}

/** A line oslo.config refuses too. The message never repeats the line: it may hold a password. */
export class IniSyntaxError extends Error {
  readonly line: number;
  constructor(message: string, line: number) {
    super(`line ${line}: ${message}`);
    this.name = 'IniSyntaxError';
    this.line = line;
  }
}

// Python's str.isspace(), which str.strip(), lstrip() and rstrip() remove (JavaScript's trim() differs: it
// keeps \x1c-\x1f and \x85, and removes U+FEFF).
const PY_SPACE: ReadonlySet<string> = new Set([
  ...'\t\n\v\f\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2028\u2029\u202f\u205f\u3000',
  ...Array.from({ length: 11 }, (_, i) => String.fromCharCode(0x2000 + i)),
]);

function rstrip(s: string): string {
  let end = s.length;
  while (end > 0 && PY_SPACE.has(s[end - 1]!)) end--;
  return s.slice(0, end);
}

function lstrip(s: string): string {
  let start = 0;
  while (start < s.length && PY_SPACE.has(s[start]!)) start++;
  return s.slice(start);
}

const strip = (s: string) => lstrip(rstrip(s));

/** `key = value` or `key: value`: split at whichever separator comes first; the value unquoted. */
function splitKeyValue(line: string, lineNo: number): { key: string; value: string } {
  const colon = line.indexOf(':');
  const equal = line.indexOf('=');
  if (colon < 0 && equal < 0) throw new IniSyntaxError("no ':' or '=' found in assignment", lineNo);
  const at = colon < 0 || (equal >= 0 && equal < colon) ? equal : colon;
  const key = strip(line.slice(0, at));
  let value = strip(line.slice(at + 1));
  // Only a pair around the whole first line: 'a' and "a" lose them, 'a" and a'b' keep theirs.
  if (value !== '' && value[0] === value[value.length - 1] && (value[0] === '"' || value[0] === "'"))
    value = value.slice(1, -1);
  if (key === '') throw new IniSyntaxError('key cannot be empty', lineNo);
  return { key, value };
}

/** Every assignment of an oslo.config file's text, or an IniSyntaxError at the first line oslo refuses. */
export function parseIni(text: string): IniAssignment[] {
  const out: IniAssignment[] = [];
  let section: string | undefined;
  let sectionLine = 0;
  let pending: { key: string; lines: string[]; line: number } | undefined;
  const flush = () => {
    if (!pending) return;
    if (section === undefined) throw new IniSyntaxError('section must be started before assignment', pending.line);
    out.push({ section, key: pending.key, value: pending.lines.join('\n'), line: pending.line, sectionLine });
    pending = undefined;
  };
  // Python's universal newlines: \r\n, \r and \n end a line.
  const lines = text.split(/\r\n|\r|\n/);
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const line = rstrip(lines[i]!);
    if (line === '') {
      flush(); // a blank line ends a multi-line value
      continue;
    }
    if (line[0] === ' ' || line[0] === '\t') {
      if (!pending) throw new IniSyntaxError('unexpected continuation line', lineNo);
      pending.lines.push(lstrip(line));
      continue;
    }
    flush();
    if (line[0] === '[') {
      if (!line.endsWith(']')) throw new IniSyntaxError('invalid section (must end with ])', lineNo);
      if (line.length <= 2) throw new IniSyntaxError('empty section name', lineNo);
      section = line.slice(1, -1);
      sectionLine = lineNo;
    } else if (line[0] !== '#' && line[0] !== ';') {
      const { key, value } = splitKeyValue(line, lineNo);
      pending = { key, lines: [value], line: lineNo };
    }
  }
  flush();
  return out;
}

/**
 * oslo.config substitutes `$option` and `${group.option}` in every value, and reads `$$` and `\$` as `$`
 * (cfg.ConfigOpts._substitute, string.Template). The escapes are read here; a reference is refused, since
 * this service does not substitute and the value would silently mean something else. A `$` that starts no
 * reference (`$5`, a trailing `$`) stays, as string.Template's safe_substitute leaves it.
 * Returns the value, or undefined when it holds a reference.
 */
export function unescapeDollars(value: string): string | undefined {
  // First `\$` becomes `$$`, as _substitute does, then string.Template's scan: `$$`, `$name`, `${name}`.
  const text = value.replaceAll('\\$', () => '$$');
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    const next = text[i + 1];
    if (c !== '$' || next === undefined) {
      out += c;
    } else if (next === '$') {
      out += '$';
      i++;
    } else if (isIdStart(next) || (next === '{' && isBraced(text, i + 2))) {
      return undefined;
    } else {
      out += c;
    }
  }
  return out;
}

// string.Template's idpattern in oslo.config: [_a-z][._a-z0-9]*, compiled case-insensitive without re.ASCII,
// so four non-ASCII letters match [a-z] too (İ ı ſ and the Kelvin sign).
const UNICODE_FOLDS: ReadonlySet<string> = new Set(['\u0130', '\u0131', '\u017f', '\u212a']);
const isIdStart = (c: string) => c === '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || UNICODE_FOLDS.has(c);
const isIdChar = (c: string) => isIdStart(c) || c === '.' || (c >= '0' && c <= '9');

/** `${name}` from `start` (just after the brace): an identifier, then `}`. */
function isBraced(value: string, start: number): boolean {
  if (start >= value.length || !isIdStart(value[start]!)) return false;
  let i = start + 1;
  while (i < value.length && isIdChar(value[i]!)) i++;
  return value[i] === '}';
}
