import assert from 'node:assert/strict';
import {
  ExplainHealth,
  SetTargetAdmin,
  TargetEjected,
  TargetHealthChanged,
  TargetRestored,
  UpstreamPanic,
  createActorSystem,
  type ActorRef,
  type ActorSystem,
  type Message,
  type Snapshot,
} from '@switchyard/core';
import { TestProbe, VirtualClock } from '@switchyard/core/testkit';
import type { UpstreamConfig } from '@switchyard/config';
import {
  ConfigureHealth,
  HealthMemory,
  createHealthViewsSnapshot,
  healthActor,
  type HealthActorInbox,
  type HealthViews,
  type UpstreamHealthView,
} from '../../src/health/index.js';
import { FakeProber, PASS, REFUSED, addressesOf, upstreamConfig, type Script } from './health-fixtures.js';
import { Closers, startRawServer } from './socket-fixtures.js';

const [A, B, C, D] = addressesOf(4) as [string, string, string, string];

describe('health actor', () => {
  let system: ActorSystem;
  let clock: VirtualClock;
  let views: Snapshot<HealthViews>;
  let memory: HealthMemory;
  let prober: FakeProber;
  let events: TestProbe<Message>;
  let health: ActorRef<HealthActorInbox>;
  let origin: number;
  afterEach(() => system.terminate());

  function start(script: Script = () => PASS, keepMemory?: HealthMemory) {
    clock = new VirtualClock();
    origin = clock.now();
    system = createActorSystem({ clock });
    views = createHealthViewsSnapshot();
    memory = keepMemory ?? new HealthMemory();
    prober = new FakeProber(clock, script);
    events = TestProbe.onBus(system.bus, 'target.', 'upstream.');
    health = spawnHealth();
  }

  function spawnHealth() {
    return system.spawn(healthActor, { views, memory, proberFor: () => prober, random: () => 0 }, { name: 'health' });
  }

  const configure = (...upstreams: UpstreamConfig[]) => health.ask(ConfigureHealth, { upstreams });
  const api = (overrides: Record<string, unknown> = {}, targets: readonly (string | Record<string, unknown>)[] = [A, B, C, D]) =>
    upstreamConfig('api', targets, { healthCheck: { interval: '2s', fastInterval: '500ms', timeout: '1s', jitter: 0, unhealthyThreshold: 3, healthyThreshold: 2 }, ...overrides });
  const view = (): UpstreamHealthView => views.current.get('api') as UpstreamHealthView;
  const seen = () =>
    events.received.map((e) => {
      if (TargetHealthChanged.is(e)) return [e.type, e.target, e.to, e.source, e.at - origin];
      if (TargetEjected.is(e)) return [e.type, e.target, e.untilMs, e.at - origin];
      if (TargetRestored.is(e)) return [e.type, e.target, e.at - origin];
      if (UpstreamPanic.is(e)) return [e.type, e.isPanicking, e.available, e.total];
      return [e.type];
    });
  const without = (type: string) => seen().filter((e) => !(e[0] === type && e[3] === 'initial'));

  it('publishes a view per upstream on configure and announces initial verdicts', async () => {
    start();
    const replied = await configure(api(), upstreamConfig('static', ['10.0.9.1:80']));
    assert.equal(replied, views.current);
    assert.deepEqual([...views.current.keys()], ['api', 'static']);
    assert.deepEqual(view().routable, [0, 1, 2, 3]);
    assert.deepEqual(
      seen().map((e) => e.slice(0, 4)),
      [A, B, C, D, '10.0.9.1:80'].map((t) => ['target.health-changed', t, 'healthy', 'initial']),
    );
  });

  it('takes a target out of the view when its active check falls, and puts it back when it rises', async () => {
    let isDown = false;
    start((address) => (address === B && isDown ? REFUSED : PASS));
    await configure(api());
    await clock.advance(3000);
    isDown = true;
    await clock.advance(2000); // probes at 4000, 4500, 5000
    assert.deepEqual(without('target.health-changed'), [['target.health-changed', B, 'unhealthy', 'active', 5000]]);
    assert.deepEqual(view().routable, [0, 2, 3]);
    isDown = false;
    await clock.advance(2500); // 7000, 7500
    assert.deepEqual(without('target.health-changed').at(-1), ['target.health-changed', B, 'healthy', 'active', 7500]);
    assert.deepEqual(view().routable, [0, 1, 2, 3]);
  });

  it('ejects through the shared detector, and restores when the ejection expires', async () => {
    start();
    await configure(api({ healthCheck: undefined, passive: { consecutiveConnectFailures: 3, baseEjectionTime: '30s' } }));
    const outlier = view().outlier;
    for (let i = 0; i < 3; i++) outlier.recordConnectFailure(2, 'ECONNREFUSED');
    await clock.advance(0);
    assert.deepEqual(without('target.health-changed'), [
      ['target.ejected', C, 30_000, 0],
      ['target.health-changed', C, 'unhealthy', 'passive', 0],
    ]);
    assert.deepEqual(view().routable, [0, 1, 3]);
    assert.equal(view().targets[2]?.isEjected, true);
    await clock.advance(29_999);
    assert.deepEqual(view().routable, [0, 1, 3]);
    await clock.advance(1);
    assert.deepEqual(without('target.health-changed').slice(2), [
      ['target.restored', C, 30_000],
      ['target.health-changed', C, 'healthy', 'passive', 30_000],
    ]);
    assert.deepEqual(view().routable, [0, 1, 2, 3]);
  });

  it('enters and leaves panic mode on the bus', async () => {
    const down = new Set<string>();
    start((address) => (down.has(address) ? REFUSED : PASS));
    await configure(api({ panicThreshold: 50, healthCheck: { interval: '1s', fastInterval: '1s', jitter: 0, unhealthyThreshold: 1, healthyThreshold: 1 } }));
    down.add(A).add(B).add(C);
    await clock.advance(1000);
    assert.deepEqual(seen().filter((e) => e[0] === 'upstream.panic'), [['upstream.panic', true, 1, 4]]);
    assert.equal(view().isPanicking, true);
    assert.deepEqual(view().routable, [0, 1, 2, 3]);
    down.clear();
    await clock.advance(1000);
    assert.deepEqual(seen().filter((e) => e[0] === 'upstream.panic'), [
      ['upstream.panic', true, 1, 4],
      ['upstream.panic', false, 2, 4],
    ]);
    assert.deepEqual(view().routable, [0, 1, 2, 3]);
  });

  it('explains its targets through health.explain', async () => {
    start((address) => (address === A ? REFUSED : PASS));
    await configure(api());
    await clock.advance(1000);
    const explanation = await health.ask(ExplainHealth, { upstream: 'api', target: A });
    const [target] = explanation.upstreams[0]?.targets ?? [];
    assert.equal(explanation.at, origin + 1000);
    assert.deepEqual([target?.target, target?.state, target?.since, target?.reason], [A, 'unhealthy', origin + 1000, '3 consecutive failures: connect ECONNREFUSED']);
    assert.deepEqual(
      target?.evidence.filter((e) => e.kind === 'probe').map((e) => e.at - origin),
      [1000, 500, 0],
    );
    assert.ok(target?.rules.includes('active tcp connect: fall after 3 failures, rise after 2 passes'));
    const all = await health.ask(ExplainHealth, {});
    assert.equal(all.upstreams[0]?.targets.length, 4);
  });

  it('applies admin overrides and says whether the target exists', async () => {
    start();
    await configure(api());
    assert.equal(await health.ask(SetTargetAdmin, { upstream: 'api', target: B, override: 'down', reason: 'maintenance' }), true);
    assert.equal(await health.ask(SetTargetAdmin, { upstream: 'api', target: '10.9.9.9:80', override: 'down' }), false);
    assert.deepEqual(without('target.health-changed'), [['target.health-changed', B, 'unhealthy', 'admin', 0]]);
    assert.deepEqual(view().routable, [0, 2, 3]);
    assert.deepEqual(memory.recallAdmin('api', B), { override: 'down', reason: 'maintenance' });
  });

  it('keeps the state and the running checker of an unchanged upstream across a reload', async () => {
    start((address) => (address === B ? REFUSED : PASS));
    await configure(api());
    await clock.advance(1500);
    assert.equal(view().targets[1]?.verdict, 'unhealthy');
    const before = prober.calls.length;
    events.received.length = 0;
    await configure(api());
    await clock.advance(0);
    assert.equal(prober.calls.length, before, 'no fresh probe at reload: the same checker runs on');
    assert.deepEqual(seen(), [], 'nothing new to announce');
    assert.equal(view().targets[1]?.verdict, 'unhealthy');
  });

  it('replaces the checker when the check changes, seeding it with the current verdicts', async () => {
    start((address) => (address === B ? REFUSED : PASS));
    await configure(api());
    await clock.advance(1500);
    events.received.length = 0;
    const reloadAt = clock.now() - origin;
    prober.script = () => PASS;
    await configure(api({ healthCheck: { interval: '2s', fastInterval: '500ms', timeout: '1s', jitter: 0, unhealthyThreshold: 3, healthyThreshold: 2, port: 9000 } }, [B, C, D, '10.0.0.5:80']));
    await clock.advance(0);
    assert.deepEqual(prober.calls.filter((c) => c.at - origin === reloadAt).map((c) => [c.address, c.port]), [B, C, D, '10.0.0.5:80'].map((a) => [a, 9000]));
    assert.deepEqual(seen(), [['target.health-changed', '10.0.0.5:80', 'healthy', 'initial', reloadAt]], 'only the new target is announced');
    assert.deepEqual(view().targets.map((t) => t.verdict), ['unhealthy', 'healthy', 'healthy', 'healthy']);
    await clock.advance(500); // B needs two passes to rise again: at reload and 500 ms later
    assert.deepEqual(seen().at(-1), ['target.health-changed', B, 'healthy', 'active', reloadAt + 500]);
  });

  it('drops an upstream that leaves the config: its checker stops and its detector retires', async () => {
    start();
    await configure(api(), upstreamConfig('other', ['10.0.8.1:80']));
    const outlier = view().outlier;
    await configure(upstreamConfig('other', ['10.0.8.1:80']));
    assert.deepEqual([...views.current.keys()], ['other']);
    assert.equal(outlier.retired, true);
    const calls = prober.calls.length;
    await clock.advance(10_000);
    assert.equal(prober.calls.length, calls, 'no more probes');
  });

  it('republishes a ramping upstream at each slow-start step, then stops ticking', async () => {
    const down = new Set<string>([A]);
    start((address) => (down.has(address) ? REFUSED : PASS));
    await configure(api({ slowStart: '2s', healthCheck: { interval: '1s', fastInterval: '1s', jitter: 0, unhealthyThreshold: 1, healthyThreshold: 1 } }));
    await clock.advance(0);
    assert.equal(view().targets[0]?.verdict, 'unhealthy');
    down.clear();
    await clock.advance(1000);
    const factors: number[] = [];
    const subscription = views.changes$.subscribe((v) => factors.push(v.get('api')?.weightFactors[0] ?? -1));
    await clock.advance(2500);
    subscription.unsubscribe();
    // The view current at subscription (the ramp's start), then one per 100 ms step (2 s / 20), then none.
    const steps = Array.from({ length: 20 }, (_v, i) => (i + 1) * 5);
    assert.deepEqual(factors.map((f) => Math.round(f * 100)), [1, ...steps]);
    assert.equal(view().isRamping, false);
  });

  it('rebuilds from memory after a restart, trusting the last-known verdicts', async () => {
    start((address) => (address === B ? REFUSED : PASS));
    await configure(api());
    await clock.advance(1000);
    assert.equal(memory.recall('api', B)?.state, 'unhealthy');
    await system.stop(health);
    // A new incarnation (as after a supervisor restart) with the node's memory and snapshot.
    health = spawnHealth();
    await clock.advance(0);
    assert.deepEqual(view().targets.map((t) => t.verdict), ['healthy', 'unhealthy', 'healthy', 'healthy'], 'assume-healthy is overridden by memory');
  });

  it('publishes probe results only when someone listens', async () => {
    start();
    await configure(api());
    const probes = TestProbe.onBus(system.bus, 'health.probe-completed');
    await clock.advance(0);
    assert.equal(probes.received.length, 4);
  });
});

describe('health actor with real probers (real clock, real sockets)', () => {
  const closers = new Closers();
  afterEach(() => closers.closeAll());

  it('marks an HTTP target down when it starts answering 503, and up when it recovers', async () => {
    let status = '200 OK';
    const origin = await startRawServer(closers, (socket, received) =>
      socket.on('data', () => {
        if (received().includes('\r\n\r\n')) socket.end(`HTTP/1.1 ${status}\r\nContent-Length: 0\r\n\r\n`);
      }),
    );
    const system = createActorSystem();
    closers.add(() => system.terminate());
    const changes = TestProbe.onBus<TargetHealthChanged>(system.bus, TargetHealthChanged);
    const views = createHealthViewsSnapshot();
    const health = system.spawn(healthActor, { views, memory: new HealthMemory() });
    await health.ask(ConfigureHealth, {
      upstreams: [
        upstreamConfig('web', [`127.0.0.1:${origin.port}`], {
          healthCheck: { type: 'http', path: '/health', interval: '100ms', fastInterval: '50ms', timeout: '500ms', unhealthyThreshold: 2, healthyThreshold: 2 },
        }),
      ],
    });
    await changes.expectMessage((m) => m.source === 'initial', 1000);
    status = '503 Service Unavailable';
    const down = await changes.expectMessage((m) => m.source === 'active', 2000);
    assert.deepEqual([down.to, down.reason], ['unhealthy', '2 consecutive failures: status 503 not in 200-399']);
    const web = views.current.get('web');
    assert.deepEqual([web?.targets[0]?.verdict, web?.isPanicking, web?.routable], ['unhealthy', true, [0]], 'a lone target fails open');
    status = '200 OK';
    const up = await changes.expectMessage((m) => m.source === 'active', 2000);
    assert.deepEqual([up.to, up.reason], ['healthy', '2 consecutive passes']);
    // A keep-alive request (reuseConnection is the default); this origin closes after each answer.
    assert.match(origin.received[0] ?? '', /^GET \/health HTTP\/1\.1\r\nHost: 127\.0\.0\.1:\d+\r\nUser-Agent: switchyard-health\r\n\r\n$/);
  });
});
