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
  /**
   * A worker process of a node in a cluster: the node's own ownership among the cluster's nodes
   * (its primary tells it). The members above are then the node's workers, and a worker probes a
   * target only when its node owns it and it owns it among the workers.
   */
  readonly node?: Omit<ProbeOwnership, 'node'>;
}

/** The key a target is owned by: one per upstream and address, the same on every node. */
export function probeKey(upstream: string, target: string): string {
  return `${upstream}/${target}`;
}

/**
 * Whether this node probes `upstream`/`target`. Alone, or with the transport down, a node owns
 * everything (it cannot count on anyone else's verdicts); otherwise exactly one live member owns
 * each target, and when that member leaves only its targets move. A worker of a clustered node
 * owns a target when its node does and it is that node's worker for it.
 * @example
 * if (ownsProbe(ownership.current, 'api', '10.0.0.5:8080')) probe();
 */
export function ownsProbe(ownership: ProbeOwnership, upstream: string, target: string): boolean {
  if (ownership.node !== undefined && !ownsProbe(ownership.node, upstream, target)) return false;
  return probeOwner(ownership, upstream, target) === ownership.self;
}

/** Which member probes `upstream`/`target` among this level's members: this one when alone or cut off. */
export function probeOwner(ownership: Omit<ProbeOwnership, 'node'>, upstream: string, target: string): string {
  if (!ownership.isLinkUp || ownership.members.length <= 1) return ownership.self;
  return ownerOf(probeKey(upstream, target), ownership.members);
}

/** A node alone: it owns every target. */
export function soloOwnership(self: string): ProbeOwnership {
  return { self, members: [self], isLinkUp: false };
}
