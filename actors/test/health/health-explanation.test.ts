import assert from 'node:assert/strict';
import { HealthExplanation } from '@switchyard/core';
import { UpstreamHealth, describeRules, explainHealth, explainUpstream, type OutlierListener } from '../../src/health/index.js';
import { upstreamConfig } from './health-fixtures.js';

const T0 = 1_700_000_000_000;

function scenario() {
  const clock = { now: T0 };
  let health: UpstreamHealth;
  const listener: OutlierListener = {
    onEjected: (i, reason, n, ms, at) => void health.noteEjected(i, reason, n, ms, at),
    onRestored: (i, at) => void health.noteRestored(i, at),
    onEjectionRefused: (i, reason, at) => health.noteEjectionRefused(i, reason, at),
  };
  const config = upstreamConfig('api', ['10.0.0.1:80', '10.0.0.2:80', { address: '10.0.0.3:80', state: 'draining' }, '10.0.0.4:80'], {
    healthCheck: { type: 'http', path: '/healthz', interval: '2s', fastInterval: '500ms', timeout: '1s', jitter: 0.1, healthyThreshold: 2, unhealthyThreshold: 3 },
    passive: { consecutiveConnectFailures: 2, baseEjectionTime: '30s', maxEjectionTime: '5m', maxEjectionPercent: 50 },
    panicThreshold: 50,
    slowStart: '20s',
  });
  health = new UpstreamHealth({ config, now: () => clock.now, outlierListener: listener, evidenceLimit: 10 });
  return { health, clock, config };
}

describe('health explanation', () => {
  it('states the rules that decide', () => {
    const { config } = scenario();
    assert.deepEqual(describeRules(config), [
      'active http GET /healthz expecting 200-399: fall after 3 failures, rise after 2 passes',
      'probe every 2000 ms (every 500 ms while changing state, jitter 10%), timeout 1000 ms',
      'eject after 2 consecutive connect failures for 30000 ms × ejections (at most 300000 ms); at most 50% of targets ejected at once',
      'panic (route to all targets) below 50% available',
      'slow start over 20000 ms',
    ]);
    assert.deepEqual(describeRules(upstreamConfig('plain', ['10.0.0.1:80'], { passive: { enabled: false }, panicThreshold: 0 })), [
      'no active check',
      'no passive ejection',
      'panic mode off',
    ]);
  });

  it('gives each target its state, since, reason, flags and the last probes, newest first', () => {
    const { health } = scenario();
    for (let i = 0; i < 12; i++) health.recordProbe(0, { at: T0 + i * 500, ok: i < 9, latencyMs: i, reason: i < 9 ? 'status 200' : 'status 503 not in 200-399' });
    health.applyActive(0, 'unhealthy', '3 consecutive failures: status 503 not in 200-399', T0 + 5500);
    const explained = explainUpstream(health, T0 + 6000);
    assert.ok(HealthExplanation.safeParse({ at: T0, upstreams: [explained] }).success, 'plain data that fits the schema');
    assert.deepEqual([explained.upstream, explained.isPanicking, explained.available, explained.total, explained.panicThresholdPercent], ['api', false, 2, 3, 50]);
    const [first, , draining] = explained.targets;
    assert.equal(first?.state, 'unhealthy');
    assert.equal(first?.since, T0 + 5500);
    assert.equal(first?.reason, '3 consecutive failures: status 503 not in 200-399');
    assert.equal(first?.mayTakeTraffic, false);
    assert.equal(first?.active, 'unhealthy');
    assert.equal(first?.rules[0], 'active http GET /healthz expecting 200-399: fall after 3 failures, rise after 2 passes');
    const probes = first?.evidence.filter((e) => e.kind === 'probe') ?? [];
    assert.equal(probes.length, 10, 'the last 10 probes');
    assert.deepEqual(probes[0], { kind: 'probe', at: T0 + 5500, ok: false, latencyMs: 11, reason: 'status 503 not in 200-399' });
    assert.equal(probes[9]?.at, T0 + 1000);
    assert.deepEqual(first?.evidence[0], { kind: 'transition', at: T0 + 5500, from: 'healthy', to: 'unhealthy', source: 'active', reason: '3 consecutive failures: status 503 not in 200-399' });
    const times = first?.evidence.map((e) => e.at) ?? [];
    assert.deepEqual(times, [...times].sort((a, b) => b - a), 'newest first');
    assert.deepEqual([draining?.isDraining, draining?.mayTakeTraffic, draining?.state], [true, false, 'healthy']);
  });

  it('shows passive failures, ejections with their end, and refusals', () => {
    const { health, clock } = scenario();
    health.outlier.recordConnectFailure(1, 'ECONNREFUSED');
    clock.now += 10;
    health.outlier.recordConnectFailure(1, 'ECONNREFUSED'); // ejected: 1 of 4
    clock.now += 10;
    health.outlier.recordConnectFailure(3, 'ETIMEDOUT');
    health.outlier.recordConnectFailure(3, 'ETIMEDOUT'); // ejected: 2 of 4
    clock.now += 10;
    health.outlier.recordConnectFailure(0, 'ECONNRESET');
    health.outlier.recordConnectFailure(0, 'ECONNRESET'); // refused: 3 of 4 would be 75%
    const explained = explainHealth([health], clock.now, { upstream: 'api' });
    const [zero, one] = explained.upstreams[0]?.targets ?? [];
    assert.deepEqual(one?.evidence.slice(0, 4), [
      { kind: 'transition', at: T0 + 10, from: 'healthy', to: 'unhealthy', source: 'passive', reason: 'ejected for 30000 ms (ejection 1): 2 consecutive connect failures: connect ECONNREFUSED' },
      { kind: 'ejection', at: T0 + 10, reason: '2 consecutive connect failures: connect ECONNREFUSED', ejections: 1, untilAt: T0 + 30_010 },
      { kind: 'passive-failure', at: T0 + 10, failure: 'connect', reason: 'connect ECONNREFUSED', consecutive: 2 },
      { kind: 'passive-failure', at: T0, failure: 'connect', reason: 'connect ECONNREFUSED', consecutive: 1 },
    ]);
    assert.deepEqual([one?.isEjected, one?.ejectedUntil, one?.ejections], [true, T0 + 30_010, 1]);
    // Two of the three targets in rotation are ejected: below 50% available, so panic routes to all.
    assert.deepEqual([explained.upstreams[0]?.isPanicking, one?.mayTakeTraffic], [true, true]);
    assert.equal(zero?.isEjected, false);
    assert.match(
      (zero?.evidence.find((e) => e.kind === 'ejection-refused') as { reason: string }).reason,
      /not ejected: 2 of 4 already ejected \(maxEjectionPercent 50\)/,
    );
  });

  it('narrows to one upstream and one target', () => {
    const { health } = scenario();
    assert.deepEqual(explainHealth([health], T0, { upstream: 'other' }).upstreams, []);
    const one = explainHealth([health], T0, { upstream: 'api', target: '10.0.0.2:80' });
    assert.deepEqual(one.upstreams[0]?.targets.map((t) => t.target), ['10.0.0.2:80']);
  });

  it('shows the slow-start factor of a ramping target', () => {
    const { health } = scenario();
    health.applyActive(1, 'unhealthy', 'x', T0);
    health.applyActive(1, 'healthy', '2 consecutive passes', T0 + 1000);
    assert.equal(explainUpstream(health, T0 + 11_000).targets[1]?.weightFactor, 0.5);
  });
});
