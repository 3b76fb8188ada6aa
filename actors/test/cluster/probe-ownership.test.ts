import assert from 'node:assert/strict';
import { isNewer, ownerOf, ownsProbe, probeKey, soloOwnership } from '../../src/cluster/index.js';

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
