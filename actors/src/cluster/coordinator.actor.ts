// The cluster coordinator: follows membership and the transport's link, and publishes who probes what.
import { ClusterTransportStatus, Snapshot, defineActor, defineMessage, type ActorContext, type MessageOf, type TransportStatusKind } from '@switchyard/core';
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

type In = MessageOf<typeof MembersChanged> | ClusterTransportStatus | MessageOf<typeof GetClusterLink>;
/** What the coordinator accepts. */
export type CoordinatorInbox = In;

export interface CoordinatorArgs {
  /** The membership actor's live member names (this node included, sorted). */
  readonly members: Snapshot<readonly string[]>;
  /** Replaced whenever probe ownership changes; the health actor follows it. */
  readonly ownership: Snapshot<ProbeOwnership>;
}

interface CoordinatorState {
  readonly args: CoordinatorArgs;
  readonly members: readonly string[];
  readonly link: ClusterLinkState;
}

/**
 * Turns membership and link state into probe ownership: with the link up, rendezvous hashing over
 * the live members gives each target one prober; with it down (`disconnected`, `reconnecting`,
 * `closed`), this node owns every target until the link is back and its peers are heard again.
 * @example
 * const ownership = new Snapshot<ProbeOwnership>('cluster.ownership', soloOwnership(system.node));
 * system.spawn(coordinator, { members, ownership });
 */
export const coordinator = defineActor<CoordinatorState, In, CoordinatorArgs>({
  name: 'cluster-coordinator',
  init(args, ctx) {
    ctx.subscribeToSelf(args.members.changes$, (members) => MembersChanged.make({ members }));
    ctx.subscribeToSelf(ctx.bus.on(ClusterTransportStatus), (m) => m);
    const state: CoordinatorState = {
      args,
      members: args.members.current,
      link: { isUp: true, status: 'connected', since: ctx.clock.now(), disconnects: 0 },
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
  const next: ProbeOwnership = { self: ctx.node, members: state.members, isLinkUp: state.link.isUp };
  const isSame = current.self === next.self && current.isLinkUp === next.isLinkUp && current.members.length === next.members.length && current.members.every((m, i) => m === next.members[i]);
  if (!isSame) ctx.publishSnapshot(state.args.ownership, next);
  return state;
}
