// least-request: N distinct weighted samples, the least loaded per unit of weight wins.
import assert from 'node:assert/strict';
import { CountedTarget, InflightTable } from '../../src/balancer/inflight-table.js';
import type { BalancedTarget } from '../../src/balancer/picker.js';
import { LeastRequestPicker } from '../../src/balancer/least-request-picker.js';
import { Prng } from '../../src/balancer/prng.js';
import { ANY_REQUEST, nameOf, numberedTargets, sequence, targets, weightShares, worstShareError, type TestTarget } from './picker-fixtures.js';

/**
 * An InflightTable holding `loads` whose counts record which slots a pick read: pickers read
 * the table, not the target objects, so that is where a pick's comparisons show.
 */
function spiedTable(loads: readonly number[], seen: Set<number>): InflightTable {
  const table = new InflightTable(loads.length);
  table.counts.set(loads);
  const counts = new Proxy(table.counts, {
    get(array, key) {
      if (typeof key === 'string' && /^\d+$/.test(key)) seen.add(Number(key));
      return Reflect.get(array, key) as unknown;
    },
  });
  Object.defineProperty(table, 'counts', { value: counts });
  return table;
}

class SpiedTarget extends CountedTarget implements BalancedTarget {
  readonly maxConnections = Infinity;
  constructor(
    table: InflightTable,
    slot: number,
    readonly address: string,
    readonly weight: number,
    private readonly load: number,
  ) {
    super(table, slot);
  }

  /** Load per unit of weight, read without being recorded. */
  get ratio(): number {
    return this.load / this.weight;
  }
}

describe('least-request picker', () => {
  const samplings: { name: string; count: number; choices: number; weightOf: (i: number) => number }[] = [
    { name: '2 of 20, equal weights', count: 20, choices: 2, weightOf: () => 1 },
    { name: '3 of 20, mixed weights', count: 20, choices: 3, weightOf: (i) => 1 + (i % 4) },
    { name: '5 of 100, mixed weights', count: 100, choices: 5, weightOf: (i) => 1 + (i % 10) },
    { name: '2 of 4, one target with 99.9 % of the weight', count: 4, choices: 2, weightOf: (i) => (i === 0 ? 3000 : 1) },
    { name: '10 of 11', count: 11, choices: 10, weightOf: (i) => i + 1 },
  ];
  for (const { name, count, choices, weightOf } of samplings) {
    it(`compares exactly ${choices} distinct targets and takes the least loaded of them: ${name}`, () => {
      const seen = new Set<number>();
      const prng = new Prng(5);
      const loads = Array.from({ length: count }, () => prng.below(20));
      const table = spiedTable(loads, seen);
      const all = loads.map((load, i) => new SpiedTarget(table, i, `t${i}:80`, weightOf(i), load));
      const picker = new LeastRequestPicker(all, choices, 9);
      for (let k = 0; k < 500; k++) {
        seen.clear();
        const target = picker.pick(ANY_REQUEST) as SpiedTarget;
        assert.equal(seen.size, choices, `pick ${k} compared ${seen.size} targets`);
        const least = Math.min(...[...seen].map((slot) => (all[slot] as SpiedTarget).ratio));
        assert.ok(seen.has(target.slot) && target.ratio === least, `pick ${k} took ${target.address} (${target.ratio}), least was ${least}`);
      }
    });
  }

  const smallUpstreams: { name: string; weights: number[]; inflight: number[]; choices: number; expected: string }[] = [
    { name: 'two targets, two choices', weights: [1, 1], inflight: [5, 0], choices: 2, expected: 'b' },
    { name: 'three targets, three choices', weights: [1, 1, 1], inflight: [4, 3, 1], choices: 3, expected: 'c' },
    { name: 'per unit of weight', weights: [4, 1], inflight: [6, 2], choices: 2, expected: 'a' },
  ];
  for (const { name, weights, inflight, choices, expected } of smallUpstreams) {
    it(`compares every target when there are no more than choices: ${name} → ${expected}`, () => {
      const all = targets(['a', 'b', 'c'].slice(0, weights.length), weights);
      all.forEach((t, i) => (t.inflight = inflight[i] as number));
      const picker = new LeastRequestPicker(all, choices, 1);
      for (let k = 0; k < 50; k++) assert.equal(nameOf(picker.pick(ANY_REQUEST)), expected);
    });
  }

  const idleSplits: { name: string; weights: number[] }[] = [
    { name: 'equal weights', weights: [1, 1, 1, 1, 1] },
    { name: 'weights 1..4', weights: [1, 2, 3, 4] },
    { name: 'two targets 3:1 (every target compared)', weights: [3, 1] },
  ];
  for (const { name, weights } of idleSplits) {
    it(`splits idle traffic by weight (ties go to the first sample): ${name}`, () => {
      const all = numberedTargets(weights.length, (i) => weights[i] as number);
      const picker = new LeastRequestPicker(all, 2, 21);
      const counts = new Map<TestTarget, number>(all.map((t) => [t, 0]));
      for (let k = 0; k < 10_000; k++) {
        const target = picker.pick(ANY_REQUEST) as TestTarget;
        counts.set(target, (counts.get(target) ?? 0) + 1);
      }
      const observed = new Map([...counts].map(([t, c]) => [t, c / 10_000]));
      const { error, target } = worstShareError(observed, weightShares(all));
      assert.ok(error <= 0.02, `${target} off by ${(error * 100).toFixed(2)} %`);
    });
  }

  it('repeats its picks for the same seed and differs for another', () => {
    const all = numberedTargets(10, (i) => i + 1);
    const first = sequence(new LeastRequestPicker(all, 2, 42), 50);
    assert.deepEqual(sequence(new LeastRequestPicker(all, 2, 42), 50), first);
    assert.notDeepEqual(sequence(new LeastRequestPicker(all, 2, 43), 50), first);
  });

  it('still finds the one target with room when almost all are full', () => {
    const all = numberedTargets(100);
    for (const t of all) t.maxConnections = 1;
    for (const t of all) if (t.address !== 't63:80') t.inflight = 1;
    const picker = new LeastRequestPicker(all, 2, 3);
    for (let k = 0; k < 20; k++) assert.equal(nameOf(picker.pick(ANY_REQUEST)), 't63');
  });
});
