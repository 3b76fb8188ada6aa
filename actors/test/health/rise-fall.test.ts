import assert from 'node:assert/strict';
import { applyResult, describeThresholds, isChanging, startRiseFall, transitionReason, type RiseFall } from '../../src/health/index.js';

/** Runs a result string ("pf.": pass, fail) and returns the state after each result. */
function run(start: 'healthy' | 'unhealthy', results: string, rise: number, fall: number): string {
  let s: RiseFall = startRiseFall(start);
  let out = '';
  for (const r of results) {
    s = applyResult(s, r === 'p', { healthyThreshold: rise, unhealthyThreshold: fall });
    out += s.state === 'healthy' ? 'H' : 'U';
  }
  return out;
}

describe('health rise/fall', () => {
  const cases: { name: string; start: 'healthy' | 'unhealthy'; rise: number; fall: number; results: string; states: string }[] = [
    { name: 'falls after exactly fall failures in a row', start: 'healthy', rise: 2, fall: 3, results: 'fff', states: 'HHU' },
    { name: 'does not fall when a pass breaks the run', start: 'healthy', rise: 2, fall: 3, results: 'ffpfff', states: 'HHHHHU' },
    { name: 'rises after exactly rise passes in a row', start: 'unhealthy', rise: 2, fall: 3, results: 'pp', states: 'UH' },
    { name: 'does not rise when a failure breaks the run', start: 'unhealthy', rise: 3, fall: 3, results: 'ppfppp', states: 'UUUUUH' },
    { name: 'fall 1 and rise 1 flip on every result', start: 'healthy', rise: 1, fall: 1, results: 'fpfp', states: 'UHUH' },
    { name: 'passes while healthy change nothing', start: 'healthy', rise: 2, fall: 3, results: 'pppp', states: 'HHHH' },
    { name: 'failures while unhealthy change nothing', start: 'unhealthy', rise: 2, fall: 3, results: 'ffff', states: 'UUUU' },
    { name: 'a full cycle down and up', start: 'healthy', rise: 2, fall: 2, results: 'ffpfpp', states: 'HUUUUH' },
  ];
  for (const c of cases) {
    it(`${c.name} (rise ${c.rise}, fall ${c.fall}, ${c.results})`, () => {
      assert.equal(run(c.start, c.results, c.rise, c.fall), c.states);
    });
  }

  it('reports a target as changing only while a run against its state has begun', () => {
    const t = { healthyThreshold: 2, unhealthyThreshold: 3 };
    let s = startRiseFall('healthy');
    assert.equal(isChanging(s), false);
    s = applyResult(s, false, t);
    assert.equal(isChanging(s), true);
    s = applyResult(s, true, t);
    assert.equal(isChanging(s), false);
    s = applyResult(applyResult(applyResult(s, false, t), false, t), false, t);
    assert.equal(s.state, 'unhealthy');
    assert.equal(isChanging(s), false, 'a fresh fall is settled');
    assert.equal(isChanging(applyResult(s, true, t)), true);
  });

  it('words transitions and thresholds for people', () => {
    const t = { healthyThreshold: 2, unhealthyThreshold: 3 };
    assert.equal(transitionReason('unhealthy', t, 'connect ECONNREFUSED'), '3 consecutive failures: connect ECONNREFUSED');
    assert.equal(transitionReason('healthy', t, 'connected'), '2 consecutive passes');
    assert.equal(transitionReason('healthy', { healthyThreshold: 1, unhealthyThreshold: 1 }, 'x'), '1 consecutive pass');
    assert.equal(describeThresholds(t), 'fall after 3 failures, rise after 2 passes');
  });
});
