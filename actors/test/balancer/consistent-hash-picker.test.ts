// consistent-hash: stable keys, minimal movement, every hashKey source, bounded loads.
import assert from 'node:assert/strict';
import { ConsistentHashPicker } from '../../src/balancer/consistent-hash-picker.js';
import { maglevTableSize } from '../../src/balancer/maglev-table.js';
import { nameOf, numberedTargets, sequence, targets, type TestTarget } from './picker-fixtures.js';
import { StaticPickRequest, type StaticPickRequestInit } from './static-pick-request.js';

const KEYS = Array.from({ length: 10_000 }, (_, k) => `10.${(k >> 8) & 255}.${k & 255}.7`);

/** The share of KEYS whose target differs between two pickers. */
function movedShare(before: ConsistentHashPicker<TestTarget>, after: ConsistentHashPicker<TestTarget>): number {
  return KEYS.filter((key) => before.targetFor(key) !== after.targetFor(key)).length / KEYS.length;
}

describe('consistent-hash picker', () => {
  it('sends the same key to the same target, across pickers built from the same targets', () => {
    const all = numberedTargets(10);
    const one = new ConsistentHashPicker(all, { hashKey: 'source-ip' });
    const two = new ConsistentHashPicker(all, { hashKey: 'source-ip' });
    for (const sourceIp of KEYS.slice(0, 1000)) {
      const request = new StaticPickRequest({ sourceIp });
      const target = one.pick(request);
      assert.equal(one.pick(request), target);
      assert.equal(two.pick(request), target);
    }
  });

  const sources: { hashKey: string; withKey: (value: string, k: number) => StaticPickRequestInit }[] = [
    { hashKey: 'source-ip', withKey: (v, k) => ({ sourceIp: v, path: `/p${k}` }) },
    { hashKey: 'host', withKey: (v, k) => ({ host: v, sourceIp: `10.0.0.${k}` }) },
    { hashKey: 'path', withKey: (v, k) => ({ path: v, query: { k: String(k) }, uri: `${v}?k=${k}` }) },
    { hashKey: 'uri', withKey: (v, k) => ({ uri: v, sourceIp: `10.0.0.${k}` }) },
    { hashKey: 'header:X-Session', withKey: (v, k) => ({ headers: { 'x-session': v, 'x-other': String(k) } }) },
    { hashKey: 'cookie:sid', withKey: (v, k) => ({ cookies: { sid: v, other: String(k) } }) },
    { hashKey: 'query:user', withKey: (v, k) => ({ query: { user: v, page: String(k) } }) },
  ];
  for (const { hashKey, withKey } of sources) {
    it(`hashes only the ${hashKey} of a request`, () => {
      const picker = new ConsistentHashPicker(numberedTargets(7), { hashKey });
      const seen = new Set<string>();
      for (let k = 0; k < 300; k++) {
        const value = `key-${k % 50}`;
        const target = picker.pick(new StaticPickRequest(withKey(value, k)));
        assert.equal(target, picker.targetFor(value), `${hashKey} ${value}`);
        seen.add(nameOf(target));
      }
      assert.ok(seen.size >= 5, `50 keys landed on only ${seen.size} of 7 targets`);
    });
  }

  const missing: { hashKey: string; request: StaticPickRequestInit }[] = [
    { hashKey: 'header:x-session', request: { headers: { 'x-other': '1' } } },
    { hashKey: 'cookie:sid', request: { cookies: { other: '1' } } },
    { hashKey: 'query:user', request: { query: { page: '2' } } },
    { hashKey: 'header:x-session', request: { headers: { 'x-session': '' } } },
  ];
  for (const { hashKey, request } of missing) {
    it(`falls back to round robin when the ${hashKey} key is missing or empty: ${JSON.stringify(request)}`, () => {
      const picker = new ConsistentHashPicker(targets(['a', 'b', 'c']), { hashKey });
      assert.equal(sequence(picker, 6, new StaticPickRequest(request)).join(' '), 'a b c a b c');
    });
  }

  // Over t0..t10 (one upstream, one InflightTable): before is t0..t9, after is the changed set.
  const changes: { name: string; change: (all: TestTarget[]) => TestTarget[]; maxMoved: number }[] = [
    { name: 'removing the first of ten', change: (all) => all.slice(1, 10), maxMoved: 0.12 },
    { name: 'removing the fifth of ten', change: (all) => all.slice(0, 10).filter((_, i) => i !== 4), maxMoved: 0.12 },
    { name: 'removing the last of ten', change: (all) => all.slice(0, 9), maxMoved: 0.12 },
    { name: 'adding an eleventh', change: (all) => all, maxMoved: 0.12 },
    { name: 'reordering the targets', change: (all) => all.slice(0, 10).reverse(), maxMoved: 0.02 },
  ];
  for (const { name, change, maxMoved } of changes) {
    it(`moves at most ${maxMoved * 100} % of 10,000 keys when ${name}`, () => {
      const all = numberedTargets(11);
      const before = all.slice(0, 10);
      const after = change(all);
      const moved = movedShare(new ConsistentHashPicker(before, { hashKey: 'source-ip' }), new ConsistentHashPicker(after, { hashKey: 'source-ip' }));
      assert.ok(moved <= maxMoved, `${(moved * 100).toFixed(2)} % moved`);
    });
  }

  it('moves only the keys of the removed target, give or take 1 %', () => {
    const all = numberedTargets(10);
    const removed = all[6] as TestTarget;
    const before = new ConsistentHashPicker(all, { hashKey: 'source-ip' });
    const after = new ConsistentHashPicker(all.filter((t) => t !== removed), { hashKey: 'source-ip' });
    const strays = KEYS.filter((key) => before.targetFor(key) !== removed && before.targetFor(key) !== after.targetFor(key));
    assert.ok(strays.length <= 100, `${strays.length} keys of remaining targets moved`);
  });

  it('gives heavier targets proportionally more keys', () => {
    const all = targets(['a', 'b', 'c'], [4, 2, 1]);
    const picker = new ConsistentHashPicker(all, { hashKey: 'source-ip' });
    const counts = new Map<string, number>();
    for (const key of KEYS) counts.set(nameOf(picker.targetFor(key)), (counts.get(nameOf(picker.targetFor(key))) ?? 0) + 1);
    for (const [name, expected] of [['a', 4 / 7], ['b', 2 / 7], ['c', 1 / 7]] as const) {
      const share = (counts.get(name) ?? 0) / KEYS.length;
      assert.ok(Math.abs(share - expected) <= 0.02, `${name}: ${share} vs ${expected}`);
    }
  });

  const bounds: { factor: number | undefined; n: number }[] = [
    { factor: 1, n: 10 },
    { factor: 1.25, n: 10 },
    { factor: 2, n: 4 },
  ];
  for (const { factor, n } of bounds) {
    it(`caps a hot key's target at ceil(${factor} × (total + 1) / ${n}) in flight`, () => {
      const all = numberedTargets(n);
      const picker = new ConsistentHashPicker(all, { hashKey: 'header:x-tenant', boundedLoad: factor });
      const hot = new StaticPickRequest({ headers: { 'x-tenant': 'hot' } });
      const home = picker.targetFor('hot') as TestTarget;
      for (let total = 0; total < 500; total++) {
        const target = picker.pick(hot) as TestTarget;
        assert.ok(target.inflight < Math.ceil(((factor as number) * (total + 1)) / n), `pick ${total}: ${nameOf(target)} already had ${target.inflight}`);
        target.inflight++;
      }
      const max = Math.max(...all.map((t) => t.inflight));
      assert.ok(max <= Math.ceil(((factor as number) * 500) / n), `a target holds ${max} of 500`);
      assert.equal(home.inflight, Math.max(...all.map((t) => t.inflight)), 'the home target is filled first');
    });
  }

  it('bounds loads by the requests in flight to its own targets, not to targets left out of it', () => {
    const all = numberedTargets(4);
    const [candidates, out] = [all.slice(0, 3), all[3] as TestTarget];
    const picker = new ConsistentHashPicker(candidates, { hashKey: 'header:x-tenant', boundedLoad: 1.25 });
    const hot = new StaticPickRequest({ headers: { 'x-tenant': 'hot' } });
    const home = picker.targetFor('hot') as TestTarget;
    // A draining or ejected target still finishing 100 requests must not loosen the bound:
    // with home at 1 of 1 in flight the bound is ceil(1.25 × 2 / 3) = 1, so the key spills.
    out.inflight = 100;
    home.inflight = 1;
    assert.notEqual(picker.pick(hot), home);
    home.inflight = 0;
    assert.equal(picker.pick(hot), home);
  });

  it('without bounded loads, a hot key stays on its target however loaded', () => {
    const all = numberedTargets(10);
    const picker = new ConsistentHashPicker(all, { hashKey: 'header:x-tenant' });
    const hot = new StaticPickRequest({ headers: { 'x-tenant': 'hot' } });
    for (let k = 0; k < 100; k++) (picker.pick(hot) as TestTarget).inflight++;
    assert.equal(picker.targetFor('hot')?.inflight, 100);
  });

  it('spills a key over bound, full or excluded to the same next target every time (retries stay cache-friendly)', () => {
    const all = numberedTargets(10);
    const picker = new ConsistentHashPicker(all, { hashKey: 'source-ip' });
    const request = new StaticPickRequest({ sourceIp: '192.0.2.1' });
    const home = picker.pick(request) as TestTarget;
    const second = picker.pickExcluding(request, [home]) as TestTarget;
    assert.notEqual(second, home);
    for (let k = 0; k < 10; k++) assert.equal(picker.pickExcluding(request, [home]), second);
    // A cap is part of the picker (the balancer rebuilds it when config changes): build it again.
    home.maxConnections = 1;
    home.inflight = 1;
    assert.equal(new ConsistentHashPicker(all, { hashKey: 'source-ip' }).pick(request), second);
  });

  const sizes: { targets: number; size: number }[] = [
    { targets: 1, size: 65537 },
    { targets: 655, size: 65537 },
    { targets: 656, size: 655373 },
    { targets: 6553, size: 655373 },
  ];
  for (const { targets: count, size } of sizes) {
    it(`uses a prime table from a fixed ladder: ${count} targets → ${size} slots`, () => {
      assert.equal(maglevTableSize(count), size);
    });
  }
});
