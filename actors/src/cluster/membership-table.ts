// The membership table: who this node has heard from and when, as pure transitions on an immutable value.
import type { ClusterHeartbeat, ClusterLeaving, ClusterMember } from '@switchyard/core';

/** What this node knows of one peer. */
export interface PeerRecord {
  readonly node: string;
  /** The incarnation last heard from. */
  readonly startedAt: number;
  /** The highest heartbeat sequence number of that incarnation. */
  readonly seq: number;
  /** Monotonic milliseconds of the last accepted heartbeat: what timeouts are measured on. */
  readonly lastSeenMono: number;
  /** Wall-clock epoch milliseconds of the same moment, for people. */
  readonly lastSeenAt: number;
  readonly workers?: number;
  readonly listeners?: readonly string[];
}

/** The peers heard from (this node excluded), and incarnations that said they were leaving. */
export interface MembershipTable {
  readonly peers: ReadonlyMap<string, PeerRecord>;
  /**
   * node → the incarnation (`startedAt`) that sent `cluster.leaving`. A heartbeat of that same
   * incarnation still in flight must not bring the node back; a new incarnation clears the entry.
   * At most one entry per node name, so it stays as small as the cluster.
   */
  readonly departed: ReadonlyMap<string, number>;
}

export const emptyTable: MembershipTable = { peers: new Map(), departed: new Map() };

/** The two clocks a transition reads: monotonic for ages, wall for display. */
export interface Now {
  mono: number;
  wall: number;
}

/**
 * `joined`: first heard from (or again after leaving or timing out); `seen`: a known peer is alive
 * (a restarted peer with a new incarnation counts as seen); `ignored`: a duplicate, a straggler of an
 * older incarnation, or of one that has left.
 */
export type HeartbeatOutcome = 'joined' | 'seen' | 'ignored';

export function applyHeartbeat(table: MembershipTable, heartbeat: ClusterHeartbeat, now: Now): { table: MembershipTable; outcome: HeartbeatOutcome } {
  const { node, startedAt, seq } = heartbeat;
  const departedIncarnation = table.departed.get(node);
  if (departedIncarnation !== undefined && startedAt <= departedIncarnation) return { table, outcome: 'ignored' };
  const known = table.peers.get(node);
  if (known !== undefined && (startedAt < known.startedAt || (startedAt === known.startedAt && seq <= known.seq))) {
    return { table, outcome: 'ignored' };
  }
  const record: PeerRecord = {
    node,
    startedAt,
    seq,
    lastSeenMono: now.mono,
    lastSeenAt: now.wall,
    ...(heartbeat.workers === undefined ? {} : { workers: heartbeat.workers }),
    ...(heartbeat.listeners === undefined ? {} : { listeners: heartbeat.listeners }),
  };
  const peers = new Map(table.peers).set(node, record);
  let departed = table.departed;
  if (departedIncarnation !== undefined) {
    const copy = new Map(departed);
    copy.delete(node);
    departed = copy;
  }
  return { table: { peers, departed }, outcome: known === undefined ? 'joined' : 'seen' };
}

/** A peer said it is leaving: drop it now and remember the incarnation. `hasLeft` is false for one already gone. */
export function applyLeaving(table: MembershipTable, leaving: ClusterLeaving): { table: MembershipTable; hasLeft: boolean } {
  const known = table.peers.get(leaving.node);
  if (known !== undefined && known.startedAt > leaving.startedAt) return { table, hasLeft: false };
  const departed = new Map(table.departed).set(leaving.node, Math.max(leaving.startedAt, table.departed.get(leaving.node) ?? 0));
  if (known === undefined) return { table: { peers: table.peers, departed }, hasLeft: false };
  const peers = new Map(table.peers);
  peers.delete(leaving.node);
  return { table: { peers, departed }, hasLeft: true };
}

/** Drops the peers silent for longer than `timeoutMs` and names them, sorted. */
export function expireSilent(table: MembershipTable, nowMono: number, timeoutMs: number): { table: MembershipTable; expired: string[] } {
  const expired: string[] = [];
  for (const peer of table.peers.values()) if (nowMono - peer.lastSeenMono > timeoutMs) expired.push(peer.node);
  if (expired.length === 0) return { table, expired };
  const peers = new Map(table.peers);
  for (const node of expired) peers.delete(node);
  return { table: { peers, departed: table.departed }, expired: expired.sort() };
}

/** The live members' names, this node included, sorted: what rendezvous hashing is given. */
export function liveNodes(table: MembershipTable, self: string): string[] {
  return [self, ...table.peers.keys()].sort();
}

/** This node as it describes itself in the view. */
export interface SelfInfo {
  node: string;
  startedAt: number;
  workers?: number;
  listeners?: readonly string[];
}

/** The rows `cluster.members` answers with, sorted by node. */
export function membersView(table: MembershipTable, self: SelfInfo, now: Now): ClusterMember[] {
  const rows: ClusterMember[] = [
    {
      node: self.node,
      lastSeenMs: 0,
      lastSeenAt: now.wall,
      startedAt: self.startedAt,
      isSelf: true,
      ...(self.workers === undefined ? {} : { workers: self.workers }),
      ...(self.listeners === undefined ? {} : { listeners: [...self.listeners] }),
    },
  ];
  for (const peer of table.peers.values()) {
    rows.push({
      node: peer.node,
      lastSeenMs: Math.max(0, now.mono - peer.lastSeenMono),
      lastSeenAt: peer.lastSeenAt,
      startedAt: peer.startedAt,
      isSelf: false,
      ...(peer.workers === undefined ? {} : { workers: peer.workers }),
      ...(peer.listeners === undefined ? {} : { listeners: [...peer.listeners] }),
    });
  }
  return rows.sort((x, y) => (x.node < y.node ? -1 : x.node > y.node ? 1 : 0));
}
