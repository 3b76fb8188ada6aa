import assert from 'node:assert/strict';
import { Envelope, PROTOCOL_VERSION, SwitchyardError } from '@switchyard/core';
import { msgpackCodec } from '../../src/nats/codec.js';

describe('msgpack codec', () => {
  it('round-trips an envelope into plain objects that pass the envelope schema', () => {
    const envelope: Envelope = {
      id: 'e1',
      type: 'cluster.heartbeat',
      v: PROTOCOL_VERSION,
      ts: 1_700_000_000_123,
      node: 'node-a',
      payload: { type: 'cluster.heartbeat', node: 'node-a', startedAt: 1_700_000_000_000, seq: 7, listeners: ['web', 'tls'], nested: { deep: [1, 2.5, null, true] } },
    };
    const frame = msgpackCodec.encode(envelope);
    assert.ok(frame instanceof Uint8Array);
    const decoded = msgpackCodec.decode(frame.slice());
    assert.deepEqual(decoded, envelope);
    assert.equal(Object.getPrototypeOf(decoded), Object.prototype, 'a plain object, not a record class');
    assert.equal(Envelope.safeParse(decoded).success, true);
  });

  it('is smaller than JSON for a typical heartbeat', () => {
    const heartbeat = { id: 'abc', type: 'cluster.heartbeat', v: 1, ts: 1_700_000_000_123, node: 'node-a', payload: { type: 'cluster.heartbeat', node: 'node-a', startedAt: 1_700_000_000_000, seq: 7 } };
    assert.ok(msgpackCodec.encode(heartbeat).length < JSON.stringify(heartbeat).length);
  });

  it('throws ERR_TRANSPORT_FRAME_REJECTED, with the cause, on bytes that are not exactly one value', () => {
    const one = msgpackCodec.encode({ a: 1 });
    for (const garbage of [new Uint8Array(0), Uint8Array.from([0xff, 0x00, 0x13]), one.subarray(0, one.length - 1), Uint8Array.from([...one, 0x01]), Uint8Array.from([0xdf, 0xff, 0xff, 0xff, 0xff])]) {
      assert.throws(
        () => msgpackCodec.decode(garbage),
        (error: unknown) => error instanceof SwitchyardError && error.code === 'ERR_TRANSPORT_FRAME_REJECTED' && error.cause instanceof Error,
        `bytes ${Buffer.from(garbage).toString('hex')}`,
      );
    }
  });

  it('cannot be made to pollute prototypes', () => {
    const evil = Uint8Array.from([0x81, 0xa9, ...Buffer.from('__proto__'), 0x81, 0xa1, 0x70, 0x01]);
    const decoded = msgpackCodec.decode(evil) as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(decoded), Object.prototype);
    assert.equal(({} as Record<string, unknown>)['p'], undefined);
  });
});
