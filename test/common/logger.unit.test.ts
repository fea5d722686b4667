// Redaction on the known paths: token headers become {SHA256}<hex>, passwords [Redacted] (through a whole
// flow at every level: logger.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { captureLogger } from '../helpers/logs.js';

test('known paths: token headers become {SHA256}<hex>, passwords [Redacted]', () => {
  const { logger, raw } = captureLogger('trace');
  logger.info(
    {
      req: { headers: { 'x-auth-token': 'tok-123', authorization: 'Bearer abc' } },
      password: 'pw1',
      nested: { password: 'pw2', deeper: { password: 'pw3' } },
    },
    'line',
  );
  const line = raw.join('\n');
  assert.doesNotMatch(
    line,
    /tok-123|Bearer abc|pw1|pw2|pw3/,
    'no token, Authorization value or password appears in the line',
  );
  assert.match(line, /\{SHA256\}[0-9a-f]{64}/, 'a token header is logged as {SHA256}<hex>');
  assert.match(line, /\[Redacted\]/, 'passwords are logged as [Redacted]');
});

test('a merging object with toJSON is logged as its toJSON, as a nested one is (pino alone copies its fields)', () => {
  const { logger, lines } = captureLogger('trace');
  const holder = { token: 'tok-456', toJSON: () => ({ token: 'fingerprint' }) };
  logger.info(holder, 'merged');
  logger.info({ nested: holder }, 'nested');
  logger.info({ toJSON: () => 'a string' }, 'scalar');
  assert.equal(lines[0]?.token, 'fingerprint', 'the merging object went through its toJSON');
  assert.deepEqual(lines[1]?.nested, { token: 'fingerprint' }, 'a nested object goes through its toJSON');
  assert.equal(lines[2]?.value, 'a string', 'a toJSON that gives no object is logged under value');
  assert.doesNotMatch(JSON.stringify(lines), /tok-456/, 'the field toJSON leaves out is not logged');
});
