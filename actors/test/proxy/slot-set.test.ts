import assert from 'node:assert/strict';
import { SlotSet } from '../../src/proxy/slot-set.js';

class Member {
  sweepSlot = -1;
  constructor(readonly name: string) {}
}

const names = (set: SlotSet<'sweepSlot', Member>): string[] => set.toArray().map((m) => m.name).sort();

describe('SlotSet', () => {
  it('adds once, deletes from the middle by swapping the last member in, and forgets the slot', () => {
    const set = new SlotSet<'sweepSlot', Member>('sweepSlot');
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((n) => new Member(n)) as [Member, Member, Member, Member];
    for (const m of [a, b, c, d, b]) set.add(m);
    assert.equal(set.size, 4);
    assert.equal(set.delete(b), true);
    assert.equal(b.sweepSlot, -1);
    assert.equal(set.delete(b), false);
    assert.deepEqual(names(set), ['a', 'c', 'd']);
    // The moved member's slot was rewritten: deleting it now removes it, not another.
    assert.equal(set.delete(d), true);
    assert.deepEqual(names(set), ['a', 'c']);
    assert.equal(set.delete(new Member('stranger')), false);
    set.clear();
    assert.equal(set.size, 0);
    assert.equal(a.sweepSlot, -1);
    set.add(a);
    assert.deepEqual(names(set), ['a']);
  });

  it('visits every member present at the start that no visit deleted first, whatever the visits delete', () => {
    const set = new SlotSet<'sweepSlot', Member>('sweepSlot');
    const members = Array.from({ length: 10 }, (_, i) => new Member(String(i)));
    for (const m of members) set.add(m);
    const seen = new Set<string>();
    const late = new Member('late');
    set.forEachBackwards((m) => {
      seen.add(m.name);
      set.delete(m); // itself
      const other = members[Number(m.name) % 3]; // and some other, visited or not
      if (other !== undefined) set.delete(other);
      set.add(late);
    });
    for (const m of members.slice(3)) assert.ok(seen.has(m.name), `member ${m.name} was skipped`);
    assert.deepEqual(names(set), ['late']);
  });
});
