import assert from 'node:assert/strict';
import { ownerOf, ownersOf, weightOf } from '../../src/cluster/index.js';

const keys = Array.from({ length: 3000 }, (_, i) => `upstream-${i % 17}/10.0.${Math.floor(i / 256)}.${i % 256}:8080`);

function owners(members: string[]): Map<string, string> {
  return new Map(keys.map((key) => [key, ownerOf(key, members)]));
}

function shares(assignment: Map<string, string>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const owner of assignment.values()) out[owner] = (out[owner] ?? 0) + 1;
  return out;
}

describe('rendezvous hashing', () => {
  it('spreads keys evenly over the members', () => {
    for (const members of [['node-a', 'node-b', 'node-c'], ['edge-1', 'edge-2', 'edge-3', 'edge-4', 'edge-5']]) {
      const counts = shares(owners(members));
      const fair = keys.length / members.length;
      for (const member of members) {
        const count = counts[member] ?? 0;
        assert.ok(Math.abs(count - fair) < fair * 0.12, `${member} owns ${count} of ${keys.length}, fair is ${fair}: ${JSON.stringify(counts)}`);
      }
    }
  });

  it('is stable: same owner whatever the order of members, and on every call', () => {
    const members = ['node-a', 'node-b', 'node-c'];
    for (const key of keys.slice(0, 200)) {
      const owner = ownerOf(key, members);
      assert.equal(ownerOf(key, [...members].reverse()), owner);
      assert.equal(ownerOf(key, new Set(['node-c', 'node-a', 'node-b'])), owner);
    }
    assert.equal(weightOf('k', 'node-a'), weightOf('k', 'node-a'));
    assert.notEqual(weightOf('ab', 'c'), weightOf('b', 'ca'));
    assert.notEqual(weightOf('c', 'ab'), weightOf('bc', 'a'));
  });

  it('moves only the keys of a member that leaves, and spreads them over the others', () => {
    const before = owners(['node-a', 'node-b', 'node-c']);
    const after = owners(['node-a', 'node-c']);
    const moved = keys.filter((key) => before.get(key) !== after.get(key));
    assert.ok(moved.length > 0);
    assert.ok(moved.every((key) => before.get(key) === 'node-b'), 'only node-b\'s keys moved');
    assert.equal(moved.length, keys.filter((key) => before.get(key) === 'node-b').length, 'all of node-b\'s keys moved');
    const takers = shares(new Map(moved.map((key) => [key, after.get(key) as string])));
    assert.ok((takers['node-a'] ?? 0) > moved.length * 0.35 && (takers['node-c'] ?? 0) > moved.length * 0.35, JSON.stringify(takers));
  });

  it('moves to a member that joins only the keys it now owns', () => {
    const before = owners(['node-a', 'node-b', 'node-c']);
    const after = owners(['node-a', 'node-b', 'node-c', 'node-d']);
    const moved = keys.filter((key) => before.get(key) !== after.get(key));
    assert.ok(moved.every((key) => after.get(key) === 'node-d'));
    assert.ok(Math.abs(moved.length - keys.length / 4) < keys.length * 0.04, `${moved.length} moved`);
  });

  it('ranks successors: the second owner is who takes over when the first leaves', () => {
    const members = ['node-a', 'node-b', 'node-c', 'node-d'];
    for (const key of keys.slice(0, 300)) {
      const [first, second] = ownersOf(key, members, 2);
      assert.equal(first, ownerOf(key, members));
      assert.equal(second, ownerOf(key, members.filter((m) => m !== first)));
    }
    assert.deepEqual(ownersOf('k', ['x', 'x', 'y'], 5).sort(), ['x', 'y']);
  });

  it('throws RangeError when there is no member', () => {
    assert.throws(() => ownerOf('k', []), RangeError);
  });
});
