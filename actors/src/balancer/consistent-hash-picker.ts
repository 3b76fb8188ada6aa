// consistent-hash: Maglev hashing of a request key, with optional bounded loads.
import { hashString } from './hash.js';
import { parseHashKey, readHashKey, type HashKeySource } from './hash-key.js';
import { buildMaglevTable, maglevTableSize } from './maglev-table.js';
import type { BalancedTarget, PickRequest } from './picker.js';
import { IndexedPicker } from './picker-support.js';
import { RoundRobinPicker } from './round-robin-picker.js';

/** Seed of the request-key hash: distinct from the table's per-target seeds. */
const KEY_SEED = 0;

export interface ConsistentHashOptions {
  /** What to hash: `source-ip`, `host`, `path`, `uri`, `header:<name>`, `cookie:<name>`, `query:<name>`. */
  readonly hashKey: string;
  /** Bounded loads: no target takes more than this factor (≥ 1) of its fair share of requests in flight. */
  readonly boundedLoad?: number | undefined;
}

/**
 * Requests with the same key (client IP, a session header, a cookie, a path…) go to the same
 * target, so per-key caches stay warm; when targets come and go only about 1/n of keys move.
 *
 * Why Maglev rather than a ketama ring: a pick is one hash and one array read (O(1)) instead of a
 * binary search over n × 100-200 ring points, and the load is even: with ≥ 100 slots per target
 * every target's share is within about 1 % of its weight's, where a ring's share per target
 * varies by about 1/√points (8 % with 160 points). The price is the build, about 3 ms for 100
 * targets (65537 slots) and 0.1 s for 1000 (655373 slots), paid once per picker, and slightly
 * more movement than the ideal on a change: removing one of 10 targets moves 10.2-10.5 % of keys
 * (ideal 10 %), one of 100 moves 1.4-1.7 % (ideal 1 %). Weights give heavier targets
 * proportionally more slots (see maglev-table.ts).
 *
 * Missing key: a request without the key (no such header, cookie or query parameter, or an empty
 * value) has nothing to be consistent about; hashing "" would send all of them to one target, so
 * they go round robin instead.
 *
 * Bounded loads (Mirrokni, Thorup, Zadimoghaddam, "Consistent Hashing with Bounded Loads", as in
 * Google Cloud and HAProxy's `hash-balance-factor`): with factor c, a target i may hold at most
 * `ceil(c × (totalInflight + 1) × weight_i / Σ weight)` requests, the new one included; a target
 * at its bound is passed over for the next slots of the table, so a hot key spills to a fixed
 * sequence of other targets instead of melting one. `totalInflight` counts this picker's targets:
 * the upstream's InflightTable keeps the sum over all its targets, so a pick subtracts the few
 * that are not candidates (ejected, unhealthy, draining but still finishing requests) instead of
 * summing the candidates: O(targets left out), usually none, where summing was O(n). Either
 * way a pick is O(key length) plus the walk.
 *
 * Full targets (`maxConnections`) and retries' `excluded` targets are passed over the same way.
 * The walk is bounded (2n + 8 slots), then each target is scanned once; if only targets at their
 * load bound remain, the least bad is the first one found with room under `maxConnections`.
 */
export class ConsistentHashPicker<T extends BalancedTarget> extends IndexedPicker<T> {
  private readonly table: Uint16Array | Uint32Array;
  private readonly tableSize: number;
  private readonly keySource: HashKeySource;
  private readonly keyName: string;
  private readonly fallback: RoundRobinPicker<T>;
  /** 0 when bounded loads are off; else `c × weight_i / Σ weight` per target. */
  private readonly boundedLoad: number;
  private readonly fairShare: Float64Array;
  private readonly walkLimit: number;
  /** Slots of the InflightTable that are not candidates of this picker: subtracted from its total. */
  private readonly leftOut: Int32Array;

  constructor(targets: readonly T[], options: ConsistentHashOptions) {
    super(targets);
    const key = parseHashKey(options.hashKey);
    this.keySource = key.source;
    this.keyName = key.name;
    this.tableSize = maglevTableSize(this.targets.length);
    const weights = this.targets.map((t) => t.weight);
    this.table = buildMaglevTable(
      this.targets.map((t) => t.address),
      weights,
      this.tableSize,
    );
    this.fallback = new RoundRobinPicker(this.targets);
    this.boundedLoad = options.boundedLoad !== undefined && options.boundedLoad >= 1 ? options.boundedLoad : 0;
    const totalWeight = weights.reduce((sum, w) => sum + w, 0);
    this.fairShare = Float64Array.from(weights, (w) => (this.boundedLoad * w) / totalWeight);
    this.walkLimit = Math.min(this.tableSize, 2 * this.targets.length + 8);
    this.leftOut = Int32Array.from(this.indexOfSlot.keys()).filter((slot) => this.indexOfSlot[slot] === -1);
  }

  /** The target `key` maps to when every target can take it (for tests and diagnostics). */
  targetFor(key: string): T | undefined {
    if (this.targets.length === 0) return undefined;
    return this.targets[this.table[hashString(key, KEY_SEED) % this.tableSize] as number];
  }

  pickExcluding(request: PickRequest, excluded: readonly T[]): T | undefined {
    const targets = this.targets;
    const n = targets.length;
    if (n === 0) return undefined;
    const key = readHashKey(request, this.keySource, this.keyName);
    if (key === undefined || key === '') return this.fallback.pickExcluding(request, excluded);
    const table = this.table;
    const size = this.tableSize;
    // Requests in flight after this one, for the bound; only summed when bounded loads are on.
    const load = this.boundedLoad === 0 ? 0 : this.totalInflight() + 1;
    let slot = hashString(key, KEY_SEED) % size;
    let i = 0;
    for (let k = 0; k < this.walkLimit; k++) {
      i = table[slot] as number;
      if (this.canTake(i, excluded) && this.isUnderBound(i, load)) return targets[i];
      if (++slot === size) slot = 0;
    }
    let spare: T | undefined;
    for (let k = 0; k < n; k++) {
      if (this.canTake(i, excluded)) {
        if (this.isUnderBound(i, load)) return targets[i];
        spare ??= targets[i];
      }
      if (++i === n) i = 0;
    }
    return spare;
  }

  private isUnderBound(index: number, load: number): boolean {
    return load === 0 || this.inflightAt(index) < Math.ceil(load * (this.fairShare[index] as number));
  }

  /** Requests in flight to this picker's targets: the table's sum less the targets left out. */
  private totalInflight(): number {
    const counts = this.counts;
    const leftOut = this.leftOut;
    let total = this.inflightTable.total;
    for (let k = 0; k < leftOut.length; k++) total -= counts[leftOut[k] as number] as number;
    return total;
  }
}
