// A set of live objects for add/delete churn of one entry per connection, without a JS Set.
//
// Why not a Set: V8 rebuilds a Set's hash table every few dozen add/delete pairs and leaves the old
// table behind with its entries intact. Once the table lives in old space (after any full GC) every
// abandoned table is a dead old object pointing at young connections, and a scavenge must treat
// such pointers as roots: each connection in it, with its socket and parsed heads, survives two
// scavenges and is promoted, to be freed only by the next mark-compact. Under `Connection: close`
// that promoted ~4 KB per connection (most of its graph) and made 5-8 ms scavenges.
// Here a member records its index, removal swaps the last member in and pops: no slot ever keeps a
// member that left, and the backing array is only reallocated when it grows past its peak.

/** The member field (one per SlotSet a class can be in) holding its index there, -1 outside. */
export type SlotKey = 'sweepSlot' | 'liveSlot';

export class SlotSet<K extends SlotKey, T extends Record<K, number>> {
  private readonly items: T[] = [];

  constructor(private readonly key: K) {}

  get size(): number {
    return this.items.length;
  }

  add(item: T): void {
    if (item[this.key] >= 0) return;
    item[this.key] = this.items.length as T[K];
    this.items.push(item);
  }

  /** Whether `item` was a member. */
  delete(item: T): boolean {
    const at = item[this.key];
    if (at < 0 || this.items[at] !== item) return false;
    const last = this.items.pop() as T;
    if (last !== item) {
      this.items[at] = last;
      last[this.key] = at as T[K];
    }
    item[this.key] = -1 as T[K];
    return true;
  }

  /**
   * Visits every member present at the start, last first; `visit` may delete any member (a
   * deletion moves an already visited member down, so nothing is skipped; one may be seen twice).
   * A member added meanwhile may or may not be visited, as with a Set.
   */
  forEachBackwards(visit: (item: T) => void): void {
    for (let i = this.items.length - 1; i >= 0; i--) {
      if (i >= this.items.length) continue;
      visit(this.items[i] as T);
    }
  }

  /** A copy of the members, safe to iterate while they delete themselves. */
  toArray(): T[] {
    return this.items.slice();
  }

  clear(): void {
    for (const item of this.items) item[this.key] = -1 as T[K];
    this.items.length = 0;
  }
}
