import assert from 'node:assert/strict';
import { tuneHeapForRelaying } from '../../src/node/heap-tuning.js';

// The flags are process-wide: they apply to this test process too, harmlessly.
describe('tuneHeapForRelaying', () => {
  it('leaves the factor alone when node was started with one, and still turns pretenuring off', () => {
    assert.deepEqual(tuneHeapForRelaying(['--heap-growing-percent=50'], ''), ['--no-allocation-site-pretenuring']);
  });

  it('leaves the factor alone when NODE_OPTIONS sets one', () => {
    assert.deepEqual(tuneHeapForRelaying([], '--max-old-space-size=512 --heap-growing-percent=50'), ['--no-allocation-site-pretenuring']);
  });

  it('leaves pretenuring alone when the operator named it either way', () => {
    assert.deepEqual(tuneHeapForRelaying(['--allocation-site-pretenuring'], ''), ['--heap-growing-percent=300']);
    assert.deepEqual(tuneHeapForRelaying([], '--no-allocation-site-pretenuring'), ['--heap-growing-percent=300']);
  });

  it('sets both when the operator chose neither', () => {
    assert.deepEqual(tuneHeapForRelaying(['--enable-source-maps'], '--max-old-space-size=4096'), ['--heap-growing-percent=300', '--no-allocation-site-pretenuring']);
  });
});
