// npm run docs:config: regenerate docs/configuration.md and the sample configuration file from the schema.
import fs from 'node:fs';
import { renderConfigReference } from '../src/config/reference.js';
import { renderConfigSample, SAMPLE_PATH } from '../src/config/sample.js';

fs.writeFileSync('docs/configuration.md', renderConfigReference());
fs.mkdirSync('etc', { recursive: true });
fs.writeFileSync(SAMPLE_PATH, renderConfigSample());
process.stdout.write(`wrote docs/configuration.md and ${SAMPLE_PATH}\n`);
