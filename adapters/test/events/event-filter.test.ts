import assert from 'node:assert/strict';
import { DeadLetter, ActorFailed } from '@switchyard/core';
import { EventCorrelator } from '../../src/events/event-correlator.js';
import { EventFilter, isSampledIn, type EventFacts } from '../../src/events/event-filter.js';
import { frameOf } from '../../src/events/event-frame.js';

const parse = (query: string): EventFilter => {
  const result = EventFilter.parse(new URLSearchParams(query));
  assert.ok(result.ok, JSON.stringify(!result.ok && result.problems));
  return result.filter;
};

const facts = (over: Partial<EventFacts>): EventFacts => ({
  type: 'request.completed',
  listener: undefined,
  clientAddress: undefined,
  route: undefined,
  upstream: undefined,
  target: undefined,
  status: undefined,
  sampleKey: undefined,
  ...over,
});

describe('EventFilter', () => {
  it('reads exact types, prefixes and lists, repeated or comma-separated', () => {
    const f = parse('type=request.*,conn.opened&type=config.applied');
    assert.deepEqual([...f.exactTypes].sort(), ['config.applied', 'conn.opened']);
    assert.deepEqual(f.prefixes, ['request.']);
    assert.equal(f.wantsType('request.routed'), true);
    assert.equal(f.wantsType('conn.closed'), false);
    assert.deepEqual(parse('').prefixes, [''], 'no type: everything');
    assert.deepEqual(parse('type=*').prefixes, ['']);
  });

  it('matches status classes and codes, and drops events whose status is unknown', () => {
    const f = parse('status=5xx,404');
    assert.equal(f.matches(facts({ status: 503 })), true);
    assert.equal(f.matches(facts({ status: 404 })), true);
    assert.equal(f.matches(facts({ status: 400 })), false);
    assert.equal(f.matches(facts({})), false);
  });

  it('matches client CIDRs, IPv4-mapped addresses as IPv4, and IPv6', () => {
    const f = parse('client=10.0.0.0/8,fd00::/8');
    assert.equal(f.matches(facts({ clientAddress: '10.2.3.4' })), true);
    assert.equal(f.matches(facts({ clientAddress: '::ffff:10.2.3.4' })), true);
    assert.equal(f.matches(facts({ clientAddress: 'fd12::1' })), true);
    assert.equal(f.matches(facts({ clientAddress: '11.0.0.1' })), false);
    assert.equal(f.matches(facts({ clientAddress: 'not-an-ip' })), false);
    assert.equal(parse('client=192.168.1.7').matches(facts({ clientAddress: '192.168.1.7' })), true, 'a bare IP is one host');
  });

  it('ANDs parameters and ORs values', () => {
    const f = parse('route=a,b&upstream=u');
    assert.equal(f.matches(facts({ route: 'b', upstream: 'u' })), true);
    assert.equal(f.matches(facts({ route: 'b', upstream: 'v' })), false);
    assert.equal(f.matches(facts({ route: 'c', upstream: 'u' })), false);
  });

  it('lists every problem of a bad query', () => {
    const result = EventFilter.parse(new URLSearchParams('type=A.B&status=600&client=nope&sample=-1&x=1&sample='));
    assert.ok(!result.ok);
    assert.deepEqual(result.problems.map((p) => p.path).sort(), ['client', 'sample', 'status', 'type', 'x']);
  });

  it('samples deterministically, close to the fraction, and keeps events without a key', () => {
    const ids = Array.from({ length: 20_000 }, (_, i) => `k3x9-${i.toString(36)}`);
    for (const fraction of [0.01, 0.1, 0.5]) {
      const kept = ids.filter((id) => isSampledIn(id, fraction)).length / ids.length;
      assert.ok(Math.abs(kept - fraction) < fraction * 0.2 + 0.005, `fraction ${fraction}: kept ${kept}`);
    }
    assert.equal(isSampledIn('abc', 0.3), isSampledIn('abc', 0.3));
    assert.equal(isSampledIn('abc', 0), false);
    assert.equal(isSampledIn('abc', 1), true);
    const f = parse('sample=0');
    assert.equal(f.matches(facts({ type: 'config.applied' })), true, 'no request or connection: always kept');
    assert.equal(f.matches(facts({ sampleKey: 'r1' })), false);
  });
});

describe('EventCorrelator', () => {
  it('fills a request event with its connection and earlier steps, and forgets them at the end', () => {
    const c = new EventCorrelator();
    c.isTracking = true;
    const events = [
      { type: 'conn.opened', connId: 1, listener: 'web', clientAddress: '10.0.0.1', clientPort: 1, at: 0 },
      { type: 'request.received', connId: 1, requestId: 'r', method: 'GET', target: '/uri', host: 'h' },
      { type: 'request.routed', requestId: 'r', route: 'api', action: 'forward' },
      { type: 'request.target-picked', requestId: 'r', upstream: 'app', target: '10.1.1.1:80' },
      { type: 'request.response-started', requestId: 'r', status: 502, upstreamHeaderMs: 1 },
    ];
    for (const e of events) c.observe(e);
    const connected = { type: 'request.upstream-connected', requestId: 'r', target: '10.1.1.1:80', isReused: false, connectMs: 1 };
    assert.deepEqual(c.factsOf(connected), {
      type: 'request.upstream-connected',
      listener: 'web',
      clientAddress: '10.0.0.1',
      route: 'api',
      upstream: 'app',
      target: '10.1.1.1:80',
      status: 502,
      sampleKey: 'r',
    });
    assert.equal(c.factsOf(events[1] as never).target, '10.1.1.1:80', 'the URI in request.received is not a target address');
    c.forget({ type: 'request.completed', requestId: 'r' } as never);
    c.forget({ type: 'conn.closed', connId: 1 } as never);
    assert.deepEqual(c.size, { conns: 0, requests: 0 });
  });

  it('never holds more than its cap', () => {
    const c = new EventCorrelator(100);
    c.isTracking = true;
    for (let i = 0; i < 1000; i++) c.observe({ type: 'request.routed', requestId: `r${i}`, route: 'x', action: 'forward' } as never);
    assert.equal(c.size.requests, 100);
  });
});

describe('frameOf', () => {
  it('puts type, node, ts first and keeps only plain data', () => {
    const failed = ActorFailed.make({ address: 'a', phase: 'receive', error: { code: 'ERR_X', message: 'boom', cause: new Error('inner') } });
    assert.deepEqual(frameOf(failed, 'n1', 5), { type: 'actor.failed', node: 'n1', ts: 5, address: 'a', phase: 'receive', error: { code: 'ERR_X', message: 'boom' } });
    class Handle {}
    const dead = DeadLetter.make({ recipient: 'r', messageType: 't', reason: 'mailbox-full', message: { type: 't', socket: new Handle(), n: 1n, err: new RangeError('x') } });
    assert.deepEqual(frameOf(dead, 'n1', 5)['message'], { type: 't', socket: '[Handle]', n: '1', err: { name: 'RangeError', message: 'x' } });
  });
});
