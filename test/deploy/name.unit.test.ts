// The service's name outside the code, in the one place each deployment keeps it: docker-compose.yml's project
// name and deploy/k8s/components/name/name.yaml. Both must be package.json's name (SERVICE_NAME), or a renamed
// fork would deploy under its old name (docs/forking.md, Rename it).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import * as yaml from 'js-yaml';
import { SERVICE_NAME } from '../../src/common/package-info.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const read = (file: string) => yaml.load(fs.readFileSync(path.join(ROOT, file), 'utf8'));

test("docker-compose.yml's project name is package.json's name", () => {
  const compose = read('docker-compose.yml') as { name?: unknown };
  assert.equal(compose.name, SERVICE_NAME, 'compose names the project, its images and the catalog type after it');
});

test("deploy/k8s/components/name/name.yaml holds package.json's name", () => {
  const doc = read('deploy/k8s/components/name/name.yaml') as { metadata?: { name?: unknown }; data?: { name?: unknown } };
  assert.equal(doc.metadata?.name, 'service-name', 'the component reads the ConfigMap service-name');
  assert.equal(doc.data?.name, SERVICE_NAME, 'every object, label and selector of the base takes its name from here');
});
