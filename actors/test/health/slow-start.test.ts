import assert from 'node:assert/strict';
import { MIN_WEIGHT_FACTOR, SlowStart, rampFactor, rampStepMs } from '../../src/health/index.js';

describe('health slow start', () => {
  const ramp: [elapsedMs: number, factor: number][] = [
    [0, MIN_WEIGHT_FACTOR],
    [50, MIN_WEIGHT_FACTOR],
    [100, 0.01],
    [1000, 0.1],
    [2500, 0.25],
    [5000, 0.5],
    [7500, 0.75],
    [9999, 0.9999],
    [10_000, 1],
    [60_000, 1],
  ];
  for (const [elapsed, factor] of ramp) {
    it(`gives factor ${factor} ${elapsed} ms into a 10 s ramp`, () => {
      const s = new SlowStart(10_000, 2);
      s.begin(1, 5000);
      assert.ok(Math.abs(s.weightFactor(1, 5000 + elapsed) - factor) < 1e-9);
      assert.equal(s.weightFactor(0, 5000 + elapsed), 1, 'a target not ramping has its full weight');
    });
  }

  it('is always above 0 and never above 1, and grows monotonically', () => {
    let last = 0;
    for (let t = 0; t <= 12_000; t += 37) {
      const f = rampFactor(0, 10_000, t);
      assert.ok(f > 0 && f <= 1 && f >= last);
      last = f;
    }
  });

  it('does nothing when disabled', () => {
    const s = new SlowStart(0, 2);
    s.begin(0, 0);
    assert.equal(s.weightFactor(0, 0), 1);
    assert.equal(s.isRamping(0), false);
  });

  it('says whether a ramp is in progress, and when the last one ends', () => {
    const s = new SlowStart(10_000, 3);
    assert.equal(s.isRamping(0), false);
    s.begin(0, 1000);
    s.begin(2, 4000);
    assert.equal(s.rampEndsAt(), 14_000);
    assert.equal(s.isRamping(10_999), true);
    assert.equal(s.isRamping(11_000), true, 'target 2 still ramps');
    assert.equal(s.rampStartedAt(0), undefined, 'a finished ramp is forgotten');
    assert.equal(s.isRamping(14_000), false);
    assert.equal(s.rampEndsAt(), undefined);
  });

  it('cancels a ramp when the target turns unhealthy, and restarts it when it comes back', () => {
    const s = new SlowStart(10_000, 1);
    s.begin(0, 0);
    s.cancel(0);
    assert.equal(s.weightFactor(0, 1000), 1);
    assert.equal(s.isRamping(1000), false);
    s.begin(0, 2000);
    assert.equal(s.weightFactor(0, 7000), 0.5);
  });

  it('steps pickers about 20 times per ramp, between 100 ms and 1 s', () => {
    assert.equal(rampStepMs(1000), 100);
    assert.equal(rampStepMs(10_000), 500);
    assert.equal(rampStepMs(60_000), 1000);
  });
});
