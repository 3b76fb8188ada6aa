// The event stream of a primary of worker processes: its workers' relayed batches are the node's own events, and node-scope interest is asked of the workers only.
import assert from 'node:assert/strict';
import { ClusterEventsInterest, ClusterEventsRelayed, NodeEventsInterest } from '@switchyard/core';
import { startFixture, StreamClient, type Fixture } from '../admin/admin-fixture.js';
import { delay } from '../helpers.js';

/** A batch of one `request.completed` event, as a relay sends it. */
function batch(node: string, worker: number | undefined, requestId: string): ClusterEventsRelayed {
  const event = { type: 'request.completed', ts: Date.now(), requestId, route: 'api', status: 200 };
  return ClusterEventsRelayed.make({ node, ...(worker === undefined ? {} : { worker }), events: [event], dropped: 0 });
}

describe('event stream with own workers (ownWorkers)', () => {
  let fx: Fixture;
  const clients: StreamClient[] = [];
  let clusterInterest: ClusterEventsInterest[];
  let nodeInterest: NodeEventsInterest[];

  beforeEach(async () => {
    fx = await startFixture({ admin: { eventStream: { ownWorkers: new Set(['test-node-w1', 'test-node-w2']) } } });
    clusterInterest = [];
    nodeInterest = [];
    fx.node.bus.on(ClusterEventsInterest).subscribe((m) => clusterInterest.push(m));
    fx.node.bus.on(NodeEventsInterest).subscribe((m) => nodeInterest.push(m));
  });
  afterEach(async () => {
    for (const c of clients.splice(0).reverse()) await c.close();
    await fx.close();
  });

  it('gives a node-scope client its workers\' batches, tagged with the worker, and no other node\'s; asks only the workers', async () => {
    const local = await StreamClient.open(fx.wsUrl, 'type=request.completed');
    clients.push(local);
    assert.deepEqual(nodeInterest.at(-1), NodeEventsInterest.make({ types: ['request.completed'], prefixes: [] }));
    assert.deepEqual(clusterInterest.at(-1), ClusterEventsInterest.make({ types: [], prefixes: [] }), 'no other node is asked');
    fx.node.bus.publish(batch('peer', undefined, 'p-1'));
    fx.node.bus.publish(batch('test-node-w2', 2, 'w-1'));
    await local.waitForEvents((f) => f.length >= 1, 'the worker\'s event');
    await delay(100);
    assert.deepEqual(local.events.map((f) => [f['node'], f['worker'], f['requestId']]), [['test-node-w2', 2, 'w-1']]);

    const cluster = await StreamClient.open(fx.wsUrl, 'type=request.completed&scope=cluster');
    clients.push(cluster);
    assert.deepEqual(clusterInterest.at(-1), ClusterEventsInterest.make({ types: ['request.completed'], prefixes: [] }));
    fx.node.bus.publish(batch('peer', undefined, 'p-2'));
    fx.node.bus.publish(batch('test-node-w1', 1, 'w-2'));
    await cluster.waitForEvents((f) => f.length >= 2, 'both nodes\' events');
    assert.deepEqual(cluster.events.map((f) => [f['node'], f['requestId']]), [['peer', 'p-2'], ['test-node-w1', 'w-2']]);
    await local.waitForEvents((f) => f.length >= 2, 'the second worker event');
    assert.deepEqual(local.events.map((f) => f['requestId']), ['w-1', 'w-2'], 'still none of the peer\'s');
  });

  it('says once that the node-scope clients want nothing when the last one leaves', async () => {
    const local = await StreamClient.open(fx.wsUrl, 'type=request.completed');
    await local.close();
    await delay(100);
    assert.deepEqual(nodeInterest.at(-1), NodeEventsInterest.make({ types: [], prefixes: [] }));
    assert.equal(nodeInterest.filter((m) => m.types.length === 0).length, 1);
  });
});
