// random: weighted, seeded, O(1) draws; the alias table behind it.
import assert from 'node:assert/strict';
import { Prng } from '../../src/balancer/prng.js';
import { RandomPicker } from '../../src/balancer/random-picker.js';
import { WeightedSampler } from '../../src/balancer/weighted-sampler.js';
import { ANY_REQUEST, nameOf, numberedTargets, sequence, targets, type TestTarget } from './picker-fixtures.js';

describe('random picker', () => {
  const distributions: { name: string; weights: number[] }[] = [
    { name: 'equal', weights: [1, 1, 1, 1] },
    { name: '5,1,1', weights: [5, 1, 1] },
    { name: 'one tiny weight', weights: [100, 1, 100] },
    { name: 'fractions', weights: [0.1, 0.7, 0.2] },
    { name: '100 targets weighted 1..10', weights: Array.from({ length: 100 }, (_, i) => 1 + (i % 10)) },
  ];
  for (const { name, weights } of distributions) {
    it(`the alias table draws each index in proportion to its weight: ${name}`, () => {
      const sampler = new WeightedSampler(weights);
      const prng = new Prng(17);
      const draws = 200_000;
      const counts = new Float64Array(weights.length);
      for (let k = 0; k < draws; k++) {
        const i = sampler.sample(prng);
        counts[i] = (counts[i] as number) + 1;
      }
      const total = weights.reduce((sum, w) => sum + w, 0);
      weights.forEach((w, i) => {
        const p = w / total;
        // 5σ of a binomial share: a fixed seed makes this deterministic anyway.
        const tolerance = 5 * Math.sqrt((p * (1 - p)) / draws);
        assert.ok(Math.abs((counts[i] as number) / draws - p) <= tolerance, `index ${i}: ${(counts[i] as number) / draws} vs ${p}`);
      });
    });
  }

  it('repeats its picks for the same seed and differs for another', () => {
    const all = numberedTargets(10, (i) => i + 1);
    const first = sequence(new RandomPicker(all, 42), 50);
    assert.deepEqual(sequence(new RandomPicker(all, 42), 50), first);
    assert.notDeepEqual(sequence(new RandomPicker(all, 43), 50), first);
  });

  it('redraws when the drawn target is full', () => {
    const all = targets(['a', 'b', 'c'], [1, 1, 1], [1, Infinity, Infinity]);
    (all[0] as TestTarget).inflight = 1;
    const picker = new RandomPicker(all, 8);
    const names = new Set(sequence(picker, 1000));
    assert.deepEqual([...names].sort(), ['b', 'c']);
  });

  it('still finds the one target with room when almost all are full', () => {
    const all = numberedTargets(100);
    for (const t of all) t.maxConnections = 1;
    for (const t of all) if (t.address !== 't12:80') t.inflight = 1;
    const picker = new RandomPicker(all, 3);
    for (let k = 0; k < 20; k++) assert.equal(nameOf(picker.pick(ANY_REQUEST)), 't12');
  });
});
