// The cluster's messages: membership heartbeats that cross nodes, the local facts a node derives from them, and transport status.
import { z } from 'zod';
import { defineMessage, type MessageOf } from './define-message.js';

/** A node's name in the cluster: stamped on envelopes, used as the rendezvous member id. */
export const NodeId = z.string().min(1).max(256);

// ---- on the wire (bridged between nodes) ----

/**
 * "I am alive": sent by every node's membership actor every `heartbeatMs`. `startedAt` names the
 * incarnation (a restarted node gets a new one); `seq` grows by one per heartbeat of an incarnation,
 * so a receiver can ignore duplicates and stragglers.
 */
export const ClusterHeartbeat = defineMessage('cluster.heartbeat', {
  node: NodeId,
  startedAt: z.number().int().nonnegative(),
  seq: z.number().int().nonnegative(),
  /** Worker processes serving on this node, when it says. */
  workers: z.number().int().nonnegative().max(65_536).optional(),
  /** Names of the listeners bound on this node, when it says. */
  listeners: z.array(z.string().max(256)).max(256).optional(),
});
export type ClusterHeartbeat = MessageOf<typeof ClusterHeartbeat>;

/** "I am going": sent once on a graceful stop, so peers drop this incarnation without waiting for a timeout. */
export const ClusterLeaving = defineMessage('cluster.leaving', {
  node: NodeId,
  startedAt: z.number().int().nonnegative(),
  at: z.number().int().nonnegative(),
});
export type ClusterLeaving = MessageOf<typeof ClusterLeaving>;

// ---- local facts (each node's own view; not bridged) ----

/** A peer was heard from for the first time, or again after it had left. */
export const ClusterNodeJoined = defineMessage('cluster.node-joined', {
  node: NodeId,
  at: z.number().int(),
});
export type ClusterNodeJoined = MessageOf<typeof ClusterNodeJoined>;

export const NodeLeftReason = z.enum(['timeout', 'leaving']);
export type NodeLeftReason = z.infer<typeof NodeLeftReason>;

/** A peer said it was leaving, or went silent for longer than the membership timeout. */
export const ClusterNodeLeft = defineMessage('cluster.node-left', {
  node: NodeId,
  at: z.number().int(),
  reason: NodeLeftReason,
});
export type ClusterNodeLeft = MessageOf<typeof ClusterNodeLeft>;

/** One row of the membership view. */
export const ClusterMember = z.object({
  node: NodeId,
  /** Milliseconds since this node last heard from it; 0 for this node itself. */
  lastSeenMs: z.number().nonnegative(),
  /** Wall-clock epoch milliseconds of that last heartbeat (now, for this node). */
  lastSeenAt: z.number().int(),
  /** The incarnation the member announced. */
  startedAt: z.number().int().nonnegative(),
  isSelf: z.boolean(),
  /** What the member's last heartbeat said, when it said it. */
  workers: z.number().int().nonnegative().optional(),
  listeners: z.array(z.string()).optional(),
});
export type ClusterMember = z.infer<typeof ClusterMember>;

/** Request to the membership actor: the live members, this node included, sorted by node. */
export const ClusterMembers = defineMessage('cluster.members', {}, { reply: z.array(ClusterMember) });
export type ClusterMembers = MessageOf<typeof ClusterMembers>;

// ---- transport status (local) ----

export const TransportStatusKind = z.enum(['connected', 'disconnected', 'reconnecting', 'reconnected', 'error', 'closed']);
export type TransportStatusKind = z.infer<typeof TransportStatusKind>;

/**
 * What a cluster transport reports about its link: connects, disconnects, reconnect attempts,
 * errors (with the project code and, for library errors, the library's own code) and the close.
 */
export const ClusterTransportStatus = defineMessage('cluster.transport-status', {
  /** The transport's connection name. */
  transport: z.string(),
  status: TransportStatusKind,
  /** The server concerned, when known (`host:port`). */
  server: z.string().optional(),
  /** Reconnect attempts since the link was lost (status `reconnecting`). */
  attempt: z.number().int().nonnegative().optional(),
  /** Project error code (status `error`, or `closed` by an error). */
  code: z.string().optional(),
  /** The underlying library's code, kept for diagnosis; never branch on its text. */
  libraryCode: z.string().optional(),
  message: z.string().optional(),
  at: z.number().int(),
});
export type ClusterTransportStatus = MessageOf<typeof ClusterTransportStatus>;

/** The membership types that cross nodes: pass these as a bridge's `types`. */
export const ClusterWireTypes = [ClusterHeartbeat, ClusterLeaving] as const;

export type ClusterMessage =
  | ClusterHeartbeat
  | ClusterLeaving
  | ClusterNodeJoined
  | ClusterNodeLeft
  | ClusterMembers
  | ClusterTransportStatus;
