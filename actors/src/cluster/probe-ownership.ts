// Which node probes which target: rendezvous hashing over the live members, or everything when alone or cut off.
import { ownerOf } from './rendezvous.js';

/** What a node knows that decides probe ownership; replaced (a new object) whenever it changes. */
export interface ProbeOwnership {
  /** This node. */
  readonly self: string;
  /** The live members, this node included, sorted. */
  readonly members: readonly string[];
  /** Whether the cluster transport is up; when it is not, this node owns every target. */
  readonly isLinkUp: boolean;
}

/** The key a target is owned by: one per upstream and address, the same on every node. */
export function probeKey(upstream: string, target: string): string {
  return `${upstream}/${target}`;
}

/**
 * Whether this node probes `upstream`/`target`. Alone, or with the transport down, a node owns
 * everything (it cannot count on anyone else's verdicts); otherwise exactly one live member owns
 * each target, and when that member leaves only its targets move.
 * @example
 * if (ownsProbe(ownership.current, 'api', '10.0.0.5:8080')) probe();
 */
export function ownsProbe(ownership: ProbeOwnership, upstream: string, target: string): boolean {
  if (!ownership.isLinkUp || ownership.members.length <= 1) return true;
  return ownerOf(probeKey(upstream, target), ownership.members) === ownership.self;
}

/** A node alone: it owns every target. */
export function soloOwnership(self: string): ProbeOwnership {
  return { self, members: [self], isLinkUp: false };
}
