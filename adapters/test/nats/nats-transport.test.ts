// NatsTransport beyond the port contract: connect failures, status events, backoff, outages and close.
import assert from 'node:assert/strict';
import { Bus, ClusterTransportStatus, SwitchyardError } from '@switchyard/core';
import { TestProbe, VirtualClock } from '@switchyard/core/testkit';
import { connectNatsTransport, type NatsTransport } from '../../src/nats/nats-transport.js';
import { waitFor } from '../helpers.js';
import { NatsServer } from '../../src/testkit/nats-server.js';

describe('NatsTransport', () => {
  let server: NatsServer;
  const opened: NatsTransport[] = [];

  beforeEach(async () => {
    server = await NatsServer.start();
  });
  afterEach(async () => {
    for (const transport of opened.splice(0).reverse()) await transport.close();
    await server.stop();
  });

  async function open(options: Partial<Parameters<typeof connectNatsTransport>[0]> = {}): Promise<NatsTransport> {
    const transport = await connectNatsTransport({ servers: server.url, name: 'test', reconnectInitialWaitMs: 50, reconnectMaxWaitMs: 200, ...options });
    opened.push(transport);
    return transport;
  }

  it('rejects with ERR_TRANSPORT_CONNECT_FAILED, keeping the library error as cause, when no server answers', async () => {
    const port = server.port;
    await server.stop();
    await assert.rejects(
      connectNatsTransport({ servers: `nats://127.0.0.1:${port}`, name: 'nobody-home', connectTimeoutMs: 1000 }),
      (error: unknown) =>
        error instanceof SwitchyardError &&
        error.code === 'ERR_TRANSPORT_CONNECT_FAILED' &&
        error.message.includes(`127.0.0.1:${port}`) &&
        (error.cause as { code?: string } | undefined)?.code === 'CONNECTION_REFUSED',
    );
  });

  it('reports connected, disconnected, reconnecting, reconnected and closed to the callback and onto the bus', async () => {
    const bus = new Bus();
    const onBus = TestProbe.onBus<ClusterTransportStatus>(bus, ClusterTransportStatus);
    const viaCallback: ClusterTransportStatus[] = [];
    const transport = await open({ name: 'edge-1', bus, onStatus: (s) => viaCallback.push(s) });
    await server.stop();
    await waitFor(() => viaCallback.some((s) => s.status === 'reconnecting'), 3000, 'a reconnect attempt');
    await server.restart();
    await waitFor(() => viaCallback.some((s) => s.status === 'reconnected'), 3000, 'the reconnect');
    await transport.close();
    await waitFor(() => viaCallback.some((s) => s.status === 'closed'), 1000, 'the close');

    const kinds = viaCallback.map((s) => s.status).filter((s) => s !== 'reconnecting');
    assert.deepEqual(kinds, ['connected', 'disconnected', 'reconnected', 'closed']);
    const attempt = viaCallback.find((s) => s.status === 'reconnecting');
    assert.equal(attempt?.attempt, 1);
    assert.equal(attempt?.transport, 'edge-1');
    assert.match(attempt?.server ?? '', new RegExp(`${server.port}`));
    assert.deepEqual(onBus.received.map((s) => s.status), viaCallback.map((s) => s.status), 'the bus saw the same events');
  });

  it('never lets a throwing status callback or subscriber reach the client: it counts, reports and keeps delivering', async () => {
    const reports: ClusterTransportStatus[] = [];
    const transport = await open({
      onStatus: (s) => {
        reports.push(s);
        throw new Error('observer bug');
      },
    });
    let calls = 0;
    transport.subscribe('t.throw', () => {
      calls++;
      throw new Error('subscriber bug');
    });
    await transport.flush();
    for (let i = 0; i < 3; i++) transport.publish('t.throw', Uint8Array.of(i));
    await waitFor(() => calls === 3, 2000, 'three deliveries');
    assert.equal(transport.stats.subscriberErrors, 3);
    const errors = reports.filter((r) => r.status === 'error');
    assert.equal(errors.length, 3);
    assert.equal(errors[0]?.code, 'ERR_TRANSPORT_FAILED');
    assert.match(errors[0]?.message ?? '', /subscriber to t\.throw threw: subscriber bug/);
    assert.equal(transport.isConnected, true, 'the connection survived');
  });

  it('backs off between reconnect attempts: doubling from the initial wait to the maximum, jittered per outage', async () => {
    const clock = new VirtualClock();
    const seen: string[] = [];
    const transport = await open({ clock, reconnectInitialWaitMs: 100, reconnectMaxWaitMs: 1000, onStatus: (s) => seen.push(s.status) });
    await server.stop();
    await waitFor(() => seen.includes('disconnected'), 2000, 'the disconnect');
    const within = (value: number, base: number): boolean => value >= base * 0.75 && value <= base * 1.25;
    const first = transport.reconnectDelay();
    assert.ok(within(first, 100), `first wait ${first}`);
    assert.equal(transport.reconnectDelay(), first, 'stable between two attempts');
    await clock.advance(400);
    assert.ok(within(transport.reconnectDelay(), 400), `after 400 ms down: ${transport.reconnectDelay()}`);
    await clock.advance(60_000);
    assert.ok(within(transport.reconnectDelay(), 1000), `capped: ${transport.reconnectDelay()}`);
    assert.ok(Math.abs(transport.reconnectDelay() / 1000 - first / 100) < 0.02, 'one jitter factor for the whole outage');
  });

  it('does not throw on publish while the link is down, and counts what it handed over', async () => {
    const transport = await open();
    await server.stop();
    await waitFor(() => !transport.isConnected, 2000, 'the disconnect');
    assert.doesNotThrow(() => transport.publish('t.down', Uint8Array.of(1)));
    assert.equal(transport.stats.publishedWhileDisconnected, 1);
    await assert.rejects(transport.flush(), (error: unknown) => error instanceof SwitchyardError);
  });

  it('closes promptly while the link is down, instead of waiting for a drain that cannot happen', async () => {
    const transport = await open({ drainTimeoutMs: 5000 });
    await server.stop();
    await waitFor(() => !transport.isConnected, 2000, 'the disconnect');
    const started = Date.now();
    await transport.close();
    assert.ok(Date.now() - started < 1000, `close took ${Date.now() - started} ms`);
    assert.throws(() => transport.publish('t.closed', Uint8Array.of(1)), { code: 'ERR_TRANSPORT_CLOSED' });
    assert.throws(() => transport.subscribe('t.closed', () => undefined), { code: 'ERR_TRANSPORT_CLOSED' });
  });

  it('drains on close: a frame published just before close still arrives', async () => {
    const sender = await open({ name: 'sender' });
    const receiver = await open({ name: 'receiver' });
    const got: number[] = [];
    receiver.subscribe('t.drain', (frame) => got.push(frame[0] ?? -1));
    await receiver.flush();
    sender.publish('t.drain', Uint8Array.of(42));
    await sender.close();
    await waitFor(() => got.length === 1, 2000, 'the frame sent before close');
    assert.deepEqual(got, [42]);
  });
});
