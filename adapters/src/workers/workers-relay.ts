// The primary's side of its workers' IPC cluster: which messages cross between the primary's bus and the workers, and what a (re)started worker is told.
import {
  ClusterEventsRelayed,
  ClusterEventsWanted,
  ClusterNodeJoined,
  HealthVerdictShared,
  HealthWireTypes,
  NodeEventsInterest,
  NodeProbeOwnership,
  bridgeTransport,
  originNodeOf,
  subjectFor,
  type ActorSystem,
  type Cancellable,
  type MessageType,
  type Snapshot,
  type Transport,
  type TransportBridge,
} from '@switchyard/core';
import { probeKey, type ProbeOwnership } from '@switchyard/actors';
import type { Subscription } from 'rxjs';
import type { IpcHub } from './ipc-transport.js';

/** The cluster name of a node's workers on the IPC transport (subjects `switchyard.workers.*`). */
export const WORKERS_CLUSTER = 'workers';

/** How often the workers are told again what this node's own stream wants, and how long they keep it untold (as the event relay does for other nodes). */
const NODE_INTEREST_ANNOUNCE_MS = 2000;
const NODE_INTEREST_TTL_MS = 3 * NODE_INTEREST_ANNOUNCE_MS;

/** A worker's member name in its node's IPC cluster (and on the probes and events it sends). */
export function workerNodeName(nodeName: string, slot: number): string {
  return `${nodeName}-w${slot}`;
}

/**
 * Joins the primary's bus to its workers' IPC cluster. Alone, the primary hears only the workers'
 * event batches (for its admin event stream) and tells them who wants events. What the node's own
 * (node-scope) stream wants goes to the workers only, straight through the IPC bridge: it is
 * this node's events, so no other node is asked for anything. In a cluster the
 * primary is the node's one member over NATS, and its NATS bridge sits on the same bus: a bridge
 * never sends back what it brought in, but sends what the other one brought, so the two bridges
 * relay between NATS and the workers for these types:
 * - workers → NATS: health verdicts and passive ejections, event batches (only while another node
 *   wants events: `toCluster`);
 * - NATS → workers: the other nodes' verdicts and ejections, who wants events, nodes that joined
 *   (so the workers restate the verdicts they own, as a node does);
 * - primary → workers: the node's probe ownership among the cluster's nodes.
 * Membership heartbeats and config rollout never cross: the workers' membership stays on IPC (so
 * NATS counts the node once), and the primary takes part in a rollout for the node and applies it
 * in every worker itself.
 * @example
 * const relay = new WorkersRelay(system, hub, { isClustered: true, workers: 2 });
 * relay.followOwnership(ownership); // the snapshot the primary's coordinator publishes
 * // supervisor onReady: relay.restate()
 */
export class WorkersRelay {
  private readonly bridge: TransportBridge;
  private readonly subscriptions: Subscription[] = [];
  /** The member names of this node's workers: their event batches are this node's own events. */
  readonly workerNodes: ReadonlySet<string>;
  /** The latest verdict on each target from another node: a worker that restarts has missed them. */
  private readonly remoteVerdicts = new Map<string, HealthVerdictShared>();
  /** Other nodes that want events, and until when (monotonic ms) if they do not say so again. */
  private readonly peersWanting = new Map<string, number>();
  private ownership: ProbeOwnership | undefined;
  /** What the node-scope stream wants, restated to the workers while not empty. */
  private nodeInterest = NodeEventsInterest.make({ types: [], prefixes: [] });
  private nodeInterestTimer: Cancellable | undefined;

  constructor(
    private readonly system: ActorSystem,
    hub: IpcHub,
    options: { isClustered: boolean; workers: number },
  ) {
    const fromWorkers: MessageType[] = options.isClustered ? [ClusterEventsRelayed, ...HealthWireTypes] : [ClusterEventsRelayed];
    const toWorkers: MessageType[] = options.isClustered ? [ClusterEventsWanted, ...HealthWireTypes, NodeProbeOwnership, ClusterNodeJoined] : [ClusterEventsWanted];
    this.bridge = bridgeTransport(system, onlySubjects(hub.connect(), fromWorkers.map((t) => subjectFor(WORKERS_CLUSTER, t.type))), {
      cluster: WORKERS_CLUSTER,
      types: [],
      inbound: fromWorkers,
      outbound: toWorkers,
    });
    this.workerNodes = new Set(Array.from({ length: options.workers }, (_, i) => workerNodeName(system.node, i + 1)));
    this.subscriptions.push(system.bus.on(NodeEventsInterest).subscribe((interest) => this.followNodeInterest(interest)));
    if (options.isClustered) {
      this.subscriptions.push(
        system.bus.on(HealthVerdictShared).subscribe((verdict) => {
          const key = probeKey(verdict.upstream, verdict.target);
          // A worker's own verdict supersedes any older one from elsewhere: nothing to replay then.
          if (this.workerNodes.has(verdict.node)) this.remoteVerdicts.delete(key);
          else this.remoteVerdicts.set(key, verdict);
        }),
        system.bus.on(ClusterEventsWanted).subscribe((wanted) => {
          if (originNodeOf(wanted) === undefined || this.workerNodes.has(wanted.node)) return;
          if (wanted.types.length + wanted.prefixes.length === 0) this.peersWanting.delete(wanted.node);
          else this.peersWanting.set(wanted.node, system.clock.monotonic() + wanted.ttlMs);
        }),
      );
    }
  }

  /**
   * The node's cluster transport, minus the workers' event batches while no other node wants
   * events: the workers also relay for this node's own admin stream, and those batches stay on IPC.
   * (The other nodes' interest reaches the workers through the relay, so when one does want
   * events, the batches carry what it asked for.)
   */
  toCluster(transport: Transport, cluster: string): Transport {
    const batches = subjectFor(cluster, ClusterEventsRelayed.type);
    return {
      publish: (subject, frame) => (subject === batches && !this.isWantedByPeers() ? undefined : transport.publish(subject, frame)),
      subscribe: (subject, onFrame) => transport.subscribe(subject, onFrame),
      close: () => transport.close(),
    };
  }

  /** Frames through the IPC bridge. */
  get frames(): TransportBridge['stats'] {
    return this.bridge.stats;
  }

  /** Tells the workers the node's probe ownership among the cluster's nodes, now and on every change. */
  followOwnership(ownership: Snapshot<ProbeOwnership>): void {
    this.subscriptions.push(
      ownership.changes$.subscribe((current) => {
        this.ownership = current;
        this.tellOwnership();
      }),
    );
  }

  /**
   * A worker (re)started: its IPC bridge is up now. It is told the node's ownership, and the other
   * nodes' latest verdicts, which their owners restate only when a node joins NATS, not a worker.
   * The verdicts are the very messages the NATS bridge brought in, so that bridge does not send
   * them out again; the workers that already applied them find nothing to change.
   */
  restate(): void {
    this.tellOwnership();
    if (isWanting(this.nodeInterest)) this.tellNodeInterest();
    for (const verdict of this.remoteVerdicts.values()) this.system.bus.publish(verdict);
  }

  /** Stops relaying; call after the system terminated. */
  close(): void {
    this.nodeInterestTimer?.cancel();
    for (const subscription of this.subscriptions) subscription.unsubscribe();
    this.bridge.close();
  }

  private isWantedByPeers(): boolean {
    const now = this.system.clock.monotonic();
    for (const [node, until] of this.peersWanting) {
      if (until >= now) return true;
      this.peersWanting.delete(node);
    }
    return false;
  }

  private followNodeInterest(interest: NodeEventsInterest): void {
    this.nodeInterest = interest;
    this.nodeInterestTimer?.cancel();
    this.nodeInterestTimer = isWanting(interest) ? this.system.clock.setInterval(NODE_INTEREST_ANNOUNCE_MS, () => this.tellNodeInterest()) : undefined;
    this.tellNodeInterest();
  }

  /**
   * The workers' relays keep one interest per asking member: the node-scope one is kept under its
   * own name, beside the primary's own cluster-scope one (which the event relay restates, and which
   * NATS also carries), so neither replaces the other.
   */
  private tellNodeInterest(): void {
    const { types, prefixes } = this.nodeInterest;
    this.bridge.sendHere(ClusterEventsWanted.make({ node: `${this.system.node}/node-scope`, types: [...types], prefixes: [...prefixes], ttlMs: NODE_INTEREST_TTL_MS }));
  }

  private tellOwnership(): void {
    const o = this.ownership;
    if (o !== undefined) this.system.bus.publish(NodeProbeOwnership.make({ node: o.self, members: [...o.members], isLinkUp: o.isLinkUp }));
  }
}

function isWanting(interest: NodeEventsInterest): boolean {
  return interest.types.length + interest.prefixes.length > 0;
}

/** A transport that subscribes only to the given subjects, whatever pattern it is asked for (the primary ignores the workers' other chatter). */
function onlySubjects(transport: Transport, subjects: readonly string[]): Transport {
  return {
    publish: (subject, frame) => transport.publish(subject, frame),
    subscribe(_pattern, onFrame) {
      const offs = subjects.map((s) => transport.subscribe(s, onFrame));
      return () => {
        for (const off of offs) off();
      };
    },
    close: () => transport.close(),
  };
}
