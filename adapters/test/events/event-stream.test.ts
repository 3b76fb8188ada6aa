import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { ConnOpened, RequestCompleted } from '@switchyard/core';
import { isSampledIn } from '../../src/events/event-filter.js';
import { MSGPACK_SUBPROTOCOL } from '../../src/events/event-frame.js';
import { request, startFixture, StreamClient, UpgradeRefused, type Fixture, type Frame } from '../admin/admin-fixture.js';
import { delay, waitFor } from '../helpers.js';

const FORWARDED_STEPS = ['request.received', 'request.routed', 'request.target-picked', 'request.upstream-connected', 'request.response-started', 'request.completed'];

describe('event stream over a real proxy', () => {
  let fx: Fixture;
  const clients: StreamClient[] = [];
  const open = async (query: string, options: Parameters<typeof StreamClient.open>[2] = {}): Promise<StreamClient> => {
    const client = await StreamClient.open(fx.wsUrl, query, options);
    clients.push(client);
    return client;
  };

  beforeEach(async () => {
    fx = await startFixture();
  });
  afterEach(async () => {
    for (const c of clients.splice(0).reverse()) await c.close();
    await fx.close();
  });

  it('sends only the exact type asked for, as { type, node, ts, ...payload } JSON text frames', async () => {
    const stream = await open('type=request.completed');
    for (const path of ['/api/a', '/api/b', '/other']) await request(`${fx.proxyUrl}${path}`);
    await stream.waitForEvents((f) => f.length === 3, '3 request.completed frames');
    assert.deepEqual(
      stream.events.map((f) => [f.type, f['target'], f['route'], f['status']]),
      [
        ['request.completed', '/api/a', 'api', 200],
        ['request.completed', '/api/b', 'api', 200],
        ['request.completed', '/other', 'static', 200],
      ],
    );
    const first = stream.events[0] as Frame;
    assert.deepEqual(Object.keys(first).slice(0, 3), ['type', 'node', 'ts']);
    assert.equal(first['node'], 'test-node');
    assert.equal(typeof first['ts'], 'number');
    assert.ok(Math.abs((first['ts'] as number) - Date.now()) < 10_000);
    assert.ok(stream.binaryFlags.every((b) => !b), 'JSON frames are text frames');
  });

  it('follows a forwarded request through every step with a prefix type', async () => {
    const stream = await open('type=request.*');
    await request(`${fx.proxyUrl}/api/x`);
    await stream.waitForEvents((f) => f.some((x) => x.type === 'request.completed'), 'request.completed');
    assert.deepEqual(stream.events.map((f) => f.type), FORWARDED_STEPS);
    assert.equal(new Set(stream.events.map((f) => f['requestId'])).size, 1, 'one request id');
  });

  it('subscribes to the bus only while a client is connected, and only to what it asked for', async () => {
    const bus = fx.node.bus;
    assert.equal(bus.hasSubscribers('request.received'), false, 'no client: the proxy builds no events for the stream');
    assert.equal(bus.hasSubscribers('conn.opened'), false);
    assert.deepEqual(fx.admin.eventStream.subscribedKeys, []);
    const stream = await open('type=conn.opened');
    assert.equal(bus.hasSubscribers('conn.opened'), true);
    assert.equal(bus.hasSubscribers('request.received'), false);
    const second = await open('type=conn.*,conn.opened');
    assert.deepEqual(fx.admin.eventStream.subscribedKeys, ['*conn.'], 'one subscription covers both, so no event arrives twice');
    await request(`${fx.proxyUrl}/x`);
    await second.waitForEvents((f) => f.length === 2, 'conn.opened and conn.closed');
    assert.deepEqual(second.events.map((f) => f.type), ['conn.opened', 'conn.closed']);
    await stream.close();
    await second.close();
    await waitFor(() => fx.admin.eventStream.clientCount === 0, 2000, 'clients gone');
    assert.equal(bus.hasSubscribers('conn.opened'), false);
    assert.deepEqual(fx.admin.eventStream.subscribedKeys, []);
  });

  it('subscribes to the steps a field filter needs, and no per-request ones when it wants no request events', async () => {
    const conns = await open('type=conn.*&client=127.0.0.0/8');
    assert.deepEqual(fx.admin.eventStream.subscribedKeys, ['*conn.']);
    await conns.close();
    await waitFor(() => fx.admin.eventStream.clientCount === 0, 2000, 'client gone');
    await open('type=request.upstream-connected&route=api&status=5xx');
    assert.deepEqual(fx.admin.eventStream.subscribedKeys, ['=request.completed', '=request.response-started', '=request.routed', '=request.upstream-connected']);
    assert.equal(fx.node.bus.hasSubscribers('request.target-picked'), false);
  });

  it('filters by route, keeping the steps after the route is known', async () => {
    const stream = await open('type=request.*&route=api');
    await request(`${fx.proxyUrl}/not-api`);
    await request(`${fx.proxyUrl}/api/yes`);
    await stream.waitForEvents((f) => f.some((x) => x.type === 'request.completed'), 'request.completed');
    assert.deepEqual(
      stream.events.map((f) => f.type),
      FORWARDED_STEPS.slice(1),
      'request.received comes before routing, so it cannot be judged; the static request never matches',
    );
    assert.equal(stream.events.at(-1)?.['target'], '/api/yes');
  });

  it('filters by status class and by exact status code', async () => {
    const fives = await open('type=request.completed&status=5xx');
    const exact = await open('type=request.response-started,request.completed&status=404');
    const all = await open('type=request.completed');
    for (const s of [200, 503, 404, 502, 201]) await request(`${fx.proxyUrl}/api/s?status=${s}`);
    await all.waitForEvents((f) => f.length === 5, '5 completed');
    await fives.waitForEvents((f) => f.length === 2, '2 5xx');
    await exact.waitForEvents((f) => f.length === 2, 'started + completed of the 404');
    await delay(50);
    assert.deepEqual(fives.events.map((f) => f['status']), [503, 502]);
    assert.deepEqual(exact.events.map((f) => [f.type, f['status']]), [
      ['request.response-started', 404],
      ['request.completed', 404],
    ]);
  });

  it('filters by client CIDR, following a connection from conn.opened to its requests', async () => {
    const local = await open('type=conn.opened,request.received,request.completed&client=127.0.0.0/8');
    const remote = await open('type=conn.opened,request.completed&client=10.0.0.0/8,fd00::/8');
    await request(`${fx.proxyUrl}/api/c`);
    await local.waitForEvents((f) => f.length === 3, 'conn.opened, request.received, request.completed');
    assert.deepEqual(local.events.map((f) => f.type), ['conn.opened', 'request.received', 'request.completed']);
    // A sentinel the remote filter keeps: when it arrives, everything published before it has too.
    fx.node.bus.publish(ConnOpened.make({ connId: 999_999, listener: 'web', clientAddress: '10.1.2.3', clientPort: 1, at: Date.now() }));
    await remote.waitForEvents((f) => f.length >= 1, 'the sentinel');
    assert.deepEqual(remote.events.map((f) => [f.type, f['clientAddress']]), [['conn.opened', '10.1.2.3']]);
  });

  it('samples whole requests, deterministically by request id', async () => {
    const sampled = await open('type=request.*&sample=0.5');
    const all = await open('type=request.completed');
    const n = 40;
    for (let i = 0; i < n; i++) await request(`${fx.proxyUrl}/api/s${i}`);
    await all.waitForEvents((f) => f.length === n, `${n} completed`);
    const ids = all.events.map((f) => String(f['requestId']));
    const expected = ids.filter((id) => isSampledIn(id, 0.5));
    assert.ok(expected.length > 5 && expected.length < n - 5, `about half sampled in (${expected.length} of ${n})`);
    await sampled.waitForEvents((f) => f.filter((x) => x.type === 'request.completed').length === expected.length, 'the sampled requests');
    await delay(50);
    const byRequest = new Map<string, string[]>();
    for (const f of sampled.events) byRequest.set(String(f['requestId']), [...(byRequest.get(String(f['requestId'])) ?? []), f.type]);
    assert.deepEqual([...byRequest.keys()].sort(), [...expected].sort());
    for (const [id, types] of byRequest) assert.deepEqual(types, FORWARDED_STEPS, `every step of ${id} kept together`);
  });

  it('sends the events of one turn of the event loop in one frame, one JSON object per line, in order', async () => {
    const stream = await open('type=request.completed');
    for (let i = 1; i <= 5; i++) fx.node.bus.publish(completed(i, `/turn/${i}`));
    await stream.waitForEvents((f) => f.length === 5, '5 events');
    assert.deepEqual(stream.eventsPerFrame, [5], 'one frame');
    assert.deepEqual(stream.events.map((f) => f['target']), ['/turn/1', '/turn/2', '/turn/3', '/turn/4', '/turn/5']);
    assert.equal(fx.admin.eventStream.stats()[0]?.sent, 5, 'sent counts events');
    fx.node.bus.publish(completed(6, '/next-turn'));
    await stream.waitForEvents((f) => f.length === 6, 'the next turn');
    assert.deepEqual(stream.eventsPerFrame, [5, 1]);
  });

  it('sends the events of one turn as msgpack maps back to back in one binary frame', async () => {
    const stream = await open('type=request.completed', { msgpack: true });
    for (let i = 1; i <= 3; i++) fx.node.bus.publish(completed(i, `/m/${i}`));
    await stream.waitForEvents((f) => f.length === 3, '3 events');
    assert.deepEqual(stream.binaryFlags, [true]);
    assert.deepEqual(stream.eventsPerFrame, [3]);
    assert.deepEqual(stream.events.map((f) => [f.type, f['node'], f['target']]), [1, 2, 3].map((i) => ['request.completed', 'test-node', `/m/${i}`]));
  });

  it('sends msgpack binary frames when the client asks for the switchyard.msgpack subprotocol', async () => {
    const stream = await open('type=request.completed', { msgpack: true });
    assert.equal(stream.ws.protocol, MSGPACK_SUBPROTOCOL);
    await request(`${fx.proxyUrl}/api/m`);
    await stream.waitForEvents((f) => f.length === 1, 'one frame');
    assert.deepEqual(stream.binaryFlags, [true]);
    const frame = stream.events[0] as Frame;
    assert.equal(frame.type, 'request.completed');
    assert.equal(frame['node'], 'test-node');
    assert.equal(frame['target'], '/api/m');
    assert.equal(frame['upstream'], 'app');
  });

  it('refuses a bad query with 400 and every problem', async () => {
    await assert.rejects(
      StreamClient.open(fx.wsUrl, 'type=Bad Type&status=6xx&client=10.0.0.0/99&sample=2&colour=red'),
      (err: unknown) => {
        assert.ok(err instanceof UpgradeRefused);
        assert.equal(err.status, 400);
        const body = JSON.parse(err.body) as { problems: { path: string }[] };
        assert.deepEqual(body.problems.map((p) => p.path).sort(), ['client', 'colour', 'sample', 'status', 'type']);
        return true;
      },
    );
    assert.equal(fx.admin.eventStream.clientCount, 0);
  });

  it('drops events for a client that stops reading, keeps its queue bounded, and reports the drops once it catches up', async function () {
    this.timeout(60_000);
    await fx.close();
    const limits = { maxQueuedEvents: 50, maxQueuedBytes: 256 * 1024, highWaterBytes: 64 * 1024 };
    fx = await startFixture({ admin: { eventStream: { limits } } });
    const stream = await open('type=request.completed');
    const socket = (stream.ws as unknown as { _socket: Socket })._socket;
    socket.pause();

    const bus = fx.node.bus;
    const padding = 'x'.repeat(4000);
    let published = 0;
    let maxQueued = 0;
    let maxQueuedBytes = 0;
    let maxBuffered = 0;
    const sample = (): void => {
      const s = fx.admin.eventStream.stats()[0];
      assert.ok(s !== undefined);
      maxQueued = Math.max(maxQueued, s.queuedEvents);
      maxQueuedBytes = Math.max(maxQueuedBytes, s.queuedBytes);
      maxBuffered = Math.max(maxBuffered, s.bufferedAmount);
    };
    const publishBatch = async (count: number): Promise<void> => {
      for (let i = 0; i < count; i++) {
        published++;
        bus.publish(completed(published, padding));
      }
      sample();
      await new Promise((resolve) => setImmediate(resolve));
      sample();
    };
    // Until the kernel buffers are full and drops begin, then as much again.
    while ((fx.admin.eventStream.stats()[0]?.dropped ?? 0) === 0 && published < 200_000) await publishBatch(100);
    for (let i = 0; i < 20; i++) await publishBatch(100);

    const stats = fx.admin.eventStream.stats()[0];
    assert.ok(stats !== undefined);
    assert.ok(stats.dropped > 0, 'events were dropped');
    assert.ok(maxQueued <= limits.maxQueuedEvents, `queue length stayed bounded (max ${maxQueued})`);
    assert.ok(maxQueuedBytes <= limits.maxQueuedBytes, `queued bytes stayed bounded (max ${maxQueuedBytes})`);
    const frameBytes = 5000;
    assert.ok(maxBuffered < limits.highWaterBytes + frameBytes * 2, `socket buffer stayed near the high-water mark (max ${maxBuffered})`);
    assert.equal(fx.admin.eventStream.droppedTotal, stats.dropped);

    socket.resume();
    await stream.waitForEvents((f) => f.some((x) => x.type === 'stream.dropped'), 'the stream.dropped frame', 20_000);
    const dropped = stream.ofType('stream.dropped');
    assert.equal(dropped.length, 1);
    assert.equal(dropped[0]?.['count'], stats.dropped);
    assert.equal(dropped[0]?.['node'], 'test-node');
    const received = stream.ofType('request.completed');
    assert.equal(received.length + stats.dropped, published, 'every event was either delivered or counted as dropped');
    const seqs = received.map((f) => Number(f['requestId']));
    assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b), 'delivered in order');
    assert.equal(fx.admin.eventStream.stats()[0]?.queuedEvents, 0);

    // Caught up: events flow again, straight through.
    bus.publish(completed(published + 1, 'after'));
    await stream.waitForEvents((f) => f.at(-1)?.['target'] === 'after', 'an event after catching up');
  });
});

function completed(seq: number, target: string): RequestCompleted {
  return RequestCompleted.make({
    connId: 1,
    requestId: String(seq),
    listener: 'web',
    clientAddress: '127.0.0.1',
    clientPort: 40000,
    method: 'GET',
    target,
    httpVersion: '1.1',
    host: 'localhost',
    status: 200,
    bytesIn: 10,
    bytesOut: 20,
    upstreamConnectMs: -1,
    upstreamHeaderMs: -1,
    totalMs: 1,
    termination: 'local-response',
    startedAt: Date.now(),
  });
}
