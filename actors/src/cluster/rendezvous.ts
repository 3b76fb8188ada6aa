// Rendezvous (highest random weight) hashing: which live member owns a key, moving as few keys as possible.

/**
 * The member that owns `key`: the one whose weight for the key is highest. Every node that sees
 * the same members picks the same owner, in any order of `members`. When a member leaves, only its
 * own keys move (each to the member that was second for it); when one joins, only the keys it now
 * wins move to it. The health checker uses it so each target is probed by one node.
 * @example
 * const prober = ownerOf(`${upstream}/${target}`, liveNodes); // probe only if prober === ctx.node
 * @throws RangeError when `members` is empty.
 */
import { fmix32 } from '../balancer/hash.js';
export function ownerOf(key: string, members: Iterable<string>): string {
  let best: string | undefined;
  let bestWeight = -1;
  for (const member of members) {
    const weight = weightOf(key, member);
    // Ties (1 in 2^32 per pair) go to the lower name, so the choice never depends on order.
    if (weight > bestWeight || (weight === bestWeight && best !== undefined && member < best)) {
      best = member;
      bestWeight = weight;
    }
  }
  if (best === undefined) throw new RangeError(`no members to own "${key}"`);
  return best;
}

/** The `count` highest-weight members for `key`, best first: owner, then who takes over if it leaves. */
export function ownersOf(key: string, members: Iterable<string>, count: number): string[] {
  return [...new Set(members)]
    .map((member) => ({ member, weight: weightOf(key, member) }))
    .sort((x, y) => y.weight - x.weight || (x.member < y.member ? -1 : x.member > y.member ? 1 : 0))
    .slice(0, Math.max(0, count))
    .map((entry) => entry.member);
}

/**
 * A member's weight for a key: an unsigned 32-bit hash of both. FNV-1a over the UTF-16 code units,
 * then murmur3's finalizer, because FNV alone does not avalanche well enough for fair shares.
 * Pure integer arithmetic, so every node (and every platform) computes the same weight.
 */
export function weightOf(key: string, member: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < member.length; i++) h = Math.imul(h ^ member.charCodeAt(i), 0x01000193);
  h = Math.imul(h ^ 0xffff, 0x01000193); // separator no name contains: ("ab","c") and ("a","bc") differ
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return fmix32(h);
}
