import assert from 'node:assert/strict';
import type { Message } from '@switchyard/core';
import { toRelayedEvent } from '../../src/cluster/index.js';

describe('events relayed across the cluster', () => {
  it("keeps a string cause, such as conn.closed's close cause", () => {
    const closed = { type: 'conn.closed', connId: 7, listener: 'web', cause: 'response-close' } as unknown as Message;
    assert.deepEqual(toRelayedEvent(closed, 42), { type: 'conn.closed', ts: 42, connId: 7, listener: 'web', cause: 'response-close' });
  });

  it('drops a thrown value held in cause and turns errors into plain data', () => {
    const failed = { type: 'actor.failed', cause: new Error('boom'), error: Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }) } as unknown as Message;
    assert.deepEqual(toRelayedEvent(failed, 1), { type: 'actor.failed', ts: 1, error: { name: 'Error', message: 'refused', code: 'ECONNREFUSED' } });
  });
});
