// The contract every balancing algorithm keeps: exclusions, maxConnections, weights, no throws.
import assert from 'node:assert/strict';
import type { BalanceStrategy } from '@switchyard/config';
import { createPicker, type PickerConfig } from '../../src/balancer/create-picker.js';
import type { Picker } from '../../src/balancer/picker.js';
import { Prng } from '../../src/balancer/prng.js';
import { ANY_REQUEST, nameOf, numberedTargets, simulate, targets, weightShares, worstShareError, type TestTarget } from './picker-fixtures.js';
import { StaticPickRequest } from './static-pick-request.js';

const STRATEGIES: readonly BalanceStrategy[] = ['round-robin', 'least-connections', 'least-request', 'random', 'consistent-hash', 'sticky-cookie', 'first'];

function configFor(balance: BalanceStrategy): PickerConfig {
  return { balance, hashKey: 'source-ip', stickyCookie: { name: 'sy' }, choices: 2, boundedLoad: undefined };
}

function pickerFor(balance: BalanceStrategy, all: readonly TestTarget[], seed = 7): Picker<TestTarget> {
  return createPicker(configFor(balance), all, { seed });
}

/** 10,000 clients with distinct addresses (consistent-hash needs keys to spread). */
const CLIENTS = Array.from({ length: 10_000 }, (_, k) => new StaticPickRequest({ sourceIp: `10.${(k >> 16) & 255}.${(k >> 8) & 255}.${k & 255}` }));
const clientFor = (k: number): StaticPickRequest => CLIENTS[k % CLIENTS.length] as StaticPickRequest;

/**
 * Allowed absolute error of each target's share of 10,000 picks. Round robin and sticky-cookie
 * (round robin for new clients) are exact up to one cycle; random and least-request are binomial
 * (σ ≤ 0.5 % at 10,000 picks, so 2 % is 4σ, and the seed is fixed anyway); consistent-hash
 * adds the table's imbalance to the sampling noise of 10,000 keys.
 */
const SHARE_TOLERANCE: Partial<Record<BalanceStrategy, number>> = {
  'round-robin': 0.02,
  'least-connections': 0.02,
  'least-request': 0.02,
  random: 0.02,
  'consistent-hash': 0.025,
  'sticky-cookie': 0.02,
  // first: fills in order by design; its shares are tested in first-picker.test.ts.
};

const WEIGHT_CASES: { name: string; weights: number[] }[] = [
  { name: 'equal weights', weights: [1, 1, 1, 1] },
  { name: 'weights 5,1,1', weights: [5, 1, 1] },
  { name: 'weights 5,3,1,1', weights: [5, 3, 1, 1] },
  { name: '10 targets weighted 1..10', weights: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] },
  { name: 'fractional weights (slow start)', weights: [1, 0.25, 1, 0.5] },
];

for (const balance of STRATEGIES) {
  describe(`picker contract: ${balance}`, () => {
    it('returns undefined when it has no targets', () => {
      const picker = pickerFor(balance, []);
      assert.equal(picker.pick(ANY_REQUEST), undefined);
      assert.equal(picker.pickExcluding(ANY_REQUEST, []), undefined);
    });

    it('never picks a target with weight 0', () => {
      const all = targets(['zero', 'a', 'off', 'b'], [0, 1, 0, 2]);
      const picker = pickerFor(balance, all);
      for (let k = 0; k < 1000; k++) {
        const name = nameOf(picker.pick(clientFor(k)));
        assert.ok(name === 'a' || name === 'b', `picked ${name}`);
      }
    });

    it('never returns an excluded target, and still finds one when others are left', () => {
      const all = numberedTargets(6, (i) => i + 1);
      const picker = pickerFor(balance, all);
      const prng = new Prng(3);
      for (let k = 0; k < 2000; k++) {
        const excluded = Array.from({ length: 1 + prng.below(3) }, () => all[prng.below(all.length)] as TestTarget);
        const target = picker.pickExcluding(clientFor(k), excluded);
        assert.ok(target !== undefined, 'found no target although some were not excluded');
        assert.ok(!excluded.includes(target), `returned excluded ${nameOf(target)}`);
      }
    });

    it('returns undefined when every target is excluded', () => {
      const all = targets(['a', 'b', 'c']);
      const picker = pickerFor(balance, all);
      assert.equal(picker.pickExcluding(ANY_REQUEST, all), undefined);
      assert.equal(picker.pickExcluding(ANY_REQUEST, [...all].reverse()), undefined);
    });

    it('behaves exactly like pick when nothing is excluded', () => {
      const all = numberedTargets(5, (i) => i + 1);
      const viaPick = pickerFor(balance, all, 11);
      const viaExcluding = pickerFor(balance, all, 11);
      for (let k = 0; k < 500; k++) {
        assert.equal(viaExcluding.pickExcluding(clientFor(k), []), viaPick.pick(clientFor(k)));
      }
    });

    it('never sends a target past maxConnections, and returns undefined when all are full', () => {
      const all = targets(['a', 'b', 'c', 'd'], [4, 1, 2, 1], [2, 3, 1, 4]);
      const picker = pickerFor(balance, all);
      for (let k = 0; k < 10; k++) {
        const target = picker.pick(clientFor(k));
        assert.ok(target !== undefined, `no target at pick ${k} with ${10 - k} slots free`);
        target.inflight++;
        assert.ok(target.inflight <= target.maxConnections, `${nameOf(target)} over its cap`);
      }
      assert.equal(picker.pick(clientFor(10)), undefined);
      assert.equal(picker.pickExcluding(clientFor(11), [all[0] as TestTarget]), undefined);
      const c = all[2] as TestTarget;
      c.inflight--;
      assert.equal(picker.pick(clientFor(12)), c, 'the one target with a free slot');
      assert.equal(picker.pickExcluding(clientFor(13), [c]), undefined);
    });

    it('does not throw on a request that lacks every key', () => {
      const empty = new StaticPickRequest({ sourceIp: '', host: '', path: '', uri: '' });
      const picker = pickerFor(balance, targets(['a', 'b']));
      assert.ok(picker.pick(empty) !== undefined);
      assert.ok(picker.pickExcluding(empty, []) !== undefined);
    });

    const tolerance = SHARE_TOLERANCE[balance];
    if (tolerance === undefined) return;
    for (const { name, weights } of WEIGHT_CASES) {
      it(`splits 10,000 picks by weight within ±${tolerance * 100} %: ${name}`, () => {
        const all = numberedTargets(weights.length, (i) => weights[i] as number);
        // 64 requests in flight, the oldest completing: least-* react to it, the others ignore it.
        const observed = simulate(pickerFor(balance, all), all, 10_000, 64, clientFor);
        const { error, target } = worstShareError(observed, weightShares(all));
        assert.ok(error <= tolerance, `${target} off by ${(error * 100).toFixed(2)} %`);
      });
    }
  });
}
