// first: fills targets in config order up to their maxConnections.
import assert from 'node:assert/strict';
import { FirstPicker } from '../../src/balancer/first-picker.js';
import { ANY_REQUEST, nameOf, targets, type TestTarget } from './picker-fixtures.js';

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
});
