// npm run docs:config: regenerate docs/configuration.md.
import { renderConfigReference } from '../src/config/reference.js';

process.stdout.write(renderConfigReference());
