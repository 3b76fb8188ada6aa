// MinTree: the root is the minimum and firstAtMost finds the first index at most a bound, after any updates.
import assert from 'node:assert/strict';
import { MinTree, NOT_ELIGIBLE } from '../../src/balancer/min-tree.js';
import { Prng } from '../../src/balancer/prng.js';

/** What firstAtMost must return, by a plain scan. */
function firstAtMost(values: readonly number[], from: number, bound: number): number {
  for (let i = from; i < values.length; i++) if ((values[i] as number) <= bound) return i;
  return -1;
}

describe('MinTree', () => {
  it('has no minimum and finds nothing when empty', () => {
    const tree = new MinTree(0);
    assert.equal(tree.min(), NOT_ELIGIBLE);
    assert.equal(tree.firstAtMost(0, NOT_ELIGIBLE - 1), -1);
  });

  for (const length of [1, 2, 3, 7, 8, 9, 64, 100]) {
    it(`agrees with a scan after random updates, single and batched (${length} values)`, () => {
      const prng = new Prng(length);
      const tree = new MinTree(length);
      const values = Array.from({ length }, () => NOT_ELIGIBLE);
      for (let step = 0; step < 2000; step++) {
        if (step % 500 === 499) {
          // A batch: leaves first, then one recompute (what a rebuild does).
          for (let i = 0; i < length; i++) {
            values[i] = prng.below(4) === 0 ? NOT_ELIGIBLE : prng.below(12);
            tree.setLeaf(i, values[i] as number);
          }
          tree.recompute();
        } else {
          const i = prng.below(length);
          values[i] = prng.below(5) === 0 ? NOT_ELIGIBLE : prng.below(12);
          tree.set(i, values[i] as number);
        }
        const least = Math.min(...values);
        assert.equal(tree.min(), least, `step ${step}: min`);
        const from = prng.below(length + 1);
        const bound = prng.below(3) === 0 ? least : prng.below(13);
        assert.equal(tree.firstAtMost(from, bound), firstAtMost(values, from, bound), `step ${step}: firstAtMost(${from}, ${bound}) of ${values.join(',')}`);
      }
    });
  }
});
