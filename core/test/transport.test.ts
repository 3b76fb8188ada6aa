import assert from 'node:assert/strict';
import { z } from 'zod';
import {
  ActorSystem,
  FrameRejected,
  PROTOCOL_VERSION,
  bridgeTransport,
  createActorSystem,
  defineMessage,
  jsonCodec,
  originNodeOf,
  subjectFor,
  subjectMatches,
  type MessageOf,
  type TransportBridge,
} from '../src/index.js';
import { InMemoryHub, TestProbe } from '../src/testkit/index.js';
import { tick } from './fixtures.js';

const TargetDown = defineMessage('target.marked-down', { target: z.string(), reason: z.enum(['timeout', 'refused']) });
type TargetDown = MessageOf<typeof TargetDown>;
const LocalOnly = defineMessage('local.only', { n: z.number() });

describe('subjects', () => {
  it('builds <prefix>.<cluster>.<area>.<event> and matches NATS wildcards', () => {
    assert.equal(subjectFor('east', 'target.marked-down'), 'switchyard.east.target.marked-down');
    assert.equal(subjectMatches('switchyard.east.>', 'switchyard.east.target.marked-down'), true);
    assert.equal(subjectMatches('switchyard.east.*.marked-down', 'switchyard.east.target.marked-down'), true);
    assert.equal(subjectMatches('switchyard.west.>', 'switchyard.east.target.marked-down'), false);
    assert.equal(subjectMatches('switchyard.east.>', 'switchyard.east'), false);
  });
});

describe('two systems over the in-memory transport', () => {
  let hub: InMemoryHub;
  let a: ActorSystem;
  let b: ActorSystem;
  let bridges: TransportBridge[];

  beforeEach(() => {
    hub = new InMemoryHub();
    a = createActorSystem({ name: 'a', node: 'node-a' });
    b = createActorSystem({ name: 'b', node: 'node-b' });
    bridges = [a, b].map((system) => bridgeTransport(system, hub.connect(), { cluster: 'test', types: [TargetDown] }));
  });
  afterEach(async () => {
    for (const bridge of bridges) bridge.close();
    await Promise.all([a.terminate(), b.terminate()]);
  });

  it('carries chosen types both ways, tagged with their origin, without echo', async () => {
    const onA = TestProbe.onBus(a.bus, TargetDown);
    const onB = TestProbe.onBus(b.bus, TargetDown);
    a.bus.publish(TargetDown.make({ target: 't1', reason: 'timeout' }));
    const atB = await onB.expectMessage(TargetDown);
    assert.deepEqual({ target: atB.target, reason: atB.reason }, { target: 't1', reason: 'timeout' });
    assert.equal(originNodeOf(atB), 'node-a');
    b.bus.publish(TargetDown.make({ target: 't2', reason: 'refused' }));
    const atA = await onA.expectMessage((m) => (m as TargetDown).target === 't2');
    assert.equal(originNodeOf(atA), 'node-b');
    await tick();
    assert.equal(onA.received.length, 2, 'a saw its own and b\'s, nothing echoed back');
    assert.equal(onB.received.length, 2);
    assert.equal(hub.published, 2, 'each message crossed once');
  });

  it('does not carry types that were not chosen', async () => {
    const onB = TestProbe.onBus(b.bus, LocalOnly);
    a.bus.publish(LocalOnly.make({ n: 1 }));
    await onB.expectNoMessage(20);
    assert.equal(hub.published, 0);
  });

  it('drops, counts and reports frames that fail decoding, the envelope, the version or the schema', async () => {
    const rejected = TestProbe.onBus(b.bus, FrameRejected);
    const delivered = TestProbe.onBus(b.bus, TargetDown);
    const rogue = hub.connect();
    const subject = subjectFor('test', 'target.marked-down');
    const envelope = { id: '1', type: 'target.marked-down', v: PROTOCOL_VERSION, ts: 1, node: 'rogue' };
    rogue.publish(subject, new Uint8Array([0xff, 0x00, 0x13]));
    rogue.publish(subject, jsonCodec.encode({ hello: 'world' }));
    rogue.publish(subject, jsonCodec.encode({ ...envelope, v: PROTOCOL_VERSION + 1, payload: { type: 'target.marked-down', target: 'x', reason: 'timeout' } }));
    rogue.publish(subject, jsonCodec.encode({ ...envelope, payload: { type: 'target.marked-down', target: 'x', reason: 'exploded' } }));
    rogue.publish(subjectFor('test', 'local.only'), jsonCodec.encode({ ...envelope, type: 'local.only', payload: { type: 'local.only', n: 1 } }));
    rogue.publish(subject, jsonCodec.encode({ ...envelope, payload: { type: 'target.marked-down', target: 'ok', reason: 'timeout' } }));

    const reports = (await rejected.receiveN(5)) as FrameRejected[];
    assert.deepEqual(
      reports.map((r) => r.code),
      ['ERR_TRANSPORT_FRAME_REJECTED', 'ERR_TRANSPORT_FRAME_REJECTED', 'ERR_TRANSPORT_VERSION_MISMATCH', 'ERR_MESSAGE_INVALID', 'ERR_TRANSPORT_FRAME_REJECTED'],
    );
    assert.match(reports[3]?.reason ?? '', /reason/);
    assert.equal(reports[2]?.node, 'rogue');
    const good = await delivered.expectMessage(TargetDown);
    assert.equal(good.target, 'ok', 'a good frame after the bad ones still gets through');
    assert.equal(bridges[1]?.stats.rejected, 5);
    assert.equal(bridges[1]?.stats.received, 1);
    await delivered.expectNoMessage(20);
  });
});
