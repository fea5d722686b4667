// oslo.config files (--config-file, --config-dir): which files, in which order, and what each assignment sets.
// Files are read as cfg.ConfigOpts reads them: in command-line order, a directory's `*.conf` sorted by name,
// later files winning; group names compared in lower case except DEFAULT; within one file the last of a
// repeated key wins and a current name beats a deprecated one. Unlike oslo.config, which ignores what it does
// not know, a key or group naming nothing here stops the start (upstream keystonemiddleware names excepted:
// upstream-options.ts). Values stay strings, parsed by the schema's formats exactly like environment values.
import fs from 'node:fs';
import path from 'node:path';
import { readConfigFile } from './config-file.js';
import { IniSyntaxError, parseIni, unescapeDollars, type IniAssignment } from './ini.js';
import { AUTHTOKEN_ALIASES, AUTHTOKEN_IGNORED, AUTHTOKEN_REFUSED } from './upstream-options.js';
import { parseBoolean } from './values.js';
import type { GroupedSchema } from './schema.js';

/** One --config-file or --config-dir argument. */
export interface ConfigSource {
  kind: 'file' | 'dir';
  path: string;
}

/** What the files set, ready for convict's load(), and what to tell the operator. */
export interface OsloValues {
  values: Record<string, Record<string, string>>;
  /** `group.key` -> where its value comes from (`file:line [group] key`). */
  origins: Map<string, string>;
  warnings: string[];
  problems: string[];
}

/** The files the sources name, in order; a directory contributes its `*.conf` (no dot files, as glob). */
export function sourceFiles(sources: readonly ConfigSource[]): { files: string[]; problems: string[] } {
  const files: string[] = [];
  const problems: string[] = [];
  for (const source of sources) {
    if (source.kind === 'file') {
      files.push(source.path);
      continue;
    }
    try {
      const names = fs.readdirSync(source.path).filter((n) => n.endsWith('.conf') && !n.startsWith('.'));
      files.push(...names.sort().map((n) => path.join(source.path, n)));
    } catch (err) {
      problems.push(`${source.path}: ${fileError(err)} (--config-dir)`);
    }
  }
  return { files, problems };
}

function fileError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'not found';
  if (code === 'EACCES') return 'permission denied';
  if (code === 'ENOTDIR') return 'not a directory';
  if (code === 'EISDIR') return 'not a regular file';
  return (err as Error).message;
}

/** A file's text: a regular file of at most 1 MiB, UTF-8, no byte order mark (oslo.config would read it as part of the first line). */
function readText(file: string): string {
  const bytes = readConfigFile(file);
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf)
    throw new Error('starts with a byte order mark: save it as UTF-8 without one');
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw new Error('is not UTF-8 text');
  }
}

/** One value a file sets, before the files are merged. */
interface Setting {
  value: string;
  origin: string;
  line: number;
  /** Set through a deprecated name: a current name in the same file wins over it. */
  alias: boolean;
  name: string;
}

/** Reads every file in order and merges them, later files winning. */
export function readOsloFiles(files: readonly string[], schema: GroupedSchema): OsloValues {
  const out: OsloValues = { values: {}, origins: new Map(), warnings: [], problems: [] };
  const ignored: string[] = [];
  for (const file of files) {
    let assignments: IniAssignment[];
    try {
      assignments = parseIni(readText(file));
    } catch (err) {
      const detail = err instanceof IniSyntaxError ? `:${err.line}: ${err.message.replace(/^line \d+: /, '')}` : '';
      out.problems.push(detail ? `${file}${detail}` : `${file}: ${fileError(err)}`);
      continue;
    }
    const settings = new FileReader(file, schema, out, ignored).read(assignments);
    for (const [name, s] of settings) {
      const [group = '', key = ''] = name.split('.');
      (out.values[group] ??= {})[key] = s.value;
      out.origins.set(name, s.origin);
    }
  }
  if (ignored.length > 0)
    out.warnings.push(
      `keystone_authtoken: keystonemiddleware options this service does not implement, ignored (docs/upstream-differences.md): ${ignored.join(', ')}`,
    );
  return out;
}

/** The settings of one file, in `group.key` form, with that file's problems and warnings. */
class FileReader {
  private readonly settings = new Map<string, Setting>();
  private readonly badGroups = new Set<string>();

  constructor(
    private readonly file: string,
    private readonly schema: GroupedSchema,
    private readonly out: OsloValues,
    private readonly ignored: string[],
  ) {}

  read(assignments: readonly IniAssignment[]): Map<string, Setting> {
    for (const a of assignments) this.assign(a);
    return this.settings;
  }

  private where(a: IniAssignment): string {
    return `${this.file}:${a.line}`;
  }

  private assign(a: IniAssignment): void {
    // oslo.config's _normalize_group_name: DEFAULT stays, every other group is compared in lower case.
    const group = a.section === 'DEFAULT' ? 'DEFAULT' : a.section.toLowerCase();
    const at = `${this.where(a)}: [${a.section}] ${a.key}`;
    if (group === 'DEFAULT') {
      this.out.problems.push(`${at}: unknown option ([DEFAULT] holds none of this service's options)`);
      return;
    }
    const options = Object.hasOwn(this.schema, group) ? this.schema[group] : undefined;
    if (!options) return this.unknownGroup(a, group);
    if (Object.hasOwn(options, a.key)) return this.set(a, group, a.key, false);
    if (group === 'keystone_authtoken' && this.upstream(a, at)) return;
    this.out.problems.push(`${at}: unknown option${this.hint(group, a.key)}`);
  }

  /** keystonemiddleware's names: true when `a` is one (set, warned about, or refused). */
  private upstream(a: IniAssignment, at: string): boolean {
    const alias = Object.hasOwn(AUTHTOKEN_ALIASES, a.key) ? AUTHTOKEN_ALIASES[a.key] : undefined;
    if (alias) {
      this.out.warnings.push(`${at}: deprecated name, use [${alias.group}] ${alias.key} (${alias.why})`);
      this.set(a, alias.group, alias.key, true);
      return true;
    }
    const refused = Object.hasOwn(AUTHTOKEN_REFUSED, a.key) ? AUTHTOKEN_REFUSED[a.key] : undefined;
    if (refused && (!refused.whenTrue || parseBoolean(a.value) === true)) {
      this.out.problems.push(`${at}: not implemented by this service: ${refused.instead}`);
      return true;
    }
    if (refused || AUTHTOKEN_IGNORED.has(a.key)) {
      this.ignored.push(`${a.key} (${this.where(a)})`);
      return true;
    }
    return false;
  }

  private set(a: IniAssignment, group: string, key: string, alias: boolean): void {
    const at = `${this.where(a)}: [${a.section}] ${a.key}`;
    const value = unescapeDollars(a.value);
    if (value === undefined) {
      this.out.problems.push(
        `${at}: holds a $name or \${group.name} that oslo.config would replace with another option's value; this service does not substitute: write the value out ($$ for a literal $)`,
      );
      return;
    }
    const name = `${group}.${key}`;
    const before = this.settings.get(name);
    // cfg._Namespace._get_file_value: in one file the current name is looked up before deprecated ones.
    if (before && !before.alias && alias) return;
    if (before && before.alias === alias && before.name === a.key)
      this.out.warnings.push(`${at}: set again (first at line ${before.line}); the last value wins, as in oslo.config`);
    this.settings.set(name, {
      value,
      origin: `${this.where(a)} [${a.section}] ${a.key}`,
      line: a.line,
      alias,
      name: a.key,
    });
  }

  private unknownGroup(a: IniAssignment, group: string): void {
    if (this.badGroups.has(group)) return;
    this.badGroups.add(group);
    const hint =
      group === 'default'
        ? " (oslo.config's is [DEFAULT], in capitals)"
        : ` (groups: ${['DEFAULT', ...Object.keys(this.schema)].join(', ')})`;
    this.out.problems.push(`${this.file}:${a.sectionLine}: [${a.section}]: unknown group${hint}`);
  }

  /** The option probably meant: the same name in another group, or a near spelling in this one. */
  private hint(group: string, key: string): string {
    const squash = (s: string) => s.toLowerCase().replace(/[_-]/g, '');
    const near = Object.keys(this.schema[group] ?? {}).find((k) => squash(k) === squash(key));
    if (near) return `; did you mean ${near}?`;
    const elsewhere = Object.keys(this.schema).filter((g) => Object.hasOwn(this.schema[g]!, key));
    return elsewhere.length > 0 ? `; it is in ${elsewhere.map((g) => `[${g}]`).join(', ')}` : '';
  }
}
