// The Maglev lookup table behind consistent-hash: built once per picker, read in O(1) per request.
import { hashString } from './hash.js';

/** Seeds of the two per-target hashes (offset and skip); any fixed pair of distinct values works. */
const OFFSET_SEED = 0x9e3779b9;
const SKIP_SEED = 0x7f4a7c15;

/**
 * Table sizes, all prime, from a fixed ladder. The size must not follow the target count closely:
 * a key's slot is `hash % size`, so a new size would remap every key. 65537 keeps ≥ 100 slots per
 * target up to 655 targets, the ratio Maglev needs for near-minimal disruption and ≤ 1 % imbalance.
 */
const TABLE_SIZES = [65537, 655373, 6553621, 65536043] as const;

/** The table size for `targetCount` targets: the first rung with ≥ 100 slots per target. */
export function maglevTableSize(targetCount: number): number {
  for (const size of TABLE_SIZES) if (size >= targetCount * 100) return size;
  return TABLE_SIZES[3];
}

/**
 * Builds a Maglev table (Eisenbud et al., NSDI 2016): each target has a permutation of the slots
 * derived from its address alone (`offset + j * skip mod size`, size prime so every skip visits
 * every slot); targets take turns claiming their next free preferred slot until the table is full.
 * Because a target's preferences do not depend on the others, removing one mostly hands its own
 * slots to others and leaves the rest in place. Entries are indices into `addresses`.
 *
 * Weights follow Envoy's weighted Maglev: in round r a target takes a turn only when
 * `r * weight / maxWeight` has reached the turns it already took, so a target with half the
 * maximum weight claims a slot every other round and ends up with about half as many slots.
 * Cost: about size × ln(size) probes: ~3 ms for 100 targets in 65537 slots, ~0.1 s for 1000 in 655373.
 */
export function buildMaglevTable(addresses: readonly string[], weights: readonly number[], size: number): Uint16Array | Uint32Array {
  const n = addresses.length;
  const table = n <= 0xffff ? new Uint16Array(size) : new Uint32Array(size);
  if (n === 0) return table;
  const next = new Float64Array(n);
  const skip = new Float64Array(n);
  const share = new Float64Array(n);
  const turns = new Float64Array(n);
  const maxWeight = weights.reduce((max, w) => (w > max ? w : max), 0);
  for (let i = 0; i < n; i++) {
    const address = addresses[i] as string;
    next[i] = hashString(address, OFFSET_SEED) % size;
    skip[i] = (hashString(address, SKIP_SEED) % (size - 1)) + 1;
    share[i] = (weights[i] as number) / maxWeight;
  }
  const isTaken = new Uint8Array(size);
  let filled = 0;
  for (let round = 1; filled < size; round++) {
    for (let i = 0; i < n && filled < size; i++) {
      if (round * (share[i] as number) < (turns[i] as number)) continue;
      turns[i] = (turns[i] as number) + 1;
      const step = skip[i] as number;
      let slot = next[i] as number;
      while (isTaken[slot] === 1) {
        slot += step;
        if (slot >= size) slot -= size;
      }
      isTaken[slot] = 1;
      table[slot] = i;
      filled++;
      slot += step;
      next[i] = slot >= size ? slot - size : slot;
    }
  }
  return table;
}
