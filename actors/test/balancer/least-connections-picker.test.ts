// least-connections: lowest (inflight + 1) / weight, ties taken in turn.
import assert from 'node:assert/strict';
import { Prng } from '../../src/balancer/prng.js';
import { LeastConnectionsPicker } from '../../src/balancer/least-connections-picker.js';
import { ANY_REQUEST, nameOf, numberedTargets, sequence, targets, type TestTarget } from './picker-fixtures.js';

function withInflight(weights: number[], inflight: number[], caps: number[] = []): TestTarget[] {
  const all = targets(['a', 'b', 'c'].slice(0, weights.length), weights, caps);
  all.forEach((t, i) => (t.inflight = inflight[i] as number));
  return all;
}

describe('least-connections picker', () => {
  const choices: { name: string; weights: number[]; inflight: number[]; caps?: number[]; expected: string }[] = [
    { name: 'fewest in flight, equal weights', weights: [1, 1, 1], inflight: [3, 1, 2], expected: 'b' },
    { name: 'load per weight: 4/2 beats 3/1', weights: [2, 1], inflight: [3, 2], expected: 'a' },
    { name: 'three times the weight takes more: 3/3 beats 2/1', weights: [1, 3], inflight: [1, 2], expected: 'b' },
    { name: 'all idle: the heaviest', weights: [1, 5, 1], inflight: [0, 0, 0], expected: 'b' },
    { name: 'idle, weight 1 beats weight 0.5 (slow start)', weights: [0.5, 1], inflight: [0, 0], expected: 'b' },
    { name: 'fractional weights compare exactly: 1/0.5 beats 3/1', weights: [0.5, 1], inflight: [0, 2], expected: 'a' },
    { name: 'least loaded but full is skipped', weights: [1, 1, 1], inflight: [1, 5, 1], caps: [1, Infinity, Infinity], expected: 'c' },
    { name: 'everyone full', weights: [1, 1], inflight: [2, 2], caps: [2, 2], expected: '-' },
  ];
  for (const { name, weights, inflight, caps, expected } of choices) {
    it(`picks ${expected} when ${name}`, () => {
      assert.equal(nameOf(new LeastConnectionsPicker(withInflight(weights, inflight, caps)).pick(ANY_REQUEST)), expected);
    });
  }

  const ties: { name: string; weights: number[]; inflight: number[]; expected: string }[] = [
    { name: 'all idle, equal weights', weights: [1, 1, 1], inflight: [0, 0, 0], expected: 'a b c a b c' },
    { name: 'a and c tie, b busy', weights: [1, 1, 1], inflight: [0, 5, 0], expected: 'a c a c' },
    { name: 'b and c tie after weighting', weights: [4, 2, 2], inflight: [9, 1, 1], expected: 'b c b c' },
  ];
  for (const { name, weights, inflight, expected } of ties) {
    it(`takes ties in turn (${name}): ${expected}`, () => {
      const picker = new LeastConnectionsPicker(withInflight(weights, inflight));
      assert.equal(sequence(picker, expected.split(' ').length).join(' '), expected);
    });
  }

  it('follows inflight as the data plane changes it', () => {
    const all = withInflight([1, 1, 1], [0, 0, 0]);
    const [a, b, c] = all as [TestTarget, TestTarget, TestTarget];
    const picker = new LeastConnectionsPicker(all);
    const open = (): string => {
      const target = picker.pick(ANY_REQUEST) as TestTarget;
      target.inflight++;
      return nameOf(target);
    };
    assert.equal([open(), open(), open(), open()].join(' '), 'a b c a');
    b.inflight = 0;
    c.inflight = 0;
    assert.equal([open(), open()].join(' '), 'b c');
    a.inflight = 10;
    assert.equal([open(), open(), open(), open()].join(' '), 'b c b c');
  });

  it('spreads concurrent requests in proportion to weight', () => {
    const all = withInflight([5, 1, 1], [0, 0, 0]);
    const picker = new LeastConnectionsPicker(all);
    for (let k = 0; k < 700; k++) (picker.pick(ANY_REQUEST) as TestTarget).inflight++;
    // (inflight + 1) / weight equalised: a ≈ 5 × (b + 1) - 1.
    const [a, b, c] = all.map((t) => t.inflight) as [number, number, number];
    assert.ok(Math.abs(a - 500) <= 5 && Math.abs(b - 100) <= 1 && Math.abs(c - 100) <= 1, `inflight ${a}, ${b}, ${c}`);
  });

  // The tree path (plain picks) and the scan path (retries) must choose alike: drive two pickers
  // over the same targets through the same changes, one picking plainly and one "excluding" a
  // target of another upstream (which forces the scan and excludes nothing here).
  const drives: { name: string; weights: (i: number) => number; caps: (i: number) => number; writesBetween: number }[] = [
    { name: 'equal weights', weights: () => 1, caps: () => Infinity, writesBetween: 3 },
    { name: 'mixed and slow-start weights, some caps', weights: (i) => [1, 2, 5, 0.25][i % 4] as number, caps: (i) => (i % 3 === 0 ? 4 : Infinity), writesBetween: 3 },
    { name: 'more writes between picks than the journal holds', weights: (i) => 1 + (i % 3), caps: () => Infinity, writesBetween: 300 },
  ];
  for (const { name, weights, caps, writesBetween } of drives) {
    it(`chooses as a full scan does while counts change (${name})`, () => {
      const all = numberedTargets(40, weights);
      all.forEach((t, i) => (t.maxConnections = caps(i)));
      const [treePicker, scanPicker] = [new LeastConnectionsPicker(all), new LeastConnectionsPicker(all)];
      const outsider = targets(['elsewhere'])[0] as TestTarget;
      const prng = new Prng(11);
      for (let step = 0; step < 3000; step++) {
        const writes = prng.below(writesBetween + 1);
        for (let w = 0; w < writes; w++) {
          const t = all[prng.below(all.length)] as TestTarget;
          t.inflight = Math.max(0, t.inflight + (prng.below(2) === 0 ? 1 : -1));
        }
        const chosen = treePicker.pick(ANY_REQUEST);
        assert.equal(nameOf(chosen), nameOf(scanPicker.pickExcluding(ANY_REQUEST, [outsider])), `step ${step}`);
        if (chosen !== undefined) (chosen as TestTarget).inflight++;
      }
    });
  }

  it('never returns an excluded target even when it is the least loaded', () => {
    const all = withInflight([1, 1, 1], [0, 3, 2]);
    const picker = new LeastConnectionsPicker(all);
    assert.equal(nameOf(picker.pickExcluding(ANY_REQUEST, [all[0] as TestTarget])), 'c');
    assert.equal(nameOf(picker.pickExcluding(ANY_REQUEST, [all[0] as TestTarget, all[2] as TestTarget])), 'b');
  });
});
