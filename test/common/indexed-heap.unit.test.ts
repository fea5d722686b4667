// The indexed heap: order, re-keying and removal by item, checked against a sorted copy on random work.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IndexedHeap } from '../../src/common/indexed-heap.js';

interface Item {
  id: number;
  key: number;
}

/** A deterministic pseudo-random sequence (mulberry32), so a failure replays. */
function random(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const byKey = (a: Item, b: Item) => a.key < b.key || (a.key === b.key && a.id < b.id);

test('peek is always the smallest item, through inserts, re-keys and removals in any order', () => {
  const next = random(21);
  const heap = new IndexedHeap<Item>(byKey);
  const present = new Set<Item>();
  let id = 0;
  for (let step = 0; step < 5000; step++) {
    const roll = next();
    const items = [...present];
    const some = items[Math.floor(next() * items.length)];
    if (roll < 0.4 || !some) {
      const item = { id: id++, key: Math.floor(next() * 50) };
      heap.set(item);
      present.add(item);
    } else if (roll < 0.7) {
      some.key = Math.floor(next() * 50);
      heap.set(some);
    } else {
      assert.equal(heap.delete(some), true, 'a present item is removed');
      present.delete(some);
    }
    const smallest = [...present].sort((a, b) => (byKey(a, b) ? -1 : 1))[0];
    assert.equal(heap.peek(), smallest, `step ${step}: the top is the smallest item`);
    assert.equal(heap.size, present.size, `step ${step}: size counts the items`);
  }
});

test('has, and deleting an item that is not there', () => {
  const heap = new IndexedHeap<Item>(byKey);
  const a = { id: 1, key: 1 };
  assert.equal(heap.has(a), false, 'not yet inserted');
  heap.set(a);
  heap.set(a);
  assert.equal(heap.size, 1, 'set twice is one item');
  assert.equal(heap.has(a), true, 'inserted');
  assert.equal(heap.delete(a), true, 'removed');
  assert.equal(heap.delete(a), false, 'already gone');
  assert.equal(heap.peek(), undefined, 'empty');
});
