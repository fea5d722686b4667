// convict's custom formats for this service's schema (and the mocks'). Registering them is a side effect of
// importing this module: schema.ts imports it, so any code holding the schema has its formats too.
// Strings (the environment, strings in JSON files, overrides) are parsed strictly (values.ts); a string that
// does not parse is left as it is, so that validation refuses it with the value and a reason.
import fs from 'node:fs';
import convict from 'convict';
import { parseBoolean, parseDecimal, parseInteger, urlProblem } from './values.js';

/** Node's and undici's timers hold at most 2^31-1 ms (a longer one fires after 1 ms): whole seconds below. */
export const MAX_TIMER_SECONDS = Math.floor((2 ** 31 - 1) / 1000);

export interface NumberFormat {
  integer: boolean;
  /** The range an option of this format has unless it narrows it with its own `min` and `max`. */
  min: number;
  max: number;
}

/** The numeric formats. Seconds become milliseconds for timers, hence their ceiling. */
export const NUMBER_FORMATS: Readonly<Record<string, NumberFormat>> = {
  // convict's own port and nat read "0x50" as 0 and "80abc" as 80: replaced by strict ones.
  port: { integer: true, min: 0, max: 65535 },
  // A port, or -1 for none (0 keeps its meaning: any free port).
  'optional-port': { integer: true, min: -1, max: 65535 },
  nat: { integer: true, min: 0, max: Number.MAX_SAFE_INTEGER },
  'positive-int': { integer: true, min: 1, max: Number.MAX_SAFE_INTEGER },
  seconds: { integer: false, min: 0, max: MAX_TIMER_SECONDS },
  // 1 ms: the smallest timer there is.
  'positive-seconds': { integer: false, min: 0.001, max: MAX_TIMER_SECONDS },
};

interface Bounds {
  min?: unknown;
  max?: unknown;
}

/** An option's range: its own `min`/`max` where it sets them, else its format's. */
function rangeOf(format: NumberFormat, option: Bounds): { min: number; max: number } {
  return {
    min: typeof option.min === 'number' ? option.min : format.min,
    max: typeof option.max === 'number' ? option.max : format.max,
  };
}

/** The range of an option of a numeric format; undefined for the other formats. */
export function optionRange(option: Bounds & { format: unknown }): { min: number; max: number } | undefined {
  const { format } = option;
  if (typeof format !== 'string' || !Object.hasOwn(NUMBER_FORMATS, format)) return undefined;
  return rangeOf(NUMBER_FORMATS[format]!, option);
}

function numberFormat(format: NumberFormat): convict.Format {
  const kind = format.integer ? 'an integer' : 'a number';
  const parse = format.integer ? parseInteger : parseDecimal;
  return {
    validate(value: unknown, option: convict.SchemaObj) {
      const { min, max } = rangeOf(format, { min: option.min, max: option.max });
      const plain = format.integer ? 'digits only' : 'digits and an optional decimal point';
      if (typeof value === 'string')
        throw new Error(`must be ${kind} from ${min} to ${max}, written plainly (${plain})`);
      const whole = !format.integer || Number.isInteger(value);
      if (typeof value !== 'number' || !Number.isFinite(value) || !whole || value < min || value > max)
        throw new Error(`must be ${kind} from ${min} to ${max}`);
    },
    coerce: (value: string) => parse(value) ?? value,
  };
}

function url(optional: boolean): convict.Format {
  return {
    validate(value: unknown) {
      if (optional && value === '') return;
      const problem = typeof value === 'string' ? urlProblem(value) : 'must be a URL string';
      if (problem !== undefined) throw new Error(optional ? `must be empty, or: ${problem}` : problem);
    },
  };
}

convict.addFormats({
  ...Object.fromEntries(Object.entries(NUMBER_FORMATS).map(([name, format]) => [name, numberFormat(format)])),
  // convict's own Boolean reads every string but "false" as true ("0", "no", "off" and "" included). Schemas
  // keep writing `format: Boolean`: withEnvNames (schema.ts) gives them this one.
  boolean: {
    validate(value: unknown) {
      if (typeof value !== 'boolean') throw new Error('must be true or false (also yes/no, on/off, 1/0; any case)');
    },
    coerce: (value: string) => parseBoolean(value) ?? value,
  },
  url: url(false),
  'optional-url': url(true),
  'string-list': {
    validate(value: unknown) {
      if (!Array.isArray(value) || value.some((v) => typeof v !== 'string'))
        throw new Error('must be a list of strings');
      if (value.some((v: string) => v === '' || v.trim() !== v))
        throw new Error('must not hold empty items or items with surrounding spaces');
    },
    // oslo.config ListOpt syntax: comma-separated, items trimmed; an empty value is the empty list.
    coerce: (value: string) => (value.trim() === '' ? [] : value.split(',').map((v) => v.trim())),
  },
  'optional-file': {
    validate(value: unknown) {
      if (typeof value !== 'string') throw new Error('must be a file path');
      if (value === '') return;
      let stat: fs.Stats;
      try {
        stat = fs.statSync(value);
      } catch {
        throw new Error(`file not found: ${value}`);
      }
      if (!stat.isFile()) throw new Error(`not a regular file: ${value}`);
      try {
        fs.accessSync(value, fs.constants.R_OK);
      } catch {
        throw new Error(`file not readable: ${value}`);
      }
    },
  },
});
