// The string hash and the PRNG the pickers own.
import assert from 'node:assert/strict';
import { fmix32, hashString } from '../../src/balancer/hash.js';
import { Prng } from '../../src/balancer/prng.js';

describe('hashString', () => {
  const vectors: { text: string; seed: number; expected: number }[] = [
    // FNV-1a 32 of "" is 0x811c9dc5 and of "a" 0xe40c292c, then fmix32.
    { text: '', seed: 0, expected: fmix32(0x811c9dc5) },
    { text: 'a', seed: 0, expected: fmix32(0xe40c292c) },
    { text: 'foobar', seed: 0, expected: fmix32(0xbf9cf968) },
  ];
  for (const { text, seed, expected } of vectors) {
    it(`is FNV-1a then fmix32: ${JSON.stringify(text)}`, () => {
      assert.equal(hashString(text, seed), expected);
    });
  }

  it('returns unsigned 32-bit integers that differ by seed', () => {
    for (const text of ['10.0.0.1', 'x', 'ünïcödé', '🙂']) {
      const h = hashString(text);
      assert.ok(Number.isInteger(h) && h >= 0 && h < 2 ** 32);
      assert.notEqual(hashString(text, 1), h);
    }
  });

  it('spreads similar keys evenly over a prime number of buckets', () => {
    const buckets = new Uint32Array(101);
    for (let k = 0; k < 101_000; k++) {
      const b = hashString(`10.0.${k >> 8}.${k & 255}`) % 101;
      buckets[b] = (buckets[b] as number) + 1;
    }
    assert.ok(Math.min(...buckets) > 850 && Math.max(...buckets) < 1150, `buckets ${Math.min(...buckets)}..${Math.max(...buckets)}`);
  });
});

describe('Prng', () => {
  it('repeats its stream for a seed', () => {
    const one = new Prng(123);
    const two = new Prng(123);
    for (let k = 0; k < 100; k++) assert.equal(one.nextUint32(), two.nextUint32());
  });

  const ranges = [1, 2, 3, 7, 100, 1000, 65537];
  for (const n of ranges) {
    it(`below(${n}) stays in [0, ${n}) and is near uniform`, () => {
      const prng = new Prng(n);
      const counts = new Uint32Array(Math.min(n, 100));
      for (let k = 0; k < 100_000; k++) {
        const v = prng.below(n);
        assert.ok(Number.isInteger(v) && v >= 0 && v < n);
        if (n <= 100) counts[v] = (counts[v] as number) + 1;
      }
      if (n <= 100) {
        const mean = 100_000 / n;
        for (const c of counts) assert.ok(Math.abs(c - mean) < 6 * Math.sqrt(mean) + 1, `count ${c} vs ${mean}`);
      }
    });
  }
});
