import assert from 'node:assert/strict';
import { HealthMemory, UpstreamHealth, type HealthChange, type OutlierListener } from '../../src/health/index.js';
import { addressesOf, upstreamConfig } from './health-fixtures.js';

const T0 = 1_700_000_000_000;

interface Harness {
  health: UpstreamHealth;
  clock: { now: number };
  /** Ejections the detector announced, applied to the health as the actor would. */
  changes: HealthChange[];
}

function build(targets: readonly (string | Record<string, unknown>)[], overrides: Record<string, unknown> = {}, previous?: UpstreamHealth, memory?: HealthMemory): Harness {
  const clock = { now: T0 };
  const changes: HealthChange[] = [];
  const harness = { clock, changes } as Harness;
  const listener: OutlierListener = {
    onEjected: (index, reason, ejections, durationMs, at) => changes.push(...harness.health.noteEjected(index, reason, ejections, durationMs, at)),
    onRestored: (index, at) => changes.push(...harness.health.noteRestored(index, at)),
    onEjectionRefused: (index, reason, at) => harness.health.noteEjectionRefused(index, reason, at),
  };
  harness.health = new UpstreamHealth({ config: upstreamConfig('api', targets, overrides), now: () => clock.now, outlierListener: listener, previous, memory });
  return harness;
}

const checked = { healthCheck: { jitter: 0 } };
const verdicts = (changes: readonly HealthChange[]) => changes.flatMap((c) => (c.kind === 'verdict' ? [[c.target, c.from, c.to, c.source]] : []));
const panics = (changes: readonly HealthChange[]) => changes.flatMap((c) => (c.kind === 'panic' ? [[c.isPanicking, c.available, c.total]] : []));

describe('health per upstream', () => {
  it('routes to healthy targets and announces initial verdicts', () => {
    const { health } = build(addressesOf(3), checked);
    assert.deepEqual(verdicts(health.initialChanges()), addressesOf(3).map((a) => [a, 'healthy', 'healthy', 'initial']));
    const view = health.view(T0);
    assert.deepEqual(view.routable, [0, 1, 2]);
    assert.deepEqual([view.isPanicking, view.available, view.total], [false, 3, 3]);
    assert.equal(health.view(T0), view, 'the same view until something changes');
  });

  const panicCases: { name: string; targets: number; threshold: number; down: number[]; isPanicking: boolean; routable: number[] }[] = [
    { name: 'half down is not below 50%', targets: 4, threshold: 50, down: [0, 1], isPanicking: false, routable: [2, 3] },
    { name: '3 of 4 down is below 50%', targets: 4, threshold: 50, down: [0, 1, 2], isPanicking: true, routable: [0, 1, 2, 3] },
    { name: 'all down fails open', targets: 2, threshold: 50, down: [0, 1], isPanicking: true, routable: [0, 1] },
    { name: 'threshold 0 never panics', targets: 2, threshold: 0, down: [0, 1], isPanicking: false, routable: [] },
    { name: 'threshold 100 panics on any loss', targets: 5, threshold: 100, down: [4], isPanicking: true, routable: [0, 1, 2, 3, 4] },
    { name: '1 of 10 down at 90% stays calm', targets: 10, threshold: 90, down: [9], isPanicking: false, routable: [0, 1, 2, 3, 4, 5, 6, 7, 8] },
  ];
  for (const c of panicCases) {
    it(`panic mode: ${c.name}`, () => {
      const { health } = build(addressesOf(c.targets), { ...checked, panicThreshold: c.threshold });
      for (const i of c.down) health.applyActive(i, 'unhealthy', '3 consecutive failures: x', T0 + 1);
      const view = health.view(T0 + 1);
      assert.equal(view.isPanicking, c.isPanicking);
      assert.deepEqual(view.routable, c.routable);
      assert.deepEqual(
        view.targets.map((t) => t.verdict),
        Array.from({ length: c.targets }, (_v, i) => (c.down.includes(i) ? 'unhealthy' : 'healthy')),
      );
    });
  }

  it('enters panic once on crossing the threshold and leaves once on recovering', () => {
    const { health } = build(addressesOf(4), { ...checked, panicThreshold: 50 });
    const all: HealthChange[] = [];
    all.push(...health.applyActive(0, 'unhealthy', 'x', T0 + 1));
    all.push(...health.applyActive(1, 'unhealthy', 'x', T0 + 2));
    assert.deepEqual(panics(all), []);
    all.push(...health.applyActive(2, 'unhealthy', 'x', T0 + 3));
    assert.deepEqual(panics(all), [[true, 1, 4]]);
    all.push(...health.applyActive(3, 'unhealthy', 'x', T0 + 4));
    assert.deepEqual(panics(all), [[true, 1, 4]], 'no second event while panicking');
    all.push(...health.applyActive(3, 'healthy', '2 consecutive passes', T0 + 5));
    all.push(...health.applyActive(2, 'healthy', '2 consecutive passes', T0 + 6));
    assert.deepEqual(panics(all), [
      [true, 1, 4],
      [false, 2, 4],
    ]);
    assert.deepEqual(health.view(T0 + 6).routable, [2, 3]);
  });

  it('keeps draining, weight-0 and admin-down targets out of traffic and out of the panic arithmetic', () => {
    const targets = [
      { address: '10.0.0.1:80' },
      { address: '10.0.0.2:80', state: 'draining' },
      { address: '10.0.0.3:80', weight: 0 },
      { address: '10.0.0.4:80' },
      { address: '10.0.0.5:80' },
    ];
    const { health } = build(targets, { ...checked, panicThreshold: 50 });
    assert.deepEqual(health.view(T0).routable, [0, 3, 4]);
    assert.equal(health.view(T0).total, 3);
    health.setAdmin(4, 'down', 'maintenance', T0 + 1);
    const view = health.view(T0 + 1);
    assert.deepEqual([view.routable, view.available, view.total], [[0, 3], 2, 2]);
    health.applyActive(0, 'unhealthy', 'x', T0 + 2);
    const panicking = health.view(T0 + 2);
    assert.equal(panicking.isPanicking, false, '1 of 2 is 50%');
    health.applyActive(3, 'unhealthy', 'x', T0 + 3);
    const failOpen = health.view(T0 + 3);
    assert.equal(failOpen.isPanicking, true);
    assert.deepEqual(failOpen.routable, [0, 3], 'panic never routes to draining, weight-0 or admin-down targets');
    assert.equal(failOpen.targets[1]?.isDraining, true);
  });

  it('lets an admin override win over checks, and reports who decided', () => {
    const { health } = build(addressesOf(2), checked);
    health.applyActive(0, 'unhealthy', '3 consecutive failures: connect ECONNREFUSED', T0 + 1);
    const up = health.setAdmin(0, 'up', 'known good', T0 + 2);
    assert.deepEqual(verdicts(up), [['10.0.0.1:80', 'unhealthy', 'healthy', 'admin']]);
    assert.deepEqual(health.view(T0 + 2).routable, [0, 1]);
    const cleared = health.setAdmin(0, 'none', '', T0 + 3);
    assert.deepEqual(verdicts(cleared), [['10.0.0.1:80', 'healthy', 'unhealthy', 'admin']]);
    assert.equal(cleared[0]?.kind === 'verdict' && cleared[0].reason, 'admin override cleared');
    assert.deepEqual(health.setAdmin(0, 'none', '', T0 + 4), [], 'no change, no event');
  });

  it('turns ejections into verdicts and back, through the detector', () => {
    const h = build(addressesOf(4), { passive: { consecutiveConnectFailures: 2, baseEjectionTime: '30s' } });
    h.health.outlier.recordConnectFailure(1, 'ECONNREFUSED');
    h.health.outlier.recordConnectFailure(1, 'ECONNREFUSED');
    assert.deepEqual(verdicts(h.changes), [['10.0.0.2:80', 'healthy', 'unhealthy', 'passive']]);
    assert.match((h.changes[0] as { reason: string }).reason, /^ejected for 30000 ms \(ejection 1\): 2 consecutive connect failures: connect ECONNREFUSED$/);
    assert.deepEqual(h.health.view(T0).routable, [0, 2, 3]);
    assert.equal(h.health.view(T0).targets[1]?.isEjected, true);
    h.clock.now += 30_000;
    h.health.outlier.expire(h.clock.now);
    assert.deepEqual(verdicts(h.changes).at(-1), ['10.0.0.2:80', 'unhealthy', 'healthy', 'passive']);
    assert.deepEqual(h.health.view(h.clock.now).routable, [0, 1, 2, 3]);
  });

  it('ramps a recovered target with slow start, and only a recovered one', () => {
    const { health } = build(addressesOf(2), { ...checked, slowStart: '10s' });
    assert.equal(health.view(T0).isRamping, false, 'no ramp at start-up');
    health.applyActive(0, 'unhealthy', 'x', T0 + 1000);
    health.applyActive(0, 'healthy', '2 consecutive passes', T0 + 2000);
    const view = health.view(T0 + 2000);
    assert.equal(view.isRamping, true);
    assert.deepEqual(view.weightFactors, [0.01, 1]);
    assert.equal(view.weightFactor(0, T0 + 7000), 0.5);
    assert.equal(health.tickRamp(T0 + 7000), true);
    const later = health.view(T0 + 7000);
    assert.notEqual(later, view, 'a ramp step is a new view');
    assert.deepEqual(later.weightFactors, [0.5, 1]);
    assert.equal(health.tickRamp(T0 + 12_000), false);
    const done = health.view(T0 + 12_000);
    assert.deepEqual([done.isRamping, done.weightFactors], [false, [1, 1]]);
  });

  it('keeps the state of targets that stay across a reload, and starts new ones from initialState', () => {
    const first = build(['10.0.0.1:80', '10.0.0.2:80', '10.0.0.3:80'], { ...checked, slowStart: '10s' });
    first.health.applyActive(1, 'unhealthy', '3 consecutive failures: connect ECONNREFUSED', T0 + 5);
    first.health.setAdmin(2, 'down', 'maintenance', T0 + 6);
    first.health.recordProbe(1, { at: T0 + 5, ok: false, latencyMs: 1, reason: 'connect ECONNREFUSED' });
    const second = build(['10.0.0.2:80', '10.0.0.3:80', '10.0.0.4:80'], { healthCheck: { jitter: 0, initialState: 'assume-unhealthy' }, slowStart: '10s' }, first.health);
    const view = second.health.view(T0 + 10);
    assert.deepEqual(
      view.targets.map((t) => [t.address, t.verdict, t.admin]),
      [
        ['10.0.0.2:80', 'unhealthy', 'none'],
        ['10.0.0.3:80', 'unhealthy', 'down'],
        ['10.0.0.4:80', 'unhealthy', 'none'],
      ],
    );
    assert.deepEqual(verdicts(second.health.initialChanges()), [['10.0.0.4:80', 'unhealthy', 'unhealthy', 'initial']], 'only the new target is announced');
    const kept = second.health.describeTarget(0);
    assert.equal(kept?.since, T0 + 5);
    assert.equal(kept?.reason, '3 consecutive failures: connect ECONNREFUSED');
    assert.equal(kept?.evidence.filter((e) => e.kind === 'probe').length, 1);
    assert.equal(first.health.outlier.retired, true);
  });

  it('starts remembered targets from memory with last-known, or always when rebuilding after a crash', () => {
    const memory = new HealthMemory();
    memory.remember('api', '10.0.0.1:80', { state: 'unhealthy', since: T0 - 60_000, reason: '3 consecutive failures: x' });
    const lastKnown = build(addressesOf(2), { healthCheck: { initialState: 'last-known' } }, undefined, memory);
    assert.deepEqual(lastKnown.health.view(T0).targets.map((t) => t.verdict), ['unhealthy', 'healthy']);
    const assumed = build(addressesOf(2), { healthCheck: { initialState: 'assume-healthy' } }, undefined, memory);
    assert.deepEqual(assumed.health.view(T0).targets.map((t) => t.verdict), ['healthy', 'healthy']);
  });
});
