// Consistent hashing over memcached servers (ketama-style: 160 points a server on a 32-bit ring), so adding
// or removing a server moves only its share of the keys.
import { createHash } from 'node:crypto';

const POINTS_PER_SERVER = 160;

export class HashRing<T> {
  private readonly points: { hash: number; node: T }[];

  constructor(nodes: readonly { name: string; node: T }[]) {
    this.points = nodes
      .flatMap(({ name, node }) =>
        Array.from({ length: POINTS_PER_SERVER }, (_, i) => ({ hash: hash32(`${name}-${i}`), node })),
      )
      .sort((a, b) => a.hash - b.hash);
  }

  /** The node owning `key`: the first point clockwise from the key's hash. */
  get(key: string): T {
    const points = this.points;
    if (points.length === 0) throw new RangeError('empty hash ring');
    const h = hash32(key);
    let lo = 0;
    let hi = points.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (points[mid]!.hash < h) lo = mid + 1;
      else hi = mid;
    }
    return points[lo === points.length ? 0 : lo]!.node;
  }
}

function hash32(value: string): number {
  return createHash('md5').update(value).digest().readUInt32BE(0);
}
