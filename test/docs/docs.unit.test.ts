// The docs a fork keeps stay true: the layer table in docs/architecture.md is eslint.layers.js's, and every
// relative link between README.md, the top-level guides and docs/ reaches a file and, with #anchor, a heading.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
// @ts-expect-error: plain JS config module without types
import { LAYERS as UNTYPED_LAYERS } from '../../eslint.layers.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const LAYERS = UNTYPED_LAYERS as Record<string, string[]>;
const read = (file: string) => fs.readFileSync(path.join(ROOT, file), 'utf8');

/** The Markdown files whose links are checked (the generated reference has none of its own). */
function markdownFiles(): string[] {
  const top = ['README.md', 'CHANGELOG.md', 'CONTRIBUTING.md', 'SECURITY.md'].filter((f) =>
    fs.existsSync(path.join(ROOT, f)),
  );
  const docs = fs.readdirSync(path.join(ROOT, 'docs')).filter((f) => f.endsWith('.md'));
  return [...top, ...docs.map((f) => `docs/${f}`)];
}

/** Markdown without its fenced code blocks, where `](` and `#` mean nothing. */
const prose = (text: string) => text.replace(/^```[^\n]*\n[\s\S]*?^```$/gm, '');

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
function anchors(text: string): Set<string> {
  const seen = new Map<string, number>();
  const result = new Set<string>();
  for (const [, heading = ''] of prose(text).matchAll(/^#{1,6} (.+)$/gm)) {
    const slug = heading
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\- _]/gu, '')
      .replace(/ /g, '-');
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    result.add(n === 0 ? slug : `${slug}-${n}`);
  }
  return result;
}

test('docs/architecture.md lists exactly the layers and allowed imports of eslint.layers.js', () => {
  const doc = read('docs/architecture.md');
  const table = doc.split('| layer under `src/` | may import |')[1]?.split('\n\n')[0] ?? '';
  const rows = [...table.matchAll(/^\| `([\w.-]+)` \| ([^|]+) \|$/gm)].map(([, layer, allowed]) => ({
    layer,
    allowed: (allowed ?? '').trim(),
  }));
  const expected = Object.entries(LAYERS).map(([layer, allowed]) => ({
    layer,
    allowed: allowed.length ? allowed.map((a) => `\`${a}\``).join(', ') : 'nothing else',
  }));
  assert.deepEqual(rows, expected, 'the layer table in docs/architecture.md must match eslint.layers.js, row by row');
});

test('every relative link in README.md and docs/ reaches a file, and its #anchor a heading there', () => {
  const broken: string[] = [];
  for (const file of markdownFiles()) {
    for (const [, target = ''] of prose(read(file)).matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^[a-z]+:/i.test(target)) continue;
      const [link = '', anchor] = target.split('#');
      const resolved = link === '' ? file : path.normalize(path.join(path.dirname(file), link));
      if (!fs.existsSync(path.join(ROOT, resolved))) broken.push(`${file}: ${target} (no such file)`);
      else if (anchor && resolved.endsWith('.md') && !anchors(read(resolved)).has(anchor))
        broken.push(`${file}: ${target} (no such heading)`);
    }
  }
  assert.deepEqual(broken, [], `every link should resolve; broken: ${broken.join('; ')}`);
});
