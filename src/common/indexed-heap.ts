// A binary heap that knows where each item sits, so an item whose key changed is moved, and any item is
// removed, in O(log n). The common heaps on npm find an item to remove by a linear search (heap-js,
// fastpriorityqueue) or cannot remove one at all (tinyqueue, flatqueue, mnemonist's Heap), and none re-keys
// one in place; admission control does both on every dispatch.

export class IndexedHeap<T> {
  private readonly items: T[] = [];
  private readonly index = new Map<T, number>();

  /** `before(a, b)`: a belongs nearer the top than b. It must read only what `set` is called after changing. */
  constructor(private readonly before: (a: T, b: T) => boolean) {}

  get size(): number {
    return this.items.length;
  }

  /** The top item, left in place. */
  peek(): T | undefined {
    return this.items[0];
  }

  has(item: T): boolean {
    return this.index.has(item);
  }

  /** Insert an item, or move it to its place after its key changed. */
  set(item: T): void {
    const at = this.index.get(item);
    if (at === undefined) {
      this.items.push(item);
      this.index.set(item, this.items.length - 1);
      this.up(this.items.length - 1);
    } else if (!this.up(at)) this.down(at);
  }

  delete(item: T): boolean {
    const at = this.index.get(item);
    if (at === undefined) return false;
    this.index.delete(item);
    const last = this.items.pop()!;
    if (at < this.items.length) {
      this.place(last, at);
      if (!this.up(at)) this.down(at);
    }
    return true;
  }

  private place(item: T, at: number): void {
    this.items[at] = item;
    this.index.set(item, at);
  }

  /** Move the item at `at` up while it belongs above its parent; whether it moved. */
  private up(at: number): boolean {
    const item = this.items[at]!;
    let i = at;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(item, this.items[parent]!)) break;
      this.place(this.items[parent]!, i);
      i = parent;
    }
    this.place(item, i);
    return i !== at;
  }

  private down(at: number): void {
    const item = this.items[at]!;
    const n = this.items.length;
    let i = at;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      const child = right < n && this.before(this.items[right]!, this.items[left]!) ? right : left;
      if (!this.before(this.items[child]!, item)) break;
      this.place(this.items[child]!, i);
      i = child;
    }
    this.place(item, i);
  }
}
