import assert from 'node:assert/strict';
import { createPicker } from '../../src/balancer/create-picker.js';
import type { PickRequest } from '../../src/balancer/picker.js';
import { isStillPickable, pickAnother, pickTarget, targetAt } from '../../src/l4/pick-target.js';
import { L4Facts } from '../../src/l4/l4-policy.js';
import type { TargetRuntime, UpstreamRuntime } from '../../src/proxy/proxy-snapshot.js';

function target(address: string, maxConnections = Infinity): TargetRuntime {
  return { upstream: 'u', address, hostHeader: address, pool: undefined as never, index: 0, configuredWeight: 1, weight: 1, inflight: 0, maxConnections };
}

function upstream(targets: TargetRuntime[], candidates: TargetRuntime[] = targets, balance: 'round-robin' | 'least-connections' | 'consistent-hash' = 'round-robin'): UpstreamRuntime {
  const config = { balance, hashKey: 'source-ip', stickyCookie: { name: 's' }, choices: 2, boundedLoad: undefined } as const;
  return { name: 'u', targets, picker: createPicker(config, candidates) } as unknown as UpstreamRuntime;
}

const request: PickRequest = new L4Facts('l4', '192.0.2.1');

describe('L4 target picking', () => {
  it('picks through the upstream picker, and another target after failures', () => {
    const [a, b] = [target('a:1'), target('b:1')];
    const u = upstream([a, b]);
    assert.equal(pickTarget(u, request), a);
    assert.equal(pickTarget(u, request), b);
    assert.equal(pickAnother(u, request, [a]), b);
    assert.equal(pickAnother(u, request, [a, b]), undefined);
    assert.equal(targetAt(u, 'b:1'), b);
  });

  for (const balance of ['round-robin', 'least-connections', 'consistent-hash'] as const) {
    it(`tells whether a pinned target is still a candidate (${balance})`, () => {
      const [a, b, c] = [target('a:1'), target('b:1'), target('c:1')];
      const all = upstream([a, b, c], [a, b, c], balance);
      b.inflight = 1; // the flow asking holds one
      assert.equal(isStillPickable(all, b, request), true);
      assert.equal(b.inflight, 1, 'inflight restored');
      const withoutB = upstream([a, b, c], [a, c], balance);
      assert.equal(isStillPickable(withoutB, b, request), false);
      assert.equal(isStillPickable(upstream([a, c]), b, request), false, 'not a target of this upstream at all');
    });
  }

  it('does not report a target gone because this very flow fills its cap', () => {
    const a = target('a:1', 1);
    a.inflight = 1;
    assert.equal(isStillPickable(upstream([a, target('b:1')]), a, request), true);
  });
});
