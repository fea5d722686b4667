// annotate: attributes are computed and set only on a span that records them (end to end with an SDK:
// test/telemetry.test.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Attributes, Span } from '@opentelemetry/api';
import { annotate, tracer } from '../../src/common/tracing.js';

function span(recording: boolean) {
  const set: Attributes[] = [];
  const fake = {
    isRecording: () => recording,
    setAttributes: (a: Attributes) => {
      set.push(a);
      return fake;
    },
  };
  return { span: fake as unknown as Span, set };
}

test('a recording span gets the attributes', () => {
  const s = span(true);
  annotate(s.span, () => ({ 'url.path': '/images' }));
  assert.deepEqual(s.set, [{ 'url.path': '/images' }], 'set once, as computed');
});

test('a span that does not record: the attributes are not even computed', () => {
  const s = span(false);
  let computed = false;
  annotate(s.span, () => {
    computed = true;
    return {};
  });
  assert.deepEqual([computed, s.set], [false, []], 'no work for a span that would discard it');
});

test("without an SDK the tracer's spans are the API's no-op ones", () => {
  const started = tracer.startSpan('x');
  assert.equal(started.isRecording(), false, 'no SDK registered in this process: a non-recording span');
  started.end();
});
