// Log capture for tests: a real pino logger (the service's redaction included) whose lines land in memory.
import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../src/common/logger.js';

export interface CapturedLogs {
  logger: Logger;
  /** Every line, parsed. */
  lines: Record<string, unknown>[];
  /** Every line as written (for checks that no secret leaked, byte for byte). */
  raw: string[];
}

/** A logger whose lines land in `lines` (parsed) and `raw`. */
export function captureLogger(level = 'trace'): CapturedLogs {
  const lines: Record<string, unknown>[] = [];
  const raw: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line.trim() === '') continue;
        raw.push(line);
        lines.push(JSON.parse(line) as Record<string, unknown>);
      }
      cb();
    },
  });
  return { logger: createLogger({ level, destination }), lines, raw };
}
