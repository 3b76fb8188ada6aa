// The cluster coordinator: follows membership and the transport's link, and publishes who probes what.
import { ClusterTransportStatus, NodeProbeOwnership, Snapshot, defineActor, defineMessage, type ActorContext, type MessageOf, type TransportStatusKind } from '@switchyard/core';
import { z } from 'zod';
import type { ProbeOwnership } from './probe-ownership.js';

const MembersChanged = defineMessage('cluster-coordinator.members-changed', { members: z.custom<readonly string[]>() });

/** The link as the coordinator last heard of it. */
export interface ClusterLinkState {
  readonly isUp: boolean;
  /** The last status the transport reported (`connected` until it says otherwise). */
  readonly status: TransportStatusKind;
  /** Epoch ms of that report (of the start, before any). */
  readonly since: number;
  /** Times the link was lost since the node started. */
  readonly disconnects: number;
}

/** Asks the coordinator for the link state. */
export const GetClusterLink = defineMessage('cluster-coordinator.get-link', {}, { reply: z.custom<ClusterLinkState>() });

type In = MessageOf<typeof MembersChanged> | ClusterTransportStatus | NodeProbeOwnership | MessageOf<typeof GetClusterLink>;
/** What the coordinator accepts. */
export type CoordinatorInbox = In;

export interface CoordinatorArgs {
  /** The membership actor's live member names (this node included, sorted). */
  readonly members: Snapshot<readonly string[]>;
  /** Replaced whenever probe ownership changes; the health actor follows it. */
  readonly ownership: Snapshot<ProbeOwnership>;
  /**
   * A worker process of a clustered node: also follow the node's ownership among the cluster's
   * nodes (`cluster.node-ownership`, from the primary), so this worker probes only what its node owns.
   */
  readonly followsNode?: boolean;
}

interface CoordinatorState {
  readonly args: CoordinatorArgs;
  readonly members: readonly string[];
  readonly link: ClusterLinkState;
  /** The node's ownership among the cluster's nodes (workers of a clustered node only; until heard, the node owns everything). */
  readonly node: ProbeOwnership['node'];
}

/**
 * Turns membership and link state into probe ownership: with the link up, rendezvous hashing over
 * the live members gives each target one prober; with it down (`disconnected`, `reconnecting`,
 * `closed`), this node owns every target until the link is back and its peers are heard again.
 * A worker of a clustered node (`followsNode`) adds its node's ownership, as its primary states it.
 * @example
 * const ownership = new Snapshot<ProbeOwnership>('cluster.ownership', soloOwnership(system.node));
 * system.spawn(coordinator, { members, ownership });
 */
export const coordinator = defineActor<CoordinatorState, In, CoordinatorArgs>({
  name: 'cluster-coordinator',
  init(args, ctx) {
    ctx.subscribeToSelf(args.members.changes$, (members) => MembersChanged.make({ members }));
    ctx.subscribeToSelf(ctx.bus.on(ClusterTransportStatus), (m) => m);
    if (args.followsNode === true) ctx.subscribeToSelf(ctx.bus.on(NodeProbeOwnership), (m) => m);
    const state: CoordinatorState = {
      args,
      members: args.members.current,
      link: { isUp: true, status: 'connected', since: ctx.clock.now(), disconnects: 0 },
      node: undefined,
    };
    publish(state, ctx);
    return state;
  },
  receive(state, message, ctx) {
    switch (message.type) {
      case 'cluster-coordinator.members-changed':
        return publish({ ...state, members: message.members }, ctx);
      case 'cluster.transport-status': {
        const isUp = isLinkUp(message.status, state.link.isUp);
        if (message.status === 'error' || message.status === 'reconnecting') {
          if (isUp === state.link.isUp) return;
        }
        const disconnects = state.link.disconnects + (state.link.isUp && !isUp ? 1 : 0);
        return publish({ ...state, link: { isUp, status: message.status, since: message.at, disconnects } }, ctx);
      }
      case 'cluster.node-ownership':
        return publish({ ...state, node: { self: message.node, members: message.members, isLinkUp: message.isLinkUp } }, ctx);
      case 'cluster-coordinator.get-link':
        ctx.reply(GetClusterLink, state.link);
        return;
    }
  },
});

function isLinkUp(status: TransportStatusKind, wasUp: boolean): boolean {
  switch (status) {
    case 'connected':
    case 'reconnected':
      return true;
    case 'disconnected':
    case 'reconnecting':
    case 'closed':
      return false;
    case 'error':
      return wasUp;
  }
}

type Ctx = ActorContext<In>;

function publish(state: CoordinatorState, ctx: Ctx): CoordinatorState {
  const current = state.args.ownership.current;
  const next: ProbeOwnership = { self: ctx.node, members: state.members, isLinkUp: state.link.isUp, ...(state.node === undefined ? {} : { node: state.node }) };
  if (!isSame(current, next)) ctx.publishSnapshot(state.args.ownership, next);
  return state;
}

function isSame(a: ProbeOwnership | undefined, b: ProbeOwnership | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.self === b.self && a.isLinkUp === b.isLinkUp && a.members.length === b.members.length && a.members.every((m, i) => m === b.members[i]) && isSame(a.node, b.node);
}
