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
