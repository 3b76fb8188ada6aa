import assert from 'node:assert/strict';
import { HealthProbeCompleted, TargetHealthChanged, createActorSystem, type ActorSystem } from '@switchyard/core';
import { TestProbe } from '@switchyard/core/testkit';
import { HttpProber, activeChecker, type HttpProbeOptions } from '../../src/health/index.js';
import { checkConfig } from './health-fixtures.js';
import { Closers, eventually, startKeepAliveOrigin, type OriginAction } from './socket-fixtures.js';

const at = (port: number) => ({ address: `127.0.0.1:${port}`, host: '127.0.0.1', port });
const options = (extra: Partial<HttpProbeOptions> = {}): HttpProbeOptions => ({ method: 'GET', path: '/healthz', expectStatus: ['200-399'], ...extra });
const OK = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok';
const CHUNKED_OK = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nready\r\n0\r\n\r\n';
const UNAVAILABLE = 'HTTP/1.1 503 Service Unavailable\r\nContent-Length: 4\r\n\r\nbusy';

async function probeTimes(prober: HttpProber, port: number, times: number): Promise<string[]> {
  const reasons: string[] = [];
  for (let i = 0; i < times; i++) {
    reasons.push((await prober.probe(at(port), 1000)).reason);
  }
  return reasons;
}

describe('health http prober connection reuse (real sockets)', () => {
  const closers = new Closers();
  const probers: HttpProber[] = [];
  afterEach(async () => {
    for (const prober of probers.splice(0)) prober.close();
    await closers.closeAll();
  });
  const prober = (extra: Partial<HttpProbeOptions> = {}): HttpProber => {
    const made = new HttpProber(options(extra));
    probers.push(made);
    return made;
  };

  const keptCases: { name: string; answer: string; extra: Partial<HttpProbeOptions> }[] = [
    { name: 'Content-Length answers', answer: OK, extra: {} },
    { name: 'chunked answers read for a body check', answer: CHUNKED_OK, extra: { expectBody: 'ready' } },
    { name: 'chunked answers with no body check', answer: CHUNKED_OK, extra: {} },
    { name: 'HEAD answers', answer: 'HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n', extra: { method: 'HEAD' } },
    { name: 'answers with an unexpected status', answer: UNAVAILABLE, extra: {} },
  ];
  for (const c of keptCases) {
    it(`sends consecutive probes over one kept-alive connection for ${c.name}`, async () => {
      const origin = await startKeepAliveOrigin(closers, () => c.answer);
      const reasons = await probeTimes(prober(c.extra), origin.port, 4);
      assert.equal(new Set(reasons).size, 1, `one verdict: ${reasons.join(', ')}`);
      assert.equal(origin.connections, 1);
      assert.equal(origin.requests[0]?.length, 4);
      assert.doesNotMatch(origin.requests[0]?.[0] ?? '', /Connection:/i);
    });
  }

  const idleCloseCases: { name: string; act: (onConnection: number) => OriginAction }[] = [
    { name: 'ends it when the next request arrives', act: (n) => (n === 0 ? OK : { end: true }) },
    { name: 'resets it when the next request arrives', act: (n) => (n === 0 ? OK : { reset: true }) },
  ];
  for (const c of idleCloseCases) {
    it(`retries once on a fresh connection when the origin ${c.name}`, async () => {
      const origin = await startKeepAliveOrigin(closers, (_n, _connection, onConnection) => c.act(onConnection));
      const reasons = await probeTimes(prober(), origin.port, 3);
      assert.deepEqual(reasons, ['status 200', 'status 200', 'status 200']);
      // Probe 2 met the closing connection and went again; so did probe 3.
      assert.equal(origin.connections, 3);
      assert.deepEqual(
        origin.requests.map((heads) => heads.length),
        [2, 2, 1],
      );
    });
  }

  it('opens a fresh connection, with no failure, after the origin closed the idle one', async () => {
    const origin = await startKeepAliveOrigin(closers, () => OK);
    const probing = prober();
    assert.equal((await probing.probe(at(origin.port), 1000)).ok, true);
    assert.ok(await eventually(() => probing.connections.size === 1));
    origin.endIdle();
    assert.ok(await eventually(() => probing.connections.size === 0), 'the idle close is noticed');
    assert.deepEqual(await probeTimes(probing, origin.port, 2), ['status 200', 'status 200']);
    assert.equal(origin.connections, 2);
  });

  it('does not retry a fresh connection that fails before answering', async () => {
    const origin = await startKeepAliveOrigin(closers, () => ({ end: true }));
    const result = await prober().probe(at(origin.port), 1000);
    assert.deepEqual([result.ok, result.reason], [false, 'closed before a response']);
    assert.equal(origin.connections, 1);
  });

  const freshCases: { name: string; answer: string; extra: Partial<HttpProbeOptions> }[] = [
    { name: 'Connection: close answers', answer: 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok', extra: {} },
    { name: 'close among other Connection tokens', answer: 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: Upgrade, Close\r\n\r\nok', extra: {} },
    { name: 'HTTP/1.0 answers', answer: 'HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok', extra: {} },
    { name: 'bodies delimited by the close', answer: 'HTTP/1.1 200 OK\r\n\r\nready', extra: { expectBody: 'ready' } },
    { name: 'bytes after the body', answer: `${OK}extra`, extra: {} },
    { name: 'reuseConnection: false', answer: OK, extra: { reuseConnection: false } },
  ];
  for (const c of freshCases) {
    it(`uses a new connection per probe, and closes it, for ${c.name}`, async () => {
      // The origin never closes: the prober must.
      const origin = await startKeepAliveOrigin(closers, () => c.answer);
      const probing = prober(c.extra);
      assert.deepEqual(await probeTimes(probing, origin.port, 3), ['status 200', 'status 200', 'status 200']);
      assert.equal(origin.connections, 3);
      assert.ok(await eventually(() => origin.closedByPeer === 3), `closed by the prober: ${origin.closedByPeer}`);
      assert.equal(probing.connections.size, 0);
    });
  }

  it('sends Connection: close when reuse is off', async () => {
    const origin = await startKeepAliveOrigin(closers, () => OK);
    await prober({ reuseConnection: false }).probe(at(origin.port), 1000);
    assert.match(origin.requests[0]?.[0] ?? '', /\r\nConnection: close\r\n/);
  });

  it('counts a timeout on a kept connection as a failure and closes that connection', async () => {
    const origin = await startKeepAliveOrigin(closers, (n) => (n === 0 ? OK : ''));
    const probing = prober();
    assert.equal((await probing.probe(at(origin.port), 1000)).ok, true);
    const result = await probing.probe(at(origin.port), 200);
    assert.deepEqual([result.ok, result.reason], [false, 'timeout after 200 ms']);
    assert.ok(await eventually(() => origin.closedByPeer === 1));
    assert.equal(origin.connections, 1, 'a timeout is not retried');
    assert.equal(probing.connections.size, 0);
  });

  it('close() closes the idle connection, and one in flight when its probe ends', async () => {
    const origin = await startKeepAliveOrigin(closers, () => OK);
    const probing = prober();
    await probing.probe(at(origin.port), 1000);
    probing.close();
    assert.ok(await eventually(() => origin.closedByPeer === 1), 'the origin sees the idle one close');
    assert.equal(probing.connections.size, 0);
    // Started before close(), answered after it: judged as usual, then closed rather than kept.
    const inFlight = probing.probe(at(origin.port), 1000);
    probing.close();
    assert.equal((await inFlight).ok, true);
    assert.ok(await eventually(() => origin.closedByPeer === 2), 'the origin sees the in-flight one close');
    assert.equal(probing.connections.size, 0);
    assert.equal(origin.connections, 2);
  });
});

describe('health active checker over kept-alive HTTP probes (real sockets)', () => {
  const closers = new Closers();
  let system: ActorSystem | undefined;
  afterEach(async () => {
    await system?.terminate();
    system = undefined;
    await closers.closeAll();
  });

  function startChecker(port: number, check: Record<string, unknown>) {
    system = createActorSystem({});
    const probes = TestProbe.onBus<HealthProbeCompleted>(system.bus, HealthProbeCompleted);
    const changes = TestProbe.onBus<TargetHealthChanged>(system.bus, TargetHealthChanged);
    const ref = system.spawn(activeChecker, {
      upstream: 'api',
      check: checkConfig({ type: 'http', path: '/healthz', interval: '50ms', fastInterval: '20ms', timeout: '500ms', ...check }),
      targets: [at(port)],
      prober: new HttpProber(options()),
      random: () => 0,
    });
    return { ref, probes, changes };
  }

  const failureCases: { name: string; act: (n: number) => OriginAction; reason: string }[] = [
    { name: 'answers 503 on the kept connection', act: (n) => (n < 3 ? OK : UNAVAILABLE), reason: 'status 503 not in 200-399' },
    { name: 'closes every connection without answering', act: (n) => (n < 3 ? OK : { end: true }), reason: 'closed before a response' },
  ];
  for (const c of failureCases) {
    it(`marks a target down after exactly unhealthyThreshold failed probes when it ${c.name}`, async () => {
      const origin = await startKeepAliveOrigin(closers, c.act);
      const { probes, changes } = startChecker(origin.port, { unhealthyThreshold: 3 });
      const down = await changes.expectMessage((m) => m.to === 'unhealthy', 5000);
      assert.equal(down.reason, `3 consecutive failures: ${c.reason}`);
      // Later probes may have landed meanwhile; the first six decided.
      const outcomes = probes.received.slice(0, 6).map((p) => p.ok);
      assert.deepEqual(outcomes, [true, true, true, false, false, false]);
    });
  }

  it('keeps one connection across probes, and closes it when the checker stops', async () => {
    const origin = await startKeepAliveOrigin(closers, () => OK);
    const { ref, probes } = startChecker(origin.port, { interval: '20ms' });
    await probes.receiveN(4, undefined, 5000);
    assert.equal(origin.connections, 1);
    assert.equal(origin.closedByPeer, 0);
    await system?.stop(ref);
    assert.ok(await eventually(() => origin.closedByPeer === 1), 'the origin sees the probe connection close');
  });
});
