// The generated configuration reference: every option, and no drift from docs/configuration.md.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { renderConfigReference } from '../../src/config/reference.js';
import { describeOptions } from '../../src/config/schema.js';

test('docs/configuration.md matches the schema (run npm run docs:config after changing it)', () => {
  assert.equal(
    fs.readFileSync('docs/configuration.md', 'utf8'),
    renderConfigReference(),
    'docs/configuration.md is what npm run docs:config renders from the schema now',
  );
});

test('one row per option, secrets never shown', () => {
  const reference = renderConfigReference();
  for (const o of describeOptions())
    assert.ok(reference.includes(`| \`${o.group}.${o.key}\` | \`${o.env}\` |`), `${o.group}.${o.key} missing`);
  assert.match(
    reference,
    /\| `keystone_authtoken\.password` \| `OS_KEYSTONE_AUTHTOKEN__PASSWORD` \| `\(secret\)` \|/,
    "a secret's row shows (secret), never a default",
  );
});
