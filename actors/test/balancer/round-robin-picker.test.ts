// round-robin: exact smooth weighted sequences, skipping full and excluded targets.
import assert from 'node:assert/strict';
import { buildSchedule, RoundRobinPicker } from '../../src/balancer/round-robin-picker.js';
import { ANY_REQUEST, nameOf, numberedTargets, sequence, targets, type TestTarget } from './picker-fixtures.js';

describe('round-robin picker', () => {
  const sequences: { weights: number[]; expected: string }[] = [
    { weights: [5, 1, 1], expected: 'a a b a c a a a a b a c a a' },
    { weights: [1, 1, 1], expected: 'a b c a b c' },
    { weights: [1, 2], expected: 'b a b b a b' },
    { weights: [2, 0, 1], expected: 'a c a a c a' },
    { weights: [10, 20], expected: 'b a b b a b' },
    { weights: [7], expected: 'a a a' },
    { weights: [0, 0], expected: '- -' },
  ];
  for (const { weights, expected } of sequences) {
    it(`picks ${expected} for weights ${weights.join(',')}`, () => {
      const names = ['a', 'b', 'c'].slice(0, weights.length);
      const picker = new RoundRobinPicker(targets(names, weights));
      assert.equal(sequence(picker, expected.split(' ').length).join(' '), expected);
    });
  }

  const skipping: { name: string; weights: number[]; inflight: number[]; caps: number[]; excluded: string[]; expected: string }[] = [
    // a's slots go to b and c by live SWRR over the two: 7 and 7 in two cycles.
    { name: 'a full', weights: [5, 1, 1], inflight: [2, 0, 0], caps: [2, Infinity, Infinity], excluded: [], expected: 'b c b b c c b c b b c c b c' },
    // b's slot goes to a or c by weight 5:1.
    { name: 'b full', weights: [5, 1, 1], inflight: [0, 1, 0], caps: [Infinity, 1, Infinity], excluded: [], expected: 'a a a a c a a a a a a c a a' },
    { name: 'a excluded', weights: [5, 1, 1], inflight: [0, 0, 0], caps: [Infinity, Infinity, Infinity], excluded: ['a'], expected: 'b c b b c c b' },
    { name: 'a full, c excluded', weights: [5, 1, 1], inflight: [3, 0, 0], caps: [3, Infinity, Infinity], excluded: ['c'], expected: 'b b b' },
    { name: 'all full', weights: [1, 1, 1], inflight: [1, 1, 1], caps: [1, 1, 1], excluded: [], expected: '- - -' },
  ];
  for (const { name, weights, inflight, caps, excluded, expected } of skipping) {
    it(`skips targets that cannot take the request: ${name} → ${expected}`, () => {
      const all = targets(['a', 'b', 'c'], weights, caps);
      all.forEach((t, i) => (t.inflight = inflight[i] as number));
      const picker = new RoundRobinPicker(all);
      const without = all.filter((t) => excluded.includes(nameOf(t)));
      const seen = Array.from({ length: expected.split(' ').length }, () => nameOf(picker.pickExcluding(ANY_REQUEST, without)));
      assert.equal(seen.join(' '), expected);
    });
  }

  it('finds the one target with room among 100 when the schedule is full of the others', () => {
    const all = numberedTargets(100, (i) => (i === 57 ? 1 : 50));
    for (const t of all) t.maxConnections = 1;
    for (const t of all) if (t.address !== 't57:80') t.inflight = 1;
    const picker = new RoundRobinPicker(all);
    for (let k = 0; k < 10; k++) assert.equal(nameOf(picker.pick(ANY_REQUEST)), 't57');
  });

  it('goes back to the full target as soon as it has room', () => {
    const all = targets(['a', 'b'], [1, 1], [1, Infinity]);
    const a = all[0] as TestTarget;
    const picker = new RoundRobinPicker(all);
    a.inflight = 1;
    assert.equal(sequence(picker, 3).join(' '), 'b b b');
    a.inflight = 0;
    // The schedule resumes where it was (at b's slot).
    assert.equal(sequence(picker, 4).join(' '), 'b a b a');
  });

  const schedules: { name: string; weights: number[]; length: number }[] = [
    { name: 'reduced by the gcd', weights: [10, 20, 30], length: 6 },
    { name: 'equal weights: one slot each', weights: [3, 3, 3, 3], length: 4 },
    { name: 'fractions scaled to ~8192 slots', weights: [1, 0.5], length: 8192 },
    { name: 'a huge cycle scaled to ~8192 slots', weights: [100_000, 99_999], length: 8192 },
    { name: 'a tiny fraction keeps one slot', weights: [1, 1e-9], length: 8193 },
  ];
  for (const { name, weights, length } of schedules) {
    it(`builds one cycle: ${name}`, () => {
      const schedule = buildSchedule(weights);
      assert.equal(schedule.length, length);
      const total = weights.reduce((sum, w) => sum + w, 0);
      weights.forEach((w, i) => {
        const share = schedule.filter((index) => index === i).length / schedule.length;
        assert.ok(Math.abs(share - w / total) <= 1 / schedule.length, `target ${i} has share ${share}`);
      });
    });
  }
});
