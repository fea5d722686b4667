// convict's custom formats for this service's schema (and the mocks'). Registering them is a side effect of
// importing this module: schema.ts imports it, so any code holding the schema has its formats too.
import fs from 'node:fs';
import convict from 'convict';

/** Numbers in the environment arrive as strings; JSON files and overrides give numbers already. */
const toNumber = (value: unknown) => (typeof value === 'string' && value.trim() !== '' ? Number(value) : value);

convict.addFormats({
  url: {
    validate(value: unknown) {
      if (typeof value !== 'string') throw new Error('must be a URL string');
      let parsed: URL;
      try {
        parsed = new URL(value);
      } catch {
        throw new Error('must be an absolute http(s) URL');
      }
      if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error('must be an http(s) URL');
    },
  },
  'optional-url': {
    validate(value: unknown) {
      if (value === '') return;
      if (typeof value !== 'string' || !/^https?:\/\/[^\s]+$/.test(value) || !URL.canParse(value)) {
        throw new Error('must be empty or an absolute http(s) URL');
      }
    },
  },
  seconds: {
    validate(value: unknown) {
      if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
        throw new Error('must be a non-negative number of seconds');
      }
    },
    coerce: toNumber,
  },
  'positive-seconds': {
    validate(value: unknown) {
      if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
        throw new Error('must be a positive number of seconds');
      }
    },
    coerce: toNumber,
  },
  'string-list': {
    validate(value: unknown) {
      if (!Array.isArray(value) || value.some((v) => typeof v !== 'string'))
        throw new Error('must be a list of strings');
    },
    // oslo.config ListOpt syntax: comma-separated in the environment.
    coerce: (value: unknown) =>
      typeof value === 'string'
        ? value
            .split(',')
            .map((v) => v.trim())
            .filter((v) => v !== '')
        : value,
  },
  'positive-int': {
    validate(value: unknown) {
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 1)
        throw new Error('must be a positive integer');
    },
    coerce: toNumber,
  },
  'optional-file': {
    validate(value: unknown) {
      if (typeof value !== 'string') throw new Error('must be a file path');
      if (value !== '' && !fs.existsSync(value)) throw new Error(`file not found: ${value}`);
    },
  },
});
