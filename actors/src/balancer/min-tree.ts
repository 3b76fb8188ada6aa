// A segment tree of int32 minimums: O(log n) update, O(1) minimum, O(log n) first index at most a bound.

/** The value of padding leaves, and what callers store for "not eligible": above any real value. */
export const NOT_ELIGIBLE = 0x3fffffff;

/**
 * Values v[0..length) in a complete binary tree (1-based heap order, leaves at [size, 2 size)),
 * each inner node holding the minimum of its children. Pickers keep one per candidate set so a
 * pick that needs "the least loaded, the first one from position p" does O(log n) work instead of
 * reading every target: `min()` is the root, `firstAtMost(p, min())` walks right from leaf p and
 * down the first subtree that holds the minimum.
 */
export class MinTree {
  readonly length: number;
  private readonly size: number;
  private readonly nodes: Int32Array;

  constructor(length: number) {
    this.length = length;
    let size = 1;
    while (size < length) size *= 2;
    this.size = size;
    this.nodes = new Int32Array(2 * size).fill(NOT_ELIGIBLE);
  }

  /** The smallest value (NOT_ELIGIBLE when there is none). */
  min(): number {
    return this.nodes[1] as number;
  }

  /** Sets v[index] and the minimums above it; stops as soon as an inner node does not change. */
  set(index: number, value: number): void {
    const nodes = this.nodes;
    let node = index + this.size;
    if (nodes[node] === value) return;
    nodes[node] = value;
    for (node >>= 1; node >= 1; node >>= 1) {
      const left = nodes[2 * node] as number;
      const right = nodes[2 * node + 1] as number;
      const least = left < right ? left : right;
      if (nodes[node] === least) return;
      nodes[node] = least;
    }
  }

  /** Sets v[index] without updating the inner nodes: call `recompute()` after a batch. */
  setLeaf(index: number, value: number): void {
    this.nodes[index + this.size] = value;
  }

  /** Recomputes every inner node from the leaves: O(n). */
  recompute(): void {
    const nodes = this.nodes;
    for (let node = this.size - 1; node >= 1; node--) {
      const left = nodes[2 * node] as number;
      const right = nodes[2 * node + 1] as number;
      nodes[node] = left < right ? left : right;
    }
  }

  /** The first index ≥ `from` whose value is ≤ `bound`, or -1 when there is none. */
  firstAtMost(from: number, bound: number): number {
    if (from >= this.length) return -1;
    const nodes = this.nodes;
    const size = this.size;
    let node = from + size;
    for (;;) {
      if ((nodes[node] as number) <= bound) {
        // Down to the leftmost leaf of this subtree that holds a value ≤ bound.
        while (node < size) {
          node *= 2;
          if ((nodes[node] as number) > bound) node++;
        }
        return node - size;
      }
      // To the subtree just right of this one: up while this is a right child, then its sibling.
      while ((node & 1) === 1) {
        if (node === 1) return -1;
        node >>= 1;
      }
      node++;
    }
  }
}
