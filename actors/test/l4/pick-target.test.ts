import assert from 'node:assert/strict';
import { createPicker } from '../../src/balancer/create-picker.js';
import { InflightTable } from '../../src/balancer/inflight-table.js';
import type { PickRequest } from '../../src/balancer/picker.js';
import { isStillPickable, pickAnother, pickTarget, targetAt } from '../../src/l4/pick-target.js';
import { L4Facts } from '../../src/l4/l4-policy.js';
import type { UpstreamRuntime } from '../../src/proxy/proxy-snapshot.js';
import { TargetRuntime } from '../../src/proxy/target-runtime.js';

/** Targets of one upstream (one InflightTable) at `addresses`, with optional caps. */
function targets(addresses: string[], maxConnections: number[] = []): TargetRuntime[] {
  const table = new InflightTable(addresses.length);
  return addresses.map(
    (address, i) =>
      new TargetRuntime(table, i, { upstream: 'u', address, hostHeader: address, pool: undefined as never, configuredWeight: 1, maxConnections: maxConnections[i] ?? Infinity }),
  );
}

function upstream(targets: TargetRuntime[], candidates: TargetRuntime[] = targets, balance: 'round-robin' | 'least-connections' | 'consistent-hash' = 'round-robin'): UpstreamRuntime {
  const config = { balance, hashKey: 'source-ip', stickyCookie: { name: 's' }, choices: 2, boundedLoad: undefined } as const;
  return { name: 'u', targets, picker: createPicker(config, candidates) } as unknown as UpstreamRuntime;
}

const request: PickRequest = new L4Facts('l4', '192.0.2.1');

describe('L4 target picking', () => {
  it('picks through the upstream picker, and another target after failures', () => {
    const [a, b] = targets(['a:1', 'b:1']) as [TargetRuntime, TargetRuntime];
    const u = upstream([a, b]);
    assert.equal(pickTarget(u, request), a);
    assert.equal(pickTarget(u, request), b);
    assert.equal(pickAnother(u, request, [a]), b);
    assert.equal(pickAnother(u, request, [a, b]), undefined);
    assert.equal(targetAt(u, 'b:1'), b);
  });

  for (const balance of ['round-robin', 'least-connections', 'consistent-hash'] as const) {
    it(`tells whether a pinned target is still a candidate (${balance})`, () => {
      const [a, b, c] = targets(['a:1', 'b:1', 'c:1']) as [TargetRuntime, TargetRuntime, TargetRuntime];
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
    const [a, b] = targets(['a:1', 'b:1'], [1]) as [TargetRuntime, TargetRuntime];
    a.inflight = 1;
    assert.equal(isStillPickable(upstream([a, b]), a, request), true);
  });
});
