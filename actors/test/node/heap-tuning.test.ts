import assert from 'node:assert/strict';
import { tuneHeapForRelaying } from '../../src/node/heap-tuning.js';

describe('tuneHeapForRelaying', () => {
  it('leaves the factor alone when node was started with one', () => {
    assert.equal(tuneHeapForRelaying(['--heap-growing-percent=50'], ''), false);
  });

  it('leaves the factor alone when NODE_OPTIONS sets one', () => {
    assert.equal(tuneHeapForRelaying([], '--max-old-space-size=512 --heap-growing-percent=50'), false);
  });

  it('sets the factor when the operator chose none', () => {
    // The flag is process-wide: it applies to this test process from its next full GC, harmlessly.
    assert.equal(tuneHeapForRelaying(['--enable-source-maps'], '--max-old-space-size=4096'), true);
  });
});
