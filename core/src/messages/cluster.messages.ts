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

/**
 * A node's probe ownership among the cluster's nodes, told by a primary to its worker processes
 * (over IPC, never over NATS): a worker probes a target only when its node owns it, and among the
 * node's workers it is the one that owns it. Restated whenever it changes and to a worker that
 * (re)starts.
 */
export const NodeProbeOwnership = defineMessage('cluster.node-ownership', {
  /** The node (the primary's name in the cluster). */
  node: NodeId,
  /** The cluster's live nodes, this one included, sorted. */
  members: z.array(NodeId).max(10_000),
  /** Whether the node's cluster link is up; while it is not, the node owns every target. */
  isLinkUp: z.boolean(),
});
export type NodeProbeOwnership = MessageOf<typeof NodeProbeOwnership>;

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

// ---- cluster-wide event streams (subscriber-triggered relay) ----

const TypeName = z.string().min(1).max(128);

/**
 * "Send me your events of these types": repeated every few seconds by a node while one of its
 * event stream clients follows the whole cluster, and once with empty lists when the last one
 * goes. A relay stops on its own `ttlMs` after the last one it heard, so a node that dies does
 * not leave the others publishing.
 */
export const ClusterEventsWanted = defineMessage('cluster.events-wanted', {
  node: NodeId,
  types: z.array(TypeName).max(256),
  /** Type prefixes (`request.`; `''` for every type). */
  prefixes: z.array(z.string().max(128)).max(256),
  ttlMs: z.number().int().positive().max(600_000),
});
export type ClusterEventsWanted = MessageOf<typeof ClusterEventsWanted>;

/** One relayed event: its type, when it happened (epoch ms) and its payload as plain data. */
export const RelayedEvent = z.object({ type: TypeName, ts: z.number() }).catchall(z.unknown());
export type RelayedEvent = z.infer<typeof RelayedEvent>;

/** Most events in one relayed batch. */
export const MAX_RELAYED_EVENTS = 1000;

/** A batch of one node's events for the cluster-wide streams, with what its relay had to drop. */
export const ClusterEventsRelayed = defineMessage('cluster.events-relayed', {
  node: NodeId,
  /** Sent by a worker process of a node (`node` is then the worker's name, `<node>-w<slot>`): its slot. */
  worker: z.number().int().positive().max(65_536).optional(),
  events: z.array(RelayedEvent).max(MAX_RELAYED_EVENTS),
  /** Events dropped since the last batch because the relay fell behind. */
  dropped: z.number().int().nonnegative(),
});
export type ClusterEventsRelayed = MessageOf<typeof ClusterEventsRelayed>;

/**
 * Local: what this node's cluster-scope event stream clients want (empty when none is left). The
 * event relay turns it into `cluster.events-wanted`.
 */
export const ClusterEventsInterest = defineMessage('cluster.events-interest', {
  types: z.array(z.string()),
  prefixes: z.array(z.string()),
});
export type ClusterEventsInterest = MessageOf<typeof ClusterEventsInterest>;

/**
 * Local: what this node's node-scope event stream clients want (empty when none is left). Only a
 * primary of worker processes acts on it: it tells its workers over IPC, never other nodes, since
 * a node's own events are its workers' events then.
 */
export const NodeEventsInterest = defineMessage('node.events-interest', {
  types: z.array(z.string()),
  prefixes: z.array(z.string()),
});
export type NodeEventsInterest = MessageOf<typeof NodeEventsInterest>;

// ---- config rollout (two-phase, bridged) ----

const ProposalId = z.string().min(1).max(128);
/** A problem with a config, with its path (`routes.0.forward.upstream`) and reason. */
export const ConfigProblemWire = z.object({ path: z.string().max(1000), message: z.string().max(4000) });
export type ConfigProblemWire = z.infer<typeof ConfigProblemWire>;
const Problems = z.array(ConfigProblemWire).max(500);

/**
 * Phase one: a node proposes the cluster's next config version. `config` is the config as written
 * (the JSON form of the file): each node validates it itself and answers `config.vote`.
 */
export const ConfigProposed = defineMessage('config.proposed', {
  proposal: ProposalId,
  node: NodeId,
  /** The cluster config version this proposal would become. */
  version: z.number().int().positive(),
  config: z.unknown(),
  source: z.string().max(1000),
  /** The members the proposer waits for. */
  voters: z.array(NodeId).max(1000),
});
export type ConfigProposed = MessageOf<typeof ConfigProposed>;

/** A node's answer to a proposal: ack, or nack with every reason. */
export const ConfigVote = defineMessage('config.vote', {
  proposal: ProposalId,
  node: NodeId,
  isAck: z.boolean(),
  problems: Problems,
});
export type ConfigVote = MessageOf<typeof ConfigVote>;

/** Phase two: every voter acked; apply the proposal now. */
export const ConfigCommit = defineMessage('config.commit', {
  proposal: ProposalId,
  node: NodeId,
  version: z.number().int().positive(),
  /** The proposer's clock at the commit: orders two versions of one number made apart (after a split). */
  at: z.number().int(),
});
export type ConfigCommit = MessageOf<typeof ConfigCommit>;

/** A node's refusal (or silence) as reported with an abort. */
export const ConfigRefusal = z.object({ node: NodeId, problems: Problems });
export type ConfigRefusal = z.infer<typeof ConfigRefusal>;

/** Phase two: some voter refused or did not answer in time; nobody applies the proposal. */
export const ConfigAbort = defineMessage('config.abort', { proposal: ProposalId, node: NodeId, refusals: z.array(ConfigRefusal).max(1000) });
export type ConfigAbort = MessageOf<typeof ConfigAbort>;

/** After a commit: whether this node now serves the version (a bind can still fail), with why not. */
export const ConfigCommitApplied = defineMessage('config.commit-applied', {
  proposal: ProposalId,
  node: NodeId,
  version: z.number().int().nonnegative(),
  isApplied: z.boolean(),
  problems: Problems,
});
export type ConfigCommitApplied = MessageOf<typeof ConfigCommitApplied>;

/** The cluster version a node serves, restated to nodes that join so they catch up. */
export const ConfigCurrent = defineMessage('config.current', {
  node: NodeId,
  version: z.number().int().positive(),
  proposal: ProposalId,
  config: z.unknown(),
  source: z.string().max(1000),
  committedAt: z.number().int(),
});
export type ConfigCurrent = MessageOf<typeof ConfigCurrent>;

/** A node that has just started asks its peers for the cluster's current config version. */
export const ConfigCurrentRequested = defineMessage('config.current-requested', { node: NodeId, version: z.number().int().nonnegative() });
export type ConfigCurrentRequested = MessageOf<typeof ConfigCurrentRequested>;

/** What a node said about a proposal. */
export const RolloutNodeResult = z.object({
  node: NodeId,
  /** ack / nack / none (no answer within the timeout). */
  vote: z.enum(['ack', 'nack', 'none']),
  /** After a commit: applied, failed, or unknown (no report within the timeout); `not-committed` otherwise. */
  applied: z.enum(['applied', 'failed', 'unknown', 'not-committed']),
  problems: Problems,
});
export type RolloutNodeResult = z.infer<typeof RolloutNodeResult>;

/** The outcome of a config push. */
export const RolloutResult = z.object({
  proposal: ProposalId,
  version: z.number().int().nonnegative(),
  isCommitted: z.boolean(),
  nodes: z.array(RolloutNodeResult),
  durationMs: z.number().nonnegative(),
});
export type RolloutResult = z.infer<typeof RolloutResult>;

/** Local request to the rollout actor: propose `config` (as written) to the cluster; answers once every node has answered. */
export const PushClusterConfig = defineMessage('cluster.push-config', { config: z.unknown(), source: z.string() }, { reply: RolloutResult });
export type PushClusterConfig = MessageOf<typeof PushClusterConfig>;

/** The cluster config version this node serves. */
export const ClusterConfigState = z.object({
  version: z.number().int().nonnegative(),
  proposal: z.string().optional(),
  source: z.string().optional(),
  committedAt: z.number().int().optional(),
  /** A proposal in flight, if any. */
  pending: z.string().optional(),
});
export type ClusterConfigState = z.infer<typeof ClusterConfigState>;

/** Local request to the rollout actor: its state. */
export const GetClusterConfigState = defineMessage('cluster.get-config-state', {}, { reply: ClusterConfigState });
export type GetClusterConfigState = MessageOf<typeof GetClusterConfigState>;

/** The membership types that cross nodes: pass these as a bridge's `types`. */
export const ClusterWireTypes = [ClusterHeartbeat, ClusterLeaving] as const;

/** The rollout and event-relay types that cross nodes. */
export const ClusterControlWireTypes = [
  ConfigProposed,
  ConfigVote,
  ConfigCommit,
  ConfigAbort,
  ConfigCommitApplied,
  ConfigCurrent,
  ConfigCurrentRequested,
  ClusterEventsWanted,
  ClusterEventsRelayed,
] as const;

export type ClusterMessage =
  | ClusterHeartbeat
  | ClusterLeaving
  | ClusterNodeJoined
  | ClusterNodeLeft
  | ClusterMembers
  | ClusterTransportStatus;
