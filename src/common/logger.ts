// pino, configured once: JSON lines, tokens fingerprinted and passwords removed wherever a known path
// carries them, pretty-printed only for a human at a terminal.
import { createRequire } from 'node:module';
import pino, { type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import { SERVICE_NAME } from './package-info.js';
import { redactToken, TOKEN_HEADERS } from './redact.js';

export type { Logger } from 'pino';

const TOKEN_PATHS = [...TOKEN_HEADERS].flatMap((h) => [
  `req.headers["${h}"]`,
  `headers["${h}"]`,
  `request.headers["${h}"]`,
  `res.headers["${h}"]`,
]);
const SECRET_PATHS = [
  'password',
  '*.password',
  '*.*.password',
  '*.*.*.password',
  'memcache_secret_key',
  '*.memcache_secret_key',
  '*.*.memcache_secret_key',
];

export interface LoggerSettings {
  level: string;
  /** Every line's `service` field: package.json's name, unless a mock names itself. */
  service?: string;
  /** Pretty output; defaults to "stdout is a TTY and pino-pretty is installed". */
  pretty?: boolean;
  /** Where lines go (tests capture them); stdout by default. */
  destination?: DestinationStream;
  /** File descriptor for the default destination: 1 (stdout) or 2 (stderr, used by the demo). */
  fd?: 1 | 2;
}

export function createLogger(settings: LoggerSettings): Logger {
  const options: LoggerOptions = {
    level: settings.level,
    base: { service: settings.service ?? SERVICE_NAME },
    timestamp: pino.stdTimeFunctions.isoTime,
    // pino copies a merging object's own properties, where a nested one goes through its toJSON: an object
    // that holds a token (AccessInfo, the auth plugins) is logged by its toJSON either way.
    formatters: { log: mergingObject },
    redact: {
      paths: [...TOKEN_PATHS, ...SECRET_PATHS],
      censor: (value: unknown, path: string[]) =>
        path.at(-1) === 'password' || path.at(-1) === 'memcache_secret_key' || typeof value !== 'string'
          ? '[Redacted]'
          : redactToken(value),
    },
  };
  if (settings.destination) return pino(options, settings.destination);
  const fd = settings.fd ?? 1;
  const tty = fd === 1 ? process.stdout.isTTY : process.stderr.isTTY;
  const pretty = settings.pretty ?? (tty === true && canResolve('pino-pretty'));
  if (pretty)
    return pino({
      ...options,
      transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss.l', destination: fd } },
    });
  return pino(options, pino.destination({ fd, sync: false }));
}

/** The merging object of a log call as JSON.stringify would see it: through its toJSON when it has one. */
function mergingObject(object: Record<string, unknown>): Record<string, unknown> {
  const toJSON: unknown = object.toJSON;
  if (typeof toJSON !== 'function') return object;
  const json: unknown = toJSON.call(object);
  return typeof json === 'object' && json !== null ? (json as Record<string, unknown>) : { value: json };
}

function canResolve(name: string): boolean {
  try {
    createRequire(import.meta.url).resolve(name);
    return true;
  } catch {
    return false; // pino-pretty is a dev dependency: production images log JSON.
  }
}
