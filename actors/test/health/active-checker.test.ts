import assert from 'node:assert/strict';
import { HealthProbeCompleted, TargetHealthChanged, createActorSystem, type ActorSystem } from '@switchyard/core';
import { TestProbe, VirtualClock } from '@switchyard/core/testkit';
import { GetActiveStates, HealthMemory, activeChecker, type ActiveCheckerArgs } from '../../src/health/index.js';
import { FakeProber, PASS, REFUSED, checkConfig, gaps, sequence, type Script } from './health-fixtures.js';

const A = '10.0.0.1:80';
const B = '10.0.0.2:80';
const target = (address: string) => ({ address, host: address.split(':')[0] as string, port: Number(address.split(':')[1]) });

describe('health active checker', () => {
  let system: ActorSystem;
  let clock: VirtualClock;
  let prober: FakeProber;
  let changes: TestProbe<TargetHealthChanged>;
  let origin: number;
  afterEach(() => system.terminate());

  function start(check: Record<string, unknown>, script: Script, extra: Partial<ActiveCheckerArgs> = {}, addresses = [A]) {
    clock = new VirtualClock();
    origin = clock.now();
    system = createActorSystem({ clock });
    changes = TestProbe.onBus<TargetHealthChanged>(system.bus, TargetHealthChanged);
    prober = new FakeProber(clock, script);
    const ref = system.spawn(activeChecker, { upstream: 'api', check: checkConfig(check), targets: addresses.map(target), prober, random: () => 0, ...extra });
    return ref;
  }

  const transitions = () => changes.received.filter((c) => c.source === 'active').map((c) => ({ to: c.to, at: c.at - origin, reason: c.reason }));

  it('falls after exactly unhealthyThreshold consecutive failures and says why', async () => {
    // Fails from t=10 s; interval 2 s, fast 500 ms: probes at 10 000, 10 500, 11 000.
    start({ interval: '2s', fastInterval: '500ms', unhealthyThreshold: 3 }, (_a, at) => (at - origin >= 10_000 ? REFUSED : PASS));
    await clock.advance(10_999);
    assert.deepEqual(transitions(), [], 'two failures are not enough');
    await clock.advance(1);
    assert.deepEqual(transitions(), [{ to: 'unhealthy', at: 11_000, reason: '3 consecutive failures: connect ECONNREFUSED' }]);
  });

  it('rises after exactly healthyThreshold consecutive passes', async () => {
    start({ interval: '2s', fastInterval: '500ms', healthyThreshold: 3, initialState: 'assume-unhealthy' }, (_a, at) => (at - origin >= 4000 ? PASS : REFUSED));
    await clock.advance(4999);
    assert.deepEqual(transitions(), []);
    await clock.advance(1);
    assert.deepEqual(transitions(), [{ to: 'healthy', at: 5000, reason: '3 consecutive passes' }]);
  });

  it('needs a fresh run after an interrupted one', async () => {
    // fail, fail, pass, fail, fail, fail: down only at the sixth probe.
    const outcomes = [PASS, REFUSED, REFUSED, PASS, REFUSED, REFUSED, REFUSED, PASS];
    start({ interval: '1s', fastInterval: '1s', unhealthyThreshold: 3 }, (_a, _at, call) => outcomes[call] ?? PASS);
    await clock.advance(5999);
    assert.deepEqual(transitions(), []);
    await clock.advance(1);
    assert.deepEqual(transitions().map((t) => [t.to, t.at]), [['unhealthy', 6000]]);
  });

  it('probes at fastInterval while a target is between states, and at interval otherwise', async () => {
    // One failure at t=4 s, then passes: 0, 2000, 4000 (fail) → 4500 (pass, run reset) → 6500 …
    start({ interval: '2s', fastInterval: '500ms' }, (_a, at) => (at - origin === 4000 ? REFUSED : PASS));
    await clock.advance(9000);
    assert.deepEqual(prober.timesOf(A, origin), [0, 2000, 4000, 4500, 6500, 8500]);
    // Rising: every gap after the first pass is fast until the target is up, then slow again.
    start({ interval: '2s', fastInterval: '500ms', healthyThreshold: 3, initialState: 'assume-unhealthy' }, () => PASS);
    await clock.advance(5000);
    assert.deepEqual(gaps(prober.timesOf(A, origin)), [500, 500, 2000, 2000]);
  });

  it('keeps probe starts on cadence when answers are slow', async () => {
    start({ interval: '2s', fastInterval: '500ms', timeout: '1s' }, () => ({ ok: true, latencyMs: 700 }));
    await clock.advance(7000);
    assert.deepEqual(prober.timesOf(A, origin), [0, 2000, 4000, 6000]);
  });

  it('fails a probe that never answers at the timeout', async () => {
    start({ timeout: '1s', unhealthyThreshold: 1 }, () => 'hang');
    const completed = TestProbe.onBus<HealthProbeCompleted>(system.bus, HealthProbeCompleted);
    await clock.advance(1000);
    const first = await completed.expectMessage(HealthProbeCompleted);
    assert.deepEqual([first.ok, first.reason, first.latencyMs, first.at - origin], [false, 'timeout after 1000 ms', 1000, 1000]);
    assert.deepEqual(transitions().map((t) => t.reason), ['1 consecutive failure: timeout after 1000 ms']);
  });

  it('ignores an answer that comes after the timeout', async () => {
    start({ interval: '2s', timeout: '1s', unhealthyThreshold: 1 }, () => ({ ok: true, latencyMs: 1500 }));
    const completed = TestProbe.onBus<HealthProbeCompleted>(system.bus, HealthProbeCompleted);
    await clock.advance(1999);
    assert.deepEqual(completed.received.map((c) => [c.ok, c.at - origin]), [[false, 1000]], 'the late pass at 1500 ms does not count');
    assert.deepEqual(transitions().map((t) => [t.to, t.at]), [['unhealthy', 1000]]);
  });

  const detectionCases: { name: string; check: Record<string, unknown>; failure: 'refused' | 'hang' }[] = [
    { name: 'defaults, refused', check: {}, failure: 'refused' },
    { name: 'defaults, hanging', check: {}, failure: 'hang' },
    { name: 'no fast interval, hanging, full jitter', check: { interval: '2s', fastInterval: '2s', jitter: 0.3 }, failure: 'hang' },
    { name: 'fall 5, 10 s interval, hanging', check: { interval: '10s', fastInterval: '1s', unhealthyThreshold: 5, timeout: '3s' }, failure: 'hang' },
    { name: 'fall 1', check: { unhealthyThreshold: 1, timeout: '2s' }, failure: 'hang' },
  ];
  for (const c of detectionCases) {
    it(`marks a target down within interval × unhealthyThreshold + timeout of its first failure (${c.name})`, async () => {
      const failFrom = 20_000;
      // The worst case of jitter: every wait as long as it can be.
      start(c.check, (_a, at) => (at - origin < failFrom ? PASS : c.failure === 'hang' ? 'hang' : REFUSED), { random: sequence(0.999_999) });
      const check = checkConfig(c.check);
      await clock.advance(failFrom + check.interval * (check.unhealthyThreshold + 2) + check.timeout);
      const firstFailure = prober.timesOf(A, origin).find((t) => t >= failFrom) as number;
      const down = transitions().find((t) => t.to === 'unhealthy');
      assert.ok(down !== undefined, 'marked down');
      assert.ok(down.at - firstFailure <= check.interval * check.unhealthyThreshold + check.timeout, `down ${down.at - firstFailure} ms after the first failure`);
    });
  }

  it('keeps jittered waits within [interval, interval × (1 + jitter)]', async () => {
    start({ interval: '1s', fastInterval: '250ms', jitter: 0.2 }, (_a, _at, call) => (call % 4 === 1 ? REFUSED : PASS), { random: Math.random });
    await clock.advance(200_000);
    const waits = gaps(prober.timesOf(A, origin));
    assert.ok(waits.length > 100);
    for (const wait of waits) assert.ok((wait >= 1000 && wait <= 1200) || (wait >= 250 && wait <= 300), `wait ${wait}`);
    assert.ok(new Set(waits).size > 10, 'the waits do vary');
  });

  it('spreads first probes of many targets within jitter × interval', async () => {
    const addresses = Array.from({ length: 20 }, (_v, i) => `10.0.1.${i}:80`);
    start({ interval: '2s', jitter: 0.5 }, () => PASS, { random: Math.random }, addresses);
    await clock.advance(999);
    const firsts = addresses.map((a) => prober.timesOf(a, origin)[0]);
    for (const first of firsts) assert.ok(first !== undefined && first >= 0 && first < 1000);
  });

  it('probes the probe port when one is set', async () => {
    start({ port: 9090 }, () => PASS);
    await clock.advance(0);
    assert.deepEqual(prober.calls.map((c) => [c.address, c.port]), [[A, 9090]]);
  });

  const initialCases: { initialState: string; remembered?: 'healthy' | 'unhealthy'; expect: 'healthy' | 'unhealthy'; reason: RegExp }[] = [
    { initialState: 'assume-healthy', expect: 'healthy', reason: /assume-healthy/ },
    { initialState: 'assume-unhealthy', expect: 'unhealthy', reason: /assume-unhealthy/ },
    { initialState: 'last-known', remembered: 'unhealthy', expect: 'unhealthy', reason: /last known state \(3 consecutive failures/ },
    { initialState: 'last-known', remembered: 'healthy', expect: 'healthy', reason: /last known state/ },
    { initialState: 'last-known', expect: 'healthy', reason: /no last-known state/ },
  ];
  for (const c of initialCases) {
    it(`starts ${c.expect} with initialState ${c.initialState}${c.remembered === undefined ? '' : ` (remembered ${c.remembered})`}`, async () => {
      const memory = new HealthMemory();
      if (c.remembered !== undefined) memory.remember('api', A, { state: c.remembered, since: 5, reason: '3 consecutive failures: connect ECONNREFUSED' });
      const ref = start({ initialState: c.initialState }, () => 'hang', { memory });
      await clock.advance(0);
      const [initial] = changes.received;
      assert.equal(initial?.source, 'initial');
      assert.equal(initial?.to, c.expect);
      assert.equal(initial?.from, c.expect);
      assert.match(initial?.reason ?? '', c.reason);
      const [state] = await ref.ask(GetActiveStates, {});
      assert.equal(state?.state, c.expect);
    });
  }

  it('starts from given states (a reload) without announcing them, and writes transitions to memory', async () => {
    const memory = new HealthMemory();
    const ref = start({ unhealthyThreshold: 1 }, (a) => (a === B ? REFUSED : PASS), { memory, initial: new Map([[B, { state: 'healthy' as const, since: 42 }]]) }, [A, B]);
    await clock.advance(0);
    assert.deepEqual(
      changes.received.map((c) => [c.target, c.source, c.to]),
      [
        [A, 'initial', 'healthy'],
        [B, 'active', 'unhealthy'],
      ],
    );
    assert.equal(memory.recall('api', B)?.state, 'unhealthy');
    assert.equal(memory.recall('api', B)?.reason, '1 consecutive failure: connect ECONNREFUSED');
    const states = await ref.ask(GetActiveStates, {});
    assert.deepEqual(states.map((s) => s.state), ['healthy', 'unhealthy']);
  });

  it('stops probing when stopped', async () => {
    const ref = start({}, () => PASS);
    await clock.advance(4000);
    await system.stop(ref);
    const before = prober.calls.length;
    await clock.advance(10_000);
    assert.equal(prober.calls.length, before);
    assert.equal(clock.pending, 0);
  });
});
