import assert from 'node:assert/strict';
import { isNewer, ownerOf, ownsProbe, probeKey, probeOwner, soloOwnership } from '../../src/cluster/index.js';

const targets = Array.from({ length: 60 }, (_, i) => `10.0.0.${i}:80`);

describe('probe ownership', () => {
  it('gives each target exactly one owner among the live members, the same on every node', () => {
    const members = ['a', 'b', 'c'];
    for (const target of targets) {
      const owners = members.filter((self) => ownsProbe({ self, members, isLinkUp: true }, 'api', target));
      assert.deepEqual(owners, [ownerOf(probeKey('api', target), members)]);
    }
  });

  it('owns everything when alone or when the link is down', () => {
    for (const target of targets) {
      assert.equal(ownsProbe(soloOwnership('a'), 'api', target), true);
      assert.equal(ownsProbe({ self: 'a', members: ['a', 'b', 'c'], isLinkUp: false }, 'api', target), true);
    }
  });

  it('gives a worker of a clustered node its share of what its node owns, and nothing else', () => {
    const nodes = { self: 'a', members: ['a', 'b'], isLinkUp: true };
    const workers = ['a-w1', 'a-w2'];
    const ofA = targets.filter((t) => ownerOf(probeKey('api', t), nodes.members) === 'a');
    assert.ok(ofA.length > 5 && ofA.length < targets.length - 5, 'both nodes own a fair share');
    for (const target of targets) {
      const probers = workers.filter((self) => ownsProbe({ self, members: workers, isLinkUp: true, node: nodes }, 'api', target));
      if (ofA.includes(target)) assert.deepEqual(probers, [ownerOf(probeKey('api', target), workers)]);
      else assert.deepEqual(probers, [], `${target} belongs to node b`);
    }
    const perWorker = workers.map((self) => ofA.filter((t) => ownsProbe({ self, members: workers, isLinkUp: true, node: nodes }, 'api', t)).length);
    assert.ok(perWorker.every((n) => n > 0), `node a's targets spread over its workers: ${perWorker.join(' / ')}`);
  });

  it('lets the workers of a node cut off from the cluster share every target between them', () => {
    const node = { self: 'a', members: ['a', 'b'], isLinkUp: false };
    for (const target of targets) {
      const probers = ['a-w1', 'a-w2'].filter((self) => ownsProbe({ self, members: ['a-w1', 'a-w2'], isLinkUp: true, node }, 'api', target));
      assert.equal(probers.length, 1);
      assert.equal(probeOwner(node, 'api', target), 'a');
    }
  });

  it('moves only the targets of a member that leaves', () => {
    const before = new Map(targets.map((t) => [t, ownerOf(probeKey('api', t), ['a', 'b', 'c'])]));
    const after = new Map(targets.map((t) => [t, ownerOf(probeKey('api', t), ['a', 'b'])]));
    for (const t of targets) if (before.get(t) !== 'c') assert.equal(after.get(t), before.get(t));
    assert.ok([...before.values()].filter((o) => o === 'c').length > 5, 'c had a fair share');
  });
});

describe('rollout version order', () => {
  const v = (version: number, proposal: string, committedAt: number) => ({ version, proposal, committedAt });
  const cases: [string, ReturnType<typeof v>, ReturnType<typeof v> | undefined, boolean][] = [
    ['anything beats nothing', v(1, 'p', 1), undefined, true],
    ['a higher number wins', v(2, 'p', 1), v(1, 'q', 9), true],
    ['a lower number loses', v(1, 'q', 9), v(2, 'p', 1), false],
    ['the same proposal is not newer', v(2, 'p', 5), v(2, 'p', 5), false],
    ['after a split, the later commit wins', v(2, 'q', 6), v(2, 'p', 5), true],
    ['after a split, the earlier commit loses', v(2, 'p', 5), v(2, 'q', 6), false],
    ['a tie in time goes to the higher id', v(2, 'q', 5), v(2, 'p', 5), true],
  ];
  for (const [name, a, b, expected] of cases) it(name, () => assert.equal(isNewer(a, b), expected));
});
