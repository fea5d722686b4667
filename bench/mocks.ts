// The benchmark's upstreams, in a process of their own: the mock Keystone and the mock Glance with image
// sets of 60 (demo), 1000 (wile) and 10000 (alt) visible images. Prints one JSON line with their URLs.
import { startMockCloud } from '../src/mocks/cloud.js';
import { generateImages } from '../src/mocks/glance/store.js';

const PROJECTS = {
  demo: '7f3a9c1e5b2d4f6a8c0e2b4d6f8a0c2e',
  wile: 'e8a0c2e4b6d8f0a2c4e6b8d0f2a4c6e8',
  alt: 'c4e6a8b0d2f4a6c8e0b2d4f6a8c0e2b4',
};
// Seeded images each of them already sees: 10, 5 and 9.
const extra = [
  ...generateImages(50, PROJECTS.demo),
  ...generateImages(995, PROJECTS.wile),
  ...generateImages(9991, PROJECTS.alt),
];

const cloud = await startMockCloud({
  keystone: { port: 0, control: true, token_ttl: 7200 },
  glance: { port: 0, control: true },
  extraImages: extra,
});
process.stdout.write(`${JSON.stringify({ keystone: cloud.keystone.url, glance: cloud.glance.url })}\n`);
process.on('SIGTERM', () => void cloud.close().then(() => process.exit(0)));
