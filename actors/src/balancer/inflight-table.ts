// Requests in flight per target of one upstream: one typed array, their sum, and a journal of changes.

/** Journal entries kept; a reader further behind than this rebuilds from the counts instead. */
const JOURNAL_SIZE = 256;
const JOURNAL_MASK = JOURNAL_SIZE - 1;
/** Positions wrap at 2^30 so they stay small integers (no heap numbers on the hot path). */
const POSITION_MASK = 0x3fffffff;

/**
 * One upstream's in-flight counts, one slot per configured target. The data plane writes them
 * through each target's `inflight` accessor (CountedTarget); pickers read them here:
 * - `counts`: adjacent int32s, the live count of each slot;
 * - `total`: their sum, kept by every write, so bounded loads read it in O(1) instead of O(n);
 * - a journal: the slot of each of the last JOURNAL_SIZE writes. A picker with an index over the
 *   counts (least-connections' and first's MinTrees) applies the writes made since its last pick
 *   (usually two: one request started, one finished) instead of rescanning every target, and
 *   rebuilds only when it fell more than JOURNAL_SIZE writes behind. Any number of pickers can
 *   follow one table, each at its own position (see JournalReader); nothing is registered.
 * A table belongs to one config version of an upstream, like its target objects.
 */
export class InflightTable {
  readonly counts: Int32Array;
  /** Σ counts, kept current by every write. */
  total = 0;
  /** Writes so far, modulo 2^30: the journal position of the next write. */
  written = 0;
  readonly journal = new Int32Array(JOURNAL_SIZE);

  constructor(slots: number) {
    this.counts = new Int32Array(slots);
  }

  /** Sets slot's count and records the write. */
  set(slot: number, value: number): void {
    const counts = this.counts;
    this.total += value - (counts[slot] as number);
    counts[slot] = value;
    const written = this.written;
    this.journal[written & JOURNAL_MASK] = slot;
    this.written = (written + 1) & POSITION_MASK;
  }
}

/** A table with no slots, for pickers over no targets. */
export const EMPTY_INFLIGHT_TABLE = new InflightTable(0);

/**
 * One reader's position in a table's journal. `pending()` says how many writes it has not applied:
 * 0 (nothing to do), up to JOURNAL_SIZE (apply `slotAt(k)` for k in [0, pending), then `caughtUp()`),
 * or -1 when the journal no longer holds them all (rebuild from `counts`, then `caughtUp()`). A
 * reader that stays idle for 2^30 writes would miss them: pickers are rebuilt long before that.
 */
export class JournalReader {
  private position: number;

  constructor(private readonly table: InflightTable) {
    this.position = table.written;
  }

  pending(): number {
    const behind = (this.table.written - this.position) & POSITION_MASK;
    return behind > JOURNAL_SIZE ? -1 : behind;
  }

  /** The slot of the k-th unapplied write. */
  slotAt(k: number): number {
    return this.table.journal[(this.position + k) & JOURNAL_MASK] as number;
  }

  caughtUp(): void {
    this.position = this.table.written;
  }
}

/**
 * A target whose `inflight` lives in its upstream's InflightTable: the base class of runtime (and
 * test) targets, so `target.inflight++` in connection code keeps the counts, the sum and the
 * journal current.
 */
export class CountedTarget {
  constructor(
    readonly inflightTable: InflightTable,
    readonly slot: number,
  ) {}

  get inflight(): number {
    return this.inflightTable.counts[this.slot] as number;
  }

  set inflight(value: number) {
    this.inflightTable.set(this.slot, value);
  }
}
