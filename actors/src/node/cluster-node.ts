// A proxy node's cluster side: bridge, membership, coordinator, config rollout and event relay over a Transport.
import {
  ClusterControlWireTypes,
  ClusterMembers,
  ClusterNodeJoined,
  ClusterWireTypes,
  GetClusterConfigState,
  HealthWireTypes,
  NodeProbeOwnership,
  PushClusterConfig,
  Snapshot,
  bridgeTransport,
  type ActorSystem,
  type BridgeStats,
  type ClusterConfigState,
  type ClusterMember,
  type Codec,
  type ConfigProblemWire,
  type RolloutResult,
  type Transport,
} from '@switchyard/core';
import { validateConfig, type Config } from '@switchyard/config';
import { coordinator, GetClusterLink, type ClusterLinkState } from '../cluster/coordinator.actor.js';
import { eventRelay, type EventRelayOptions } from '../cluster/event-relay.actor.js';
import { membership } from '../cluster/membership.actor.js';
import { ownsProbe, probeOwner, type ProbeOwnership } from '../cluster/probe-ownership.js';
import { rollout } from '../cluster/rollout.actor.js';
import { formatAddress } from '../health/prober.js';
import { certificateProblems } from './proxy.actor.js';
import { unsupportedFeatures } from './unsupported-features.js';

/** How a node joins its cluster: the CLI connects the transport (NATS) and hands it over. */
export interface ClusterNodeOptions {
  /** Carries the cluster's messages; the caller made it and closes it after the node. */
  transport: Transport;
  /** The cluster's name (config `cluster.name`): part of every subject. */
  name: string;
  /** Frame codec; the NATS adapter passes msgpack. Default JSON. */
  codec?: Codec;
  /** Membership heartbeat; default 1000 ms. */
  heartbeatMs?: number;
  /** Silence after which a peer is gone (and its probes move); default 3000 ms. */
  timeoutMs?: number;
  /** Config rollout: time for every vote; default 5000 ms. */
  voteTimeoutMs?: number;
  /** Config rollout: time for every node to report its apply after a commit; default 15000 ms. */
  applyTimeoutMs?: number;
  /** Cluster-wide event relay timings. */
  relay?: EventRelayOptions;
  /** Announced in heartbeats (and shown by `/api/cluster`): the worker processes serving as this node. */
  workers?: number;
  /**
   * This is a worker process, and the transport joins it to its node's other workers (IPC): probe
   * ownership also follows the node's own among the cluster's nodes (`cluster.node-ownership` from
   * the primary), and a node joining the cluster (`cluster.node-joined`, relayed by the primary)
   * makes it restate the verdicts it owns, as a node does.
   */
  followsNode?: boolean;
}

/** Who probes one target, as this node sees it. */
export interface ProbeAssignment {
  upstream: string;
  target: string;
  owner: string;
  isOwnedHere: boolean;
}

/** What `/api/cluster` and `switchyard cluster status` show. */
export interface ClusterStatus {
  cluster: string;
  node: string;
  members: ClusterMember[];
  link: ClusterLinkState;
  config: ClusterConfigState;
  /** Frames through the bridge: rejected ones failed decoding, the envelope, the version or their schema. */
  frames: BridgeStats;
  probes: ProbeAssignment[];
}

/** A node's handle on its cluster. */
export interface ClusterHandle {
  readonly name: string;
  readonly node: string;
  readonly ownership: Snapshot<ProbeOwnership>;
  readonly frames: BridgeStats;
  status(): Promise<ClusterStatus>;
  /** Proposes a config (as written) to every live member; resolves when all answered or the rollout timed out. */
  pushConfig(raw: unknown, source: string): Promise<RolloutResult>;
  /** Stops relaying; the actors stop with the system. Call after the system terminated (so `cluster.leaving` went out). */
  closeBridge(): void;
}

/** Problems this node has with a config that passed validation: what it cannot serve, certificates, a cluster it is not in. */
export function nodeConfigProblems(config: Readonly<Config>, clusterName: string | undefined): ConfigProblemWire[] {
  const problems: ConfigProblemWire[] = [...unsupportedFeatures(config), ...certificateProblems(config)];
  if (clusterName !== undefined && config.cluster !== undefined && config.cluster.name !== clusterName) {
    problems.push({ path: 'cluster.name', message: `this node is in cluster "${clusterName}" and cannot move to "${config.cluster.name}" at run time` });
  }
  return problems;
}

/**
 * Joins `system` to its cluster: bridges the membership, health, rollout and event-relay types
 * over the transport, then spawns membership, the coordinator (probe ownership), the rollout
 * actor and the event relay. `apply` is the node's own apply (it reports problems by rejecting).
 */
export function startClusterNode(
  system: ActorSystem,
  options: ClusterNodeOptions,
  deps: { ownership: Snapshot<ProbeOwnership>; apply: (config: Readonly<Config>, source: string) => Promise<void>; config: () => Readonly<Config> },
): ClusterHandle {
  const types = [...ClusterWireTypes, ...HealthWireTypes, ...ClusterControlWireTypes];
  const bridge = bridgeTransport(system, options.transport, {
    cluster: options.name,
    types,
    ...(options.followsNode === true ? { inbound: [...types, NodeProbeOwnership, ClusterNodeJoined] } : {}),
    ...(options.codec === undefined ? {} : { codec: options.codec }),
  });
  const members = new Snapshot<readonly string[]>('cluster.members', [system.node]);
  const membershipRef = system.spawn(
    membership,
    {
      members,
      ...(options.heartbeatMs === undefined ? {} : { heartbeatMs: options.heartbeatMs }),
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
      ...(options.workers === undefined ? {} : { workers: options.workers }),
    },
    { name: 'membership' },
  );
  const coordinatorRef = system.spawn(coordinator, { members, ownership: deps.ownership, ...(options.followsNode === true ? { followsNode: true } : {}) }, { name: 'cluster-coordinator' });
  const rolloutRef = system.spawn(
    rollout,
    {
      members,
      check: (raw) => {
        const result = validateConfig(raw);
        if (!result.ok) return { ok: false, problems: result.problems.map((p) => ({ path: p.path, message: p.message })) };
        const problems = nodeConfigProblems(result.config, options.name);
        return problems.length === 0 ? { ok: true, config: result.config } : { ok: false, problems };
      },
      apply: (config, source) => deps.apply(config as Readonly<Config>, source),
      ...(options.voteTimeoutMs === undefined ? {} : { voteTimeoutMs: options.voteTimeoutMs }),
      ...(options.applyTimeoutMs === undefined ? {} : { applyTimeoutMs: options.applyTimeoutMs }),
    },
    { name: 'rollout' },
  );
  system.spawn(eventRelay, options.relay ?? {}, { name: 'event-relay' });
  const rolloutWaitMs = (options.voteTimeoutMs ?? 5000) + (options.applyTimeoutMs ?? 15_000) + 5000;

  return {
    name: options.name,
    node: system.node,
    ownership: deps.ownership,
    frames: bridge.stats,
    async status() {
      const [memberList, link, config] = await Promise.all([
        membershipRef.ask(ClusterMembers, {}, { timeoutMs: 5000 }),
        coordinatorRef.ask(GetClusterLink, {}, { timeoutMs: 5000 }),
        rolloutRef.ask(GetClusterConfigState, {}, { timeoutMs: 5000 }),
      ]);
      const ownership = deps.ownership.current;
      const probes: ProbeAssignment[] = [];
      for (const upstream of deps.config().upstreams) {
        if (upstream.healthCheck === undefined) continue;
        for (const t of upstream.targets) {
          const target = formatAddress(t.address.host, t.address.port);
          const isOwnedHere = ownsProbe(ownership, upstream.name, target);
          const byNode = ownership.node === undefined ? undefined : probeOwner(ownership.node, upstream.name, target);
          const owner = byNode !== undefined && byNode !== ownership.node?.self ? byNode : probeOwner(ownership, upstream.name, target);
          probes.push({ upstream: upstream.name, target, owner, isOwnedHere });
        }
      }
      return { cluster: options.name, node: system.node, members: memberList, link, config, frames: { ...bridge.stats }, probes };
    },
    pushConfig: (raw, source) => rolloutRef.ask(PushClusterConfig, { config: raw, source }, { timeoutMs: rolloutWaitMs }),
    closeBridge: () => bridge.close(),
  };
}
