import assert from 'node:assert/strict';
import { RetryBudget } from '../../src/balancer/retry-budget.js';

describe('RetryBudget', () => {
  it('allows the minimum per second whatever the traffic, then refuses', () => {
    const budget = new RetryBudget({ percent: 20, minPerSecond: 1 });
    const t = 1_000_000;
    let allowed = 0;
    for (let i = 0; i < 50; i++) if (budget.tryRetry(t)) allowed++;
    assert.equal(allowed, 10, 'minPerSecond × 10 s window');
    assert.equal(budget.refused, 40);
  });

  it('allows retries up to the share of recent requests', () => {
    const budget = new RetryBudget({ percent: 20, minPerSecond: 0 });
    const t = 5_000_000;
    for (let i = 0; i < 1000; i++) budget.recordRequest(t);
    let allowed = 0;
    for (let i = 0; i < 1000; i++) if (budget.tryRetry(t)) allowed++;
    assert.equal(allowed, 200);
  });

  it('forgets what is older than the ten-second window', () => {
    const budget = new RetryBudget({ percent: 0, minPerSecond: 1 });
    for (let i = 0; i < 10; i++) assert.equal(budget.tryRetry(1_000_000 + i * 1000), true);
    assert.equal(budget.tryRetry(1_009_500), false, 'ten in the window');
    assert.equal(budget.tryRetry(1_010_000), true, 'the first second left the window');
    assert.equal(budget.tryRetry(1_100_000), true, 'after a long pause everything is forgotten');
  });
});
