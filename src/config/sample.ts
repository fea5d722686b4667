// The sample configuration file (etc/<name>.conf.sample), rendered from the schema the way
// oslo-config-generator renders a namespace (oslo_config/generator.py): [DEFAULT] first, then the groups in
// name order; per option its help with the type in parentheses wrapped at 79 columns, the range, the choices,
// the deprecated names this service still reads, and `#name = default`. test/config/sample.unit.test.ts keeps
// it in sync; `npm run docs:config` rewrites it.
import { SERVICE_NAME } from '../common/package-info.js';
import { NUMBER_FORMATS } from './formats.js';
import { describeOptions, schema, type ConfigOption, type GroupedSchema } from './schema.js';
import { AUTHTOKEN_ALIASES } from './upstream-options.js';

/** The service's name (package.json's): the sample is etc/<name>.conf.sample, its options "From <name>". */
export const SAMPLE_NAME = SERVICE_NAME;
export const SAMPLE_PATH = `etc/${SAMPLE_NAME}.conf.sample`;

const WRAP = 79;

/** oslo-config-generator's type names (generator._format_type_name, the types' type_name). */
function typeName(o: ConfigOption, format: unknown): string {
  if (Array.isArray(format)) return 'string value';
  switch (o.format) {
    case 'boolean':
      return 'boolean value';
    case 'port':
      return 'port value';
    case 'url':
    case 'optional-url':
      return 'URI value';
    case 'string-list':
      return 'list value';
    default:
      if (Object.hasOwn(NUMBER_FORMATS, o.format))
        return NUMBER_FORMATS[o.format]!.integer ? 'integer value' : 'floating point value';
      return 'string value';
  }
}

/** textwrap.wrap(text, 79, initial_indent='# ', subsequent_indent='# ', break_long_words=False), on spaces. */
function wrapHelp(text: string): string[] {
  const lines: string[] = [];
  let line = '#';
  for (const word of text.split(' ').filter(Boolean)) {
    if (line !== '#' && line.length + 1 + word.length > WRAP) {
      lines.push(line);
      line = '#';
    }
    line += ` ${word}`;
  }
  lines.push(line);
  return lines;
}

/** generator._format_defaults: booleans in lower case, lists comma-joined, padded strings quoted. */
function formatDefault(value: unknown): string {
  let text: string;
  if (Array.isArray(value)) text = value.join(',');
  else if (typeof value === 'string') text = value;
  else text = String(value);
  if (text.trim() !== text) text = `"${text}"`;
  return text === '' ? '' : ` ${text}`;
}

/** The deprecated names this service reads for an option, as generator.py lists a DeprecatedOpt. */
function deprecatedNames(o: ConfigOption): string[] {
  return Object.entries(AUTHTOKEN_ALIASES)
    .filter(([, target]) => target.group === o.group && target.key === o.key)
    .map(([name]) => `# Deprecated group/name - [keystone_authtoken]/${name}`);
}

function renderOption(o: ConfigOption, format: unknown): string[] {
  const lines = wrapHelp(`${o.doc} (${typeName(o, format)})`);
  if (o.range) {
    lines.push(`# Minimum value: ${o.range.min}`);
    if (o.range.max !== Number.MAX_SAFE_INTEGER) lines.push(`# Maximum value: ${o.range.max}`);
  }
  if (Array.isArray(format)) {
    lines.push('# Possible values:');
    for (const choice of format as unknown[]) lines.push(`# ${String(choice)} - <No description provided>`);
  }
  lines.push(...deprecatedNames(o), `#${o.key} =${formatDefault(o.default)}`);
  return lines;
}

/** The whole sample file. */
export function renderConfigSample(): string {
  const grouped: GroupedSchema = schema;
  const groups = new Map<string, ConfigOption[]>();
  for (const o of describeOptions()) groups.set(o.group, [...(groups.get(o.group) ?? []), o]);
  const out: string[] = ['[DEFAULT]'];
  for (const [group, options] of [...groups].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    out.push('', '', `[${group}]`, '', '#', `# From ${SAMPLE_NAME}`, '#');
    for (const o of options) out.push('', ...renderOption(o, grouped[group]?.[o.key]?.format));
  }
  return `${out.join('\n')}\n`;
}
