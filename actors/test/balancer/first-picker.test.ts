// first: fills targets in config order up to their maxConnections.
import assert from 'node:assert/strict';
import { FirstPicker } from '../../src/balancer/first-picker.js';
import { Prng } from '../../src/balancer/prng.js';
import { ANY_REQUEST, nameOf, numberedTargets, targets, type TestTarget } from './picker-fixtures.js';

/** Picks `count` requests that never complete: each pick adds one in flight. */
function fill(picker: FirstPicker<TestTarget>, count: number): string {
  return Array.from({ length: count }, () => {
    const target = picker.pick(ANY_REQUEST);
    if (target !== undefined) target.inflight++;
    return nameOf(target);
  }).join(' ');
}

describe('first picker', () => {
  const fills: { name: string; weights?: number[]; caps: number[]; expected: string }[] = [
    { name: 'caps 2,1,3', caps: [2, 1, 3], expected: 'a a b c c c - -' },
    { name: 'an unlimited first target takes everything', caps: [Infinity, 1, 1], expected: 'a a a a a' },
    { name: 'weights do not matter', weights: [1, 10, 100], caps: [1, 1, 1], expected: 'a b c -' },
    { name: 'weight 0 is never used', weights: [0, 1, 1], caps: [5, 1, 1], expected: 'b c -' },
  ];
  for (const { name, weights, caps, expected } of fills) {
    it(`fills in config order (${name}): ${expected}`, () => {
      const picker = new FirstPicker(targets(['a', 'b', 'c'], weights, caps));
      assert.equal(fill(picker, expected.split(' ').length), expected);
    });
  }

  it('sends traffic back to an earlier target as soon as it has room', () => {
    const all = targets(['a', 'b', 'c'], [], [1, 1, 5]);
    const picker = new FirstPicker(all);
    assert.equal(fill(picker, 3), 'a b c');
    (all[1] as TestTarget).inflight--;
    assert.equal(fill(picker, 2), 'b c');
  });

  it('skips excluded targets to the next in order', () => {
    const all = targets(['a', 'b', 'c']);
    const picker = new FirstPicker(all);
    assert.equal(nameOf(picker.pickExcluding(ANY_REQUEST, [all[0] as TestTarget])), 'b');
    assert.equal(nameOf(picker.pickExcluding(ANY_REQUEST, [all[0] as TestTarget, all[1] as TestTarget])), 'c');
  });

  for (const writesBetween of [2, 300]) {
    it(`finds the first target with room as an in-order scan does while counts change (${writesBetween} writes between picks)`, () => {
      const all = numberedTargets(50);
      all.forEach((t, i) => (t.maxConnections = 1 + (i % 3)));
      const picker = new FirstPicker(all);
      const prng = new Prng(4);
      for (let step = 0; step < 2000; step++) {
        const writes = prng.below(writesBetween + 1);
        for (let w = 0; w < writes; w++) {
          const t = all[prng.below(all.length)] as TestTarget;
          t.inflight = Math.max(0, t.inflight + (prng.below(3) === 0 ? -1 : 1));
        }
        const expected = all.find((t) => t.inflight < t.maxConnections);
        assert.equal(nameOf(picker.pick(ANY_REQUEST)), nameOf(expected), `step ${step}`);
      }
    });
  }
});
