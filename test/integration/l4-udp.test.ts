// udp listeners: flows pinned to targets, replies relayed from the listener, idle expiry, flow limit, re-pick.
import assert from 'node:assert/strict';
import { ConnClosed, ConnOpened, type MessageOf } from '@switchyard/core';
import { loadConfig } from '@switchyard/config';
import { Closers } from '../helpers/closers.js';
import { UdpClient, startUdpEcho, waitFor, type UdpOrigin } from '../helpers/l4-origins.js';
import { proxyConfig, startProxy, type ProxyConfigInput } from '../helpers/start-proxy.js';

function udpConfig(targets: readonly UdpOrigin[], extra: { listener?: Record<string, unknown>; server?: Record<string, unknown> } = {}): ProxyConfigInput {
  return {
    listeners: [{ name: 'dns', protocol: 'udp', address: '127.0.0.1:0', ...extra.listener }],
    routes: [{ name: 'all', listeners: ['dns'], forward: { upstream: 'echo' } }],
    upstreams: [{ name: 'echo', targets: targets.map((t) => ({ address: t.address })) }],
    ...(extra.server === undefined ? {} : { server: extra.server }),
  };
}

describe('udp listener', () => {
  const closers = new Closers();
  afterEach(() => closers.closeAll());

  it('relays a datagram to the target and its reply back from the listener address', async () => {
    const origin = await startUdpEcho('A', closers);
    const proxy = await startProxy(udpConfig([origin]), closers);
    const opened: MessageOf<typeof ConnOpened>[] = [];
    const sub = proxy.node.bus.on(ConnOpened).subscribe((m) => opened.push(m));
    closers.add(() => sub.unsubscribe());
    const client = await UdpClient.open(proxy.port, closers);
    assert.equal(await client.request('hello'), 'A:hello');
    assert.equal(await client.request('again'), 'A:again');
    assert.deepEqual(
      origin.received.map((r) => r.text),
      ['hello', 'again'],
    );
    // One flow, one socket towards the target.
    assert.equal(new Set(origin.received.map((r) => r.fromPort)).size, 1);
    assert.equal(opened.length, 1);
    assert.equal(opened[0]?.clientPort, client.port);
    const counters = proxy.node.counters()['dns'];
    assert.equal(counters?.bytesIn, 10);
    assert.equal(counters?.bytesOut, 14);
  });

  it('pins each flow to one target: two clients, round robin, every datagram of a flow to its target', async () => {
    const a = await startUdpEcho('A', closers);
    const b = await startUdpEcho('B', closers);
    const proxy = await startProxy(udpConfig([a, b]), closers);
    const one = await UdpClient.open(proxy.port, closers);
    const two = await UdpClient.open(proxy.port, closers);
    const seen: string[] = [];
    for (let i = 0; i < 3; i++) {
      seen.push((await one.request(`1.${i}`)) ?? 'none');
      seen.push((await two.request(`2.${i}`)) ?? 'none');
    }
    assert.deepEqual(seen, ['A:1.0', 'B:2.0', 'A:1.1', 'B:2.1', 'A:1.2', 'B:2.2']);
  });

  it('forgets a flow silent for udpFlowIdle; the next datagram starts a new flow', async () => {
    const a = await startUdpEcho('A', closers);
    const b = await startUdpEcho('B', closers);
    const proxy = await startProxy(udpConfig([a, b], { server: { timeouts: { udpFlowIdle: '200ms' } } }), closers);
    const closed: MessageOf<typeof ConnClosed>[] = [];
    const sub = proxy.node.bus.on(ConnClosed).subscribe((m) => closed.push(m));
    closers.add(() => sub.unsubscribe());
    const client = await UdpClient.open(proxy.port, closers);
    assert.equal(await client.request('first'), 'A:first');
    await waitFor(() => closed.length === 1, 2000, 'the flow to expire');
    assert.equal(closed[0]?.cause, 'idle-timeout');
    assert.equal(closed[0]?.bytesIn, 5);
    assert.equal(closed[0]?.bytesOut, 7);
    assert.equal(proxy.node.counters()['dns']?.connectionsOpen, 0);
    // A new flow: the round robin moves on.
    assert.equal(await client.request('second'), 'B:second');
  });

  it('drops datagrams of new flows beyond maxFlows and counts them; existing flows go on', async () => {
    const a = await startUdpEcho('A', closers);
    const proxy = await startProxy(udpConfig([a], { listener: { maxFlows: 1 } }), closers);
    const one = await UdpClient.open(proxy.port, closers);
    const two = await UdpClient.open(proxy.port, closers);
    assert.equal(await one.request('in'), 'A:in');
    assert.equal(await two.request('out', 300), undefined);
    assert.equal(await two.request('out again', 300), undefined);
    assert.equal(await one.request('still in'), 'A:still in');
    assert.equal(proxy.node.counters()['dns']?.flowsDropped, 2);
    assert.deepEqual(
      a.received.map((r) => r.text),
      ['in', 'still in'],
    );
  });

  it('moves a flow to another target on its next datagram when its target leaves the upstream (reload)', async () => {
    const a = await startUdpEcho('A', closers);
    const b = await startUdpEcho('B', closers);
    const c = await startUdpEcho('C', closers);
    const proxy = await startProxy(udpConfig([a, b, c]), closers);
    const one = await UdpClient.open(proxy.port, closers);
    const two = await UdpClient.open(proxy.port, closers);
    assert.equal(await one.request('x'), 'A:x');
    assert.equal(await two.request('y'), 'B:y');
    // Target A leaves; the listener is unchanged (and kept bound), only the upstream changes.
    await proxy.node.apply(loadConfig(proxyConfig(udpConfig([b, c]))), 'test');
    assert.equal(proxy.node.listeners()[0]?.port, proxy.port);
    const moved = await one.request('x2');
    assert.ok(moved === 'B:x2' || moved === 'C:x2', `moved to ${moved}`);
    assert.equal(await one.request('x3'), moved?.replace('x2', 'x3'), 'and stays on its new target');
    assert.equal(await two.request('y2'), 'B:y2', 'a flow whose target stayed is not moved');
  });

  it('moves a flow when its target is drained (the picker is rebuilt without it, no reload)', async () => {
    const a = await startUdpEcho('A', closers);
    const b = await startUdpEcho('B', closers);
    const proxy = await startProxy(udpConfig([a, b]), closers);
    const one = await UdpClient.open(proxy.port, closers);
    assert.equal(await one.request('x'), 'A:x');
    assert.equal(await proxy.node.drain('echo', a.address), true);
    // The balancer rebuilds the picker asynchronously; the flow follows on a datagram after that.
    let reply: string | undefined;
    const deadline = Date.now() + 3000;
    do reply = await one.request('x2', 300);
    while (reply !== 'B:x2' && Date.now() < deadline);
    assert.equal(reply, 'B:x2');
    assert.equal(await one.request('x3'), 'B:x3');
  });

  it('refuses flows from a denied source', async () => {
    const a = await startUdpEcho('A', closers);
    const proxy = await startProxy(udpConfig([a], { listener: { deny: ['127.0.0.0/8'] } }), closers);
    const client = await UdpClient.open(proxy.port, closers);
    assert.equal(await client.request('no', 300), undefined);
    assert.equal(a.received.length, 0);
    assert.equal(proxy.node.counters()['dns']?.connectionsRefused, 1);
  });
});
