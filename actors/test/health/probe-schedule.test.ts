import assert from 'node:assert/strict';
import { firstProbeDelayMs, nextProbeDelayMs } from '../../src/health/index.js';

describe('health probe schedule', () => {
  const timing = { interval: 2000, fastInterval: 500, jitter: 0.1 };
  const cases: { random: number; isChanging: boolean; delay: number }[] = [
    { random: 0, isChanging: false, delay: 2000 },
    { random: 0.5, isChanging: false, delay: 2100 },
    { random: 0.999, isChanging: false, delay: 2199 },
    { random: 0, isChanging: true, delay: 500 },
    { random: 0.5, isChanging: true, delay: 525 },
    { random: 0.999, isChanging: true, delay: 549 },
    { random: 1, isChanging: false, delay: 2199 }, // a broken source is clamped below 1
    { random: -3, isChanging: false, delay: 2000 },
    { random: Number.NaN, isChanging: true, delay: 500 },
  ];
  for (const c of cases) {
    it(`waits ${c.delay} ms when random is ${c.random} and the target is ${c.isChanging ? 'changing' : 'settled'}`, () => {
      assert.equal(nextProbeDelayMs(timing, c.isChanging, () => c.random), c.delay);
    });
  }

  it('keeps every wait within [base, base + jitter × base] over many draws', () => {
    for (const jitter of [0, 0.1, 0.5, 1]) {
      for (let i = 0; i < 2000; i++) {
        for (const [isChanging, base] of [[false, 2000], [true, 500]] as const) {
          const delay = nextProbeDelayMs({ ...timing, jitter }, isChanging, Math.random);
          assert.ok(delay >= base && delay <= base + jitter * base, `${delay} with base ${base} and jitter ${jitter}`);
        }
      }
    }
  });

  it('spreads first probes within jitter × interval', () => {
    assert.equal(firstProbeDelayMs(timing, () => 0), 0);
    assert.equal(firstProbeDelayMs(timing, () => 0.5), 100);
    assert.equal(firstProbeDelayMs({ ...timing, jitter: 0 }, () => 0.9), 0);
  });
});
