// The sample configuration file: generated from the schema in oslo-config-generator's style, in sync with
// etc/<name>.conf.sample, and read back by the loader as exactly the defaults it documents.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defaultConfig, loadConfiguration } from '../../src/config/load.js';
import { renderConfigSample, SAMPLE_PATH } from '../../src/config/sample.js';
import { describeOptions } from '../../src/config/schema.js';

test(`${SAMPLE_PATH} matches the schema (run npm run docs:config after changing it)`, () => {
  assert.equal(fs.readFileSync(SAMPLE_PATH, 'utf8'), renderConfigSample(), 'the committed sample is the generated one');
});

test("oslo-config-generator's layout: [DEFAULT] first, groups in name order, every option with help, type and default", () => {
  const sample = renderConfigSample();
  const groups = [...sample.matchAll(/^\[([a-z_A-Z]+)\]$/gm)].map((m) => m[1]);
  const ours = [...new Set(describeOptions().map((o) => o.group))].sort();
  assert.deepEqual(groups, ['DEFAULT', ...ours], 'DEFAULT, then sorted groups');
  for (const o of describeOptions()) {
    const block = sample.split(`\n[${o.group}]\n`)[1]?.split('\n\n\n[')[0] ?? '';
    const option = block.split('\n\n').find((b) => b.split('\n').some((l) => l.startsWith(`#${o.key} =`))) ?? '';
    const help = option
      .split('\n')
      .filter((l) => l.startsWith('# '))
      .map((l) => l.slice(2))
      .join(' ');
    assert.match(help, /^\S.* \((string|boolean|integer|floating point|list|port|URI) value\)/, `${o.key}: help, type`);
    if (o.range) assert.ok(option.includes(`# Minimum value: ${o.range.min}\n`), `${o.group}.${o.key}: its minimum`);
  }
  for (const line of sample.split('\n'))
    assert.ok(line.length <= 79 || !line.slice(2).includes(' '), `wrapped at 79 columns: ${line}`);
  assert.ok(
    sample.includes('# Deprecated group/name - [keystone_authtoken]/cafile\n#cafile =\n'),
    'the TLS aliases listed',
  );
});

test('every `#option = default` uncommented loads as exactly the defaults', () => {
  const uncommented = renderConfigSample().replace(/^#([a-z_]+) =/gm, '$1 =');
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sample-')), 'all.conf');
  fs.writeFileSync(file, uncommented);
  const { config, warnings } = loadConfiguration({
    env: { OS_KEYSTONE_AUTHTOKEN__PASSWORD: 'pw' },
    configDir: '/nonexistent',
    sources: [{ kind: 'file', path: file }],
  });
  const expected = defaultConfig();
  assert.deepEqual(
    { ...config, keystone_authtoken: { ...config.keystone_authtoken, password: '' } },
    expected,
    'each default written in the sample reads back as itself',
  );
  assert.deepEqual(warnings, [], 'no warning for a file of current names');
});
