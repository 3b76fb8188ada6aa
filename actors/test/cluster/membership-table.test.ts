import assert from 'node:assert/strict';
import { ClusterHeartbeat, ClusterLeaving } from '@switchyard/core';
import { applyHeartbeat, applyLeaving, emptyTable, expireSilent, liveNodes, membersView, type MembershipTable } from '../../src/cluster/index.js';

const hb = (node: string, startedAt: number, seq: number, extra: { workers?: number; listeners?: string[] } = {}): ClusterHeartbeat =>
  ClusterHeartbeat.make({ node, startedAt, seq, ...extra });
const at = (mono: number): { mono: number; wall: number } => ({ mono, wall: 1_700_000_000_000 + mono });

function run(table: MembershipTable, ...steps: [ClusterHeartbeat, number][]): { table: MembershipTable; outcomes: string[] } {
  const outcomes: string[] = [];
  for (const [heartbeat, mono] of steps) {
    const result = applyHeartbeat(table, heartbeat, at(mono));
    table = result.table;
    outcomes.push(result.outcome);
  }
  return { table, outcomes };
}

describe('membership table', () => {
  it('joins a new peer, then sees it, and ignores duplicates and reordered heartbeats', () => {
    const { table, outcomes } = run(emptyTable, [hb('b', 100, 1), 0], [hb('b', 100, 2), 1000], [hb('b', 100, 2), 1100], [hb('b', 100, 1), 1200], [hb('b', 100, 3), 2000]);
    assert.deepEqual(outcomes, ['joined', 'seen', 'ignored', 'ignored', 'seen']);
    assert.equal(table.peers.get('b')?.lastSeenMono, 2000);
    assert.equal(table.peers.get('b')?.seq, 3);
  });

  it('counts a restarted peer (new incarnation) as seen, and ignores stragglers of the old one', () => {
    const { table, outcomes } = run(emptyTable, [hb('b', 100, 9), 0], [hb('b', 500, 1), 10], [hb('b', 100, 10), 20]);
    assert.deepEqual(outcomes, ['joined', 'seen', 'ignored']);
    assert.equal(table.peers.get('b')?.startedAt, 500);
  });

  it('returns the same table when nothing changes, and never mutates one', () => {
    const first = run(emptyTable, [hb('b', 100, 1), 0]).table;
    assert.equal(applyHeartbeat(first, hb('b', 100, 1), at(5)).table, first);
    assert.equal(expireSilent(first, 10, 3000).table, first);
    assert.equal(emptyTable.peers.size, 0, 'transitions never mutate');
  });

  it('expires exactly the peers silent for longer than the timeout', () => {
    const { table } = run(emptyTable, [hb('b', 1, 1), 0], [hb('c', 1, 1), 1000]);
    assert.deepEqual(expireSilent(table, 3000, 3000).expired, []);
    const later = expireSilent(table, 3001, 3000);
    assert.deepEqual(later.expired, ['b']);
    assert.deepEqual([...later.table.peers.keys()], ['c']);
    assert.deepEqual(expireSilent(table, 10_000, 3000).expired, ['b', 'c']);
  });

  it('drops a leaving peer at once, and its in-flight heartbeats do not bring it back; a new incarnation does', () => {
    const joined = run(emptyTable, [hb('b', 100, 1), 0]).table;
    const left = applyLeaving(joined, ClusterLeaving.make({ node: 'b', startedAt: 100, at: 1 }));
    assert.equal(left.hasLeft, true);
    assert.equal(left.table.peers.has('b'), false);
    assert.equal(applyHeartbeat(left.table, hb('b', 100, 2), at(5)).outcome, 'ignored');
    const again = applyHeartbeat(left.table, hb('b', 200, 1), at(10));
    assert.equal(again.outcome, 'joined');
    assert.equal(again.table.departed.has('b'), false, 'the tombstone is cleared by the new incarnation');
    assert.equal(applyLeaving(left.table, ClusterLeaving.make({ node: 'b', startedAt: 100, at: 2 })).hasLeft, false, 'leaving twice is one leave');
  });

  it('ignores a leaving notice from an older incarnation than the one it knows', () => {
    const table = run(emptyTable, [hb('b', 200, 1), 0]).table;
    const result = applyLeaving(table, ClusterLeaving.make({ node: 'b', startedAt: 100, at: 1 }));
    assert.equal(result.hasLeft, false);
    assert.equal(result.table.peers.has('b'), true);
  });

  it('lists live nodes sorted, self included, and a view with ages and what peers announced', () => {
    const { table } = run(emptyTable, [hb('c', 7, 1, { workers: 4, listeners: ['web'] }), 100], [hb('a', 8, 1), 400]);
    assert.deepEqual(liveNodes(table, 'b'), ['a', 'b', 'c']);
    const view = membersView(table, { node: 'b', startedAt: 5, workers: 2 }, at(1000));
    assert.deepEqual(view, [
      { node: 'a', lastSeenMs: 600, lastSeenAt: 1_700_000_000_400, startedAt: 8, isSelf: false },
      { node: 'b', lastSeenMs: 0, lastSeenAt: 1_700_000_001_000, startedAt: 5, isSelf: true, workers: 2 },
      { node: 'c', lastSeenMs: 900, lastSeenAt: 1_700_000_000_100, startedAt: 7, isSelf: false, workers: 4, listeners: ['web'] },
    ]);
  });
});
