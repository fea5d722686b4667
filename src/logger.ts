// pino, configured once: JSON lines, tokens fingerprinted and passwords removed wherever a known path
// carries them, pretty-printed only for a human at a terminal.
import { createRequire } from 'node:module';
import pino, { type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import { redactToken } from './redact.js';

export type { Logger } from 'pino';

const TOKEN_PATHS = ['x-auth-token', 'x-subject-token', 'x-service-token', 'x-storage-token', 'authorization'].flatMap((h) => [
  `req.headers["${h}"]`,
  `headers["${h}"]`,
  `request.headers["${h}"]`,
  `res.headers["${h}"]`,
]);
const SECRET_PATHS = ['password', '*.password', '*.*.password', '*.*.*.password', 'memcache_secret_key', '*.memcache_secret_key', '*.*.memcache_secret_key'];

export interface LoggerSettings {
  level: string;
  /** Pretty output; defaults to "stdout is a TTY and pino-pretty is installed". */
  pretty?: boolean;
  /** Where lines go (tests capture them); stdout by default. */
  destination?: DestinationStream;
}

export function createLogger(settings: LoggerSettings): Logger {
  const options: LoggerOptions = {
    level: settings.level,
    base: { service: 'image-names' },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      paths: [...TOKEN_PATHS, ...SECRET_PATHS],
      censor: (value: unknown, path: string[]) =>
        path.at(-1) === 'password' || path.at(-1) === 'memcache_secret_key' || typeof value !== 'string' ? '[Redacted]' : redactToken(value),
    },
  };
  if (settings.destination) return pino(options, settings.destination);
  const pretty = settings.pretty ?? (process.stdout.isTTY === true && canResolve('pino-pretty'));
  if (pretty) return pino({ ...options, transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss.l' } } });
  return pino(options);
}

function canResolve(name: string): boolean {
  try {
    createRequire(import.meta.url).resolve(name);
    return true;
  } catch {
    return false; // pino-pretty is a dev dependency: production images log JSON.
  }
}
