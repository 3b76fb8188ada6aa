import assert from 'node:assert/strict';
import { PassiveHealthConfig } from '@switchyard/config';
import { OutlierDetector, type OutlierListener } from '../../src/health/index.js';
import { addressesOf } from './health-fixtures.js';

type Heard = [string, number, ...unknown[]];

/** A detector over `n` targets on a settable clock, with a listener that records what it hears. */
function detector(n: number, config: Record<string, unknown> = {}, previous?: OutlierDetector) {
  const clock = { now: 1_000_000 };
  const heard: Heard[] = [];
  const listener: OutlierListener = {
    onEjected: (index, reason, ejections, durationMs, at) => heard.push(['ejected', index, reason, ejections, durationMs, at - 1_000_000]),
    onRestored: (index, at) => heard.push(['restored', index, at - 1_000_000]),
    onEjectionRefused: (index, reason, at) => heard.push(['refused', index, reason, at - 1_000_000]),
  };
  const d = new OutlierDetector(PassiveHealthConfig.parse(config), addressesOf(n), () => clock.now, listener, { previous });
  return { d, heard, clock, advance: (ms: number) => (clock.now += ms) };
}

describe('health outlier detector', () => {
  it('ejects after exactly consecutiveConnectFailures connect failures in a row', () => {
    const { d, heard } = detector(4, { consecutiveConnectFailures: 3, baseEjectionTime: '30s' });
    d.recordConnectFailure(1, 'ECONNREFUSED');
    d.recordConnectFailure(1, 'ECONNREFUSED');
    assert.deepEqual(heard, []);
    assert.equal(d.isEjected(1), false);
    d.recordConnectFailure(1, 'ECONNREFUSED');
    assert.deepEqual(heard, [['ejected', 1, '3 consecutive connect failures: connect ECONNREFUSED', 1, 30_000, 0]]);
    assert.equal(d.isEjected(1), true);
    assert.equal(d.ejectedUntil(1), 1_000_000 + 30_000);
    assert.equal(d.ejectedCount, 1);
  });

  const resetCases: { name: string; between: (d: OutlierDetector) => void }[] = [
    { name: 'a success', between: (d) => d.recordSuccess(0) },
    { name: 'a 200', between: (d) => d.recordStatus(0, 200) },
    { name: 'a 5xx (the connect worked)', between: (d) => d.recordStatus(0, 502) },
  ];
  for (const c of resetCases) {
    it(`starts the connect-failure run over after ${c.name}`, () => {
      const { d, heard } = detector(4, { consecutiveConnectFailures: 3 });
      d.recordConnectFailure(0, 'ECONNRESET');
      d.recordConnectFailure(0, 'ECONNRESET');
      c.between(d);
      d.recordConnectFailure(0, 'ECONNRESET');
      d.recordConnectFailure(0, 'ECONNRESET');
      assert.deepEqual(heard, []);
      d.recordConnectFailure(0, 'ECONNRESET');
      assert.equal(heard.length, 1);
    });
  }

  it('ejects on consecutive 5xx only when consecutive5xx is set', () => {
    const off = detector(4, { consecutive5xx: 0 });
    for (let i = 0; i < 50; i++) off.d.recordStatus(2, 503);
    assert.deepEqual(off.heard, [], 'consecutive5xx 0 disables');
    const on = detector(4, { consecutive5xx: 5 });
    for (let i = 0; i < 4; i++) on.d.recordStatus(2, 500 + i);
    on.d.recordStatus(2, 404);
    for (let i = 0; i < 4; i++) on.d.recordStatus(2, 503);
    assert.equal(on.heard.length, 0, 'a 404 breaks the run');
    on.d.recordStatus(2, 599);
    assert.deepEqual(on.heard[0]?.slice(0, 3), ['ejected', 2, '5 consecutive 5xx responses']);
  });

  it('records nothing when passive checks are disabled', () => {
    const { d, heard } = detector(4, { enabled: false });
    for (let i = 0; i < 10; i++) d.recordConnectFailure(0, 'ECONNREFUSED');
    assert.deepEqual(heard, []);
    assert.deepEqual(d.failuresOf(0), []);
  });

  it('grows each ejection by the base time and caps it at maxEjectionTime', () => {
    const { d, heard, advance } = detector(4, { consecutiveConnectFailures: 1, baseEjectionTime: '30s', maxEjectionTime: '100s' });
    const durations: number[] = [];
    for (let i = 0; i < 6; i++) {
      d.recordConnectFailure(3, 'ETIMEDOUT');
      const last = heard.at(-1) as Heard;
      durations.push(last[4] as number);
      // Expire right away and fail again at once: nothing is forgotten in between.
      advance(last[4] as number);
      assert.equal(d.expire(), 1);
    }
    assert.deepEqual(durations, [30_000, 60_000, 90_000, 100_000, 100_000, 100_000]);
    assert.deepEqual(
      heard.filter((h) => h[0] === 'ejected').map((h) => h[3]),
      [1, 2, 3, 4, 4, 4],
      'the multiplier stops where the cap is reached',
    );
  });

  it('forgets one ejection per span as long as the last one spent in rotation', () => {
    const { d, heard, advance } = detector(4, { consecutiveConnectFailures: 1, baseEjectionTime: '10s', maxEjectionTime: '10m' });
    d.recordConnectFailure(0, 'x'); // 10 s
    advance(10_000);
    d.expire();
    d.recordConnectFailure(0, 'x'); // 20 s
    advance(20_000);
    d.expire();
    advance(20_000); // in rotation as long as the last ejection: forget one
    d.recordConnectFailure(0, 'x');
    assert.deepEqual(heard.filter((h) => h[0] === 'ejected').map((h) => h[4]), [10_000, 20_000, 20_000]);
    advance(20_000);
    d.expire();
    advance(20_000 + 10_000); // two spans: 20 s, then 10 s
    d.recordConnectFailure(0, 'x');
    assert.equal((heard.at(-1) as Heard)[4], 10_000);
  });

  const percentCases: { targets: number; percent: number; ejectable: number }[] = [
    { targets: 4, percent: 50, ejectable: 2 },
    { targets: 3, percent: 50, ejectable: 1 },
    { targets: 10, percent: 10, ejectable: 1 },
    { targets: 10, percent: 100, ejectable: 10 },
    { targets: 1, percent: 50, ejectable: 0 },
    { targets: 5, percent: 0, ejectable: 0 },
  ];
  for (const c of percentCases) {
    it(`ejects at most ${c.ejectable} of ${c.targets} targets at maxEjectionPercent ${c.percent}, recording each refusal`, () => {
      const { d, heard } = detector(c.targets, { consecutiveConnectFailures: 2, maxEjectionPercent: c.percent });
      for (let i = 0; i < c.targets; i++) {
        d.recordConnectFailure(i, 'ECONNREFUSED');
        d.recordConnectFailure(i, 'ECONNREFUSED');
      }
      assert.equal(d.ejectedCount, c.ejectable);
      assert.equal(heard.filter((h) => h[0] === 'ejected').length, c.ejectable);
      const refused = heard.filter((h) => h[0] === 'refused');
      assert.equal(refused.length, c.targets - c.ejectable);
      if (refused.length > 0) {
        assert.match(refused[0]?.[2] as string, /^2 consecutive connect failures: connect ECONNREFUSED; not ejected: \d+ of \d+ already ejected \(maxEjectionPercent \d+\)$/);
      }
    });
  }

  it('starts the run over after a refusal, so it asks again only after another full run', () => {
    const { d, heard } = detector(2, { consecutiveConnectFailures: 2, maxEjectionPercent: 50 });
    d.recordConnectFailure(0, 'a');
    d.recordConnectFailure(0, 'a'); // ejected
    d.recordConnectFailure(1, 'b');
    d.recordConnectFailure(1, 'b'); // refused
    d.recordConnectFailure(1, 'b'); // run of 1
    assert.deepEqual(heard.map((h) => h[0]), ['ejected', 'refused']);
    d.recordConnectFailure(1, 'b');
    assert.deepEqual(heard.map((h) => h[0]), ['ejected', 'refused', 'refused']);
  });

  it('ends ejections on expire, or lazily when a record for an expired target comes first', () => {
    const { d, heard, advance } = detector(4, { consecutiveConnectFailures: 1, baseEjectionTime: '30s' });
    d.recordConnectFailure(0, 'x');
    advance(5000);
    d.recordConnectFailure(1, 'x');
    assert.equal(d.nextExpiryAt(), 1_000_000 + 30_000);
    advance(24_999);
    assert.equal(d.expire(), 0);
    advance(1);
    assert.equal(d.expire(), 1);
    assert.equal(d.isEjected(0), false);
    assert.equal(d.nextExpiryAt(), 1_000_000 + 35_000);
    advance(10_000);
    d.recordSuccess(1); // lazily restored
    assert.deepEqual(heard.filter((h) => h[0] === 'restored').map((h) => [h[1], h[2]]), [
      [0, 30_000],
      [1, 40_000],
    ]);
    assert.equal(d.ejectedCount, 0);
    assert.equal(d.nextExpiryAt(), undefined);
  });

  it('keeps failures while ejected as evidence, not as a second ejection', () => {
    const { d, heard, advance } = detector(4, { consecutiveConnectFailures: 2, baseEjectionTime: '30s' });
    for (let i = 0; i < 6; i++) d.recordConnectFailure(0, 'ECONNREFUSED');
    assert.equal(heard.filter((h) => h[0] === 'ejected').length, 1);
    advance(30_000);
    d.recordConnectFailure(0, 'ECONNREFUSED'); // restores lazily, then counts 1 of 2
    assert.equal(heard.filter((h) => h[0] === 'ejected').length, 1);
    assert.equal(d.runsOf(0).connectFailures, 1);
  });

  it('keeps the last failures as evidence, newest first', () => {
    const { d, advance } = detector(2, { consecutiveConnectFailures: 0, consecutive5xx: 0 });
    d.recordConnectFailure(1, 'ECONNREFUSED');
    advance(1);
    d.recordStatus(1, 502);
    advance(1);
    d.recordStatus(1, 503);
    for (let i = 0; i < 12; i++) {
      advance(1);
      d.recordConnectFailure(0, 'ETIMEDOUT');
    }
    assert.deepEqual(d.failuresOf(1), [
      { kind: 'passive-failure', at: 1_000_002, failure: 'status', reason: 'status 503', consecutive: 2 },
      { kind: 'passive-failure', at: 1_000_001, failure: 'status', reason: 'status 502', consecutive: 1 },
      { kind: 'passive-failure', at: 1_000_000, failure: 'connect', reason: 'connect ECONNREFUSED', consecutive: 1 },
    ]);
    const zero = d.failuresOf(0);
    assert.equal(zero.length, 10);
    assert.deepEqual([zero[0]?.consecutive, zero[9]?.consecutive], [12, 3]);
  });

  it('carries state over by address to the next config and retires the old detector', () => {
    const old = detector(3, { consecutiveConnectFailures: 2, baseEjectionTime: '30s' });
    old.d.recordConnectFailure(2, 'x');
    old.d.recordConnectFailure(2, 'x'); // 10.0.0.3 ejected
    old.d.recordConnectFailure(0, 'y'); // 10.0.0.1 run of 1
    const heard: Heard[] = [];
    const next = new OutlierDetector(
      PassiveHealthConfig.parse({ consecutiveConnectFailures: 2, maxEjectionPercent: 100 }),
      ['10.0.0.3:80', '10.0.0.9:80', '10.0.0.1:80'],
      () => old.clock.now,
      { onEjected: (i) => heard.push(['ejected', i]), onRestored: (i) => heard.push(['restored', i]), onEjectionRefused: (i) => heard.push(['refused', i]) },
      { previous: old.d },
    );
    old.d.retire();
    assert.equal(next.isEjected(0), true);
    assert.equal(next.ejectedCount, 1);
    assert.equal(next.ejectionCount(0), 1);
    assert.equal(next.failuresOf(0).length, 2);
    next.recordConnectFailure(2, 'y');
    assert.deepEqual(heard, [['ejected', 2]], 'the run of 10.0.0.1 carried over');
    old.d.recordConnectFailure(1, 'z');
    old.d.recordConnectFailure(1, 'z');
    assert.equal(old.heard.filter((h) => h[0] === 'ejected').length, 1, 'a retired detector ignores records');
  });

  it('ignores indices out of range', () => {
    const { d, heard } = detector(2, { consecutiveConnectFailures: 1 });
    d.recordConnectFailure(-1, 'x');
    d.recordConnectFailure(2, 'x');
    d.recordStatus(7, 503);
    d.recordSuccess(9);
    assert.deepEqual(heard, []);
  });
});
