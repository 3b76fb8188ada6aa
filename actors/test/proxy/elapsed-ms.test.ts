import assert from 'node:assert/strict';
import { elapsedMs } from '../../src/proxy/elapsed-ms.js';

describe('elapsedMs', () => {
  it('rounds a clock difference to the microsecond', () => {
    // Two performance.now()-like readings whose difference carries float noise.
    assert.equal(elapsedMs(1234.567891, 1234.830615), 0.263);
    assert.equal(String(elapsedMs(100.1, 100.3)), '0.2');
    assert.equal(elapsedMs(5, 5), 0);
    assert.equal(elapsedMs(0, 2500.0004), 2500);
    assert.equal(elapsedMs(0, 2500.0006), 2500.001);
  });
});
