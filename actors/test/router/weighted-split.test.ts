import assert from 'node:assert/strict';
import { createWeightedSplit } from '../../src/router/weighted-split.js';
import { tableWith } from './router-fixtures.js';

function sequence(weights: [string, number][], n: number): string[] {
  const split = createWeightedSplit(weights.map(([name, weight]) => ({ name, weight })));
  return Array.from({ length: n }, () => split.pick());
}

describe('weighted split (smooth weighted round robin)', () => {
  const cases: { weights: [string, number][]; expected: string[] }[] = [
    { weights: [['a', 1], ['b', 2]], expected: ['b', 'a', 'b', 'b', 'a', 'b'] },
    { weights: [['a', 5], ['b', 1], ['c', 1]], expected: ['a', 'a', 'b', 'a', 'c', 'a', 'a', 'a', 'a', 'b', 'a', 'c', 'a', 'a'] },
    { weights: [['a', 1], ['b', 1], ['c', 1]], expected: ['a', 'b', 'c', 'a', 'b', 'c'] },
    { weights: [['a', 0], ['b', 3], ['c', 0]], expected: ['b', 'b', 'b'] },
    { weights: [['only', 7]], expected: ['only', 'only'] },
    { weights: [['a', 2], ['zero', 0], ['b', 1]], expected: ['a', 'b', 'a', 'a', 'b', 'a'] },
  ];
  for (const { weights, expected } of cases) {
    it(`picks ${expected.join(',')} for weights ${weights.map(([n, w]) => `${n}=${w}`).join(' ')}`, () => {
      assert.deepEqual(sequence(weights, expected.length), expected);
    });
  }

  it('keeps the exact ratio over many picks', () => {
    const counts = new Map<string, number>();
    for (const name of sequence([['stable', 9], ['canary', 1]], 1000)) counts.set(name, (counts.get(name) ?? 0) + 1);
    assert.deepEqual(Object.fromEntries(counts), { stable: 900, canary: 100 });
  });

  it('lists every upstream, weight 0 included', () => {
    const split = createWeightedSplit([{ name: 'a', weight: 0 }, { name: 'b', weight: 2 }]);
    assert.deepEqual(split.upstreams, [{ name: 'a', weight: 0 }, { name: 'b', weight: 2 }]);
  });

  it('refuses a split with no positive weight', () => {
    assert.throws(() => createWeightedSplit([{ name: 'a', weight: 0 }]), /positive weight/);
  });

  it('is compiled per route from forward.upstreams', () => {
    const table = tableWith([
      { name: 'canary', forward: { upstreams: [{ upstream: 'stable', weight: 5 }, { upstream: 'a', weight: 1 }, { upstream: 'canary', weight: 1 }] } },
    ]);
    const route = table.route('canary');
    assert.equal(route?.kind, 'forward');
    if (route?.kind !== 'forward') return;
    const picks = Array.from({ length: 7 }, () => route.forward.pick());
    assert.deepEqual(picks, ['stable', 'stable', 'a', 'stable', 'canary', 'stable', 'stable']);
  });
});
