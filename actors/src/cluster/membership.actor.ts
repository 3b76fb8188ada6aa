// The membership actor: heartbeats through the bus, tracks peers, declares the silent ones gone.
import {
  ClusterHeartbeat,
  ClusterLeaving,
  ClusterMembers,
  ClusterNodeJoined,
  ClusterNodeLeft,
  defineActor,
  defineMessage,
  originNodeOf,
  type ActorContext,
  type MessageOf,
  type Snapshot,
} from '@switchyard/core';
import { applyHeartbeat, applyLeaving, emptyTable, expireSilent, liveNodes, membersView, type MembershipTable } from './membership-table.js';

/** Internal: time to send a heartbeat. */
const Beat = defineMessage('membership.beat', {});
/** Internal: time to look for silent peers. */
const Sweep = defineMessage('membership.sweep', {});

export type MembershipMessage = ClusterHeartbeat | ClusterLeaving | ClusterMembers | MessageOf<typeof Beat> | MessageOf<typeof Sweep>;

export interface MembershipOptions {
  /** How often this node says it is alive. Default 1000 ms. */
  heartbeatMs?: number;
  /** Silence after which a peer is declared gone; more than `heartbeatMs`. Default 3000 ms. */
  timeoutMs?: number;
  /** How often silence is checked, so a peer is declared gone at most this late. Default `timeoutMs / 10`. */
  sweepMs?: number;
  /** Announced in heartbeats: worker processes serving on this node. */
  workers?: number;
  /** Announced in heartbeats: names of the listeners bound on this node. */
  listeners?: readonly string[];
  /** Replaced with the sorted live node names (this one included) whenever they change: read it for `ownerOf`. */
  members?: Snapshot<readonly string[]>;
}

interface MembershipState {
  readonly table: MembershipTable;
  /** This incarnation: peers tell a restarted node from stragglers of the previous one. */
  readonly startedAt: number;
  readonly seq: number;
  readonly heartbeatMs: number;
  readonly timeoutMs: number;
  readonly options: MembershipOptions;
}

/**
 * Cluster membership. Every `heartbeatMs` it emits `cluster.heartbeat` on the local bus; a
 * transport bridge carrying `ClusterWireTypes` takes it to the other nodes and brings theirs back.
 * A peer heard from for the first time becomes `cluster.node-joined` (and gets a heartbeat back at
 * once, so it need not wait a period to learn of this node); one silent for `timeoutMs` becomes
 * `cluster.node-left` with reason `timeout`; one that sends `cluster.leaving` leaves at once.
 * Stopping this actor sends `cluster.leaving`, so a graceful shutdown is seen without a timeout.
 * All timing is on `ctx.clock`.
 * @example
 * const members = new Snapshot<readonly string[]>('cluster.members', [system.node]);
 * const ref = system.spawn(membership, { heartbeatMs: 1000, timeoutMs: 3000, members });
 * const view = await ref.ask(ClusterMembers, {});
 */
export const membership = defineActor<MembershipState, MembershipMessage, MembershipOptions>({
  name: 'membership',
  init(options, ctx) {
    const heartbeatMs = options.heartbeatMs ?? 1000;
    const timeoutMs = options.timeoutMs ?? 3000;
    if (!(heartbeatMs > 0) || !(timeoutMs > heartbeatMs)) {
      throw new RangeError(`membership needs 0 < heartbeatMs < timeoutMs, got heartbeatMs ${heartbeatMs}, timeoutMs ${timeoutMs}`);
    }
    const sweepMs = Math.max(1, options.sweepMs ?? Math.round(timeoutMs / 10));
    // Our own heartbeats come back on the local bus; only other nodes' are worth a mailbox slot.
    ctx.subscribeToSelf(ctx.bus.on(ClusterHeartbeat), (m) => (m.node === ctx.node ? undefined : m));
    ctx.subscribeToSelf(ctx.bus.on(ClusterLeaving), (m) => (m.node === ctx.node ? undefined : m));
    ctx.scheduleRepeat(heartbeatMs, Beat.make({}));
    ctx.scheduleRepeat(sweepMs, Sweep.make({}));
    ctx.self.tell(Beat.make({}));
    const state: MembershipState = { table: emptyTable, startedAt: ctx.clock.now(), seq: 0, heartbeatMs, timeoutMs, options };
    if (options.members !== undefined) ctx.publishSnapshot(options.members, liveNodes(state.table, ctx.node));
    return state;
  },
  receive(state, message, ctx) {
    switch (message.type) {
      case 'membership.beat':
        return beat(state, ctx);
      case 'membership.sweep': {
        const { table, expired } = expireSilent(state.table, ctx.clock.monotonic(), state.timeoutMs);
        if (expired.length === 0) return;
        const at = ctx.clock.now();
        for (const node of expired) ctx.emit(ClusterNodeLeft.make({ node, at, reason: 'timeout' }));
        return changed({ ...state, table }, ctx);
      }
      case 'cluster.heartbeat': {
        if (!isFromItsOwnNode(message)) return;
        const { table, outcome } = applyHeartbeat(state.table, message, now(ctx));
        if (outcome === 'ignored') return;
        const next = { ...state, table };
        if (outcome === 'seen') return next;
        ctx.emit(ClusterNodeJoined.make({ node: message.node, at: ctx.clock.now() }));
        return beat(changed(next, ctx), ctx);
      }
      case 'cluster.leaving': {
        if (!isFromItsOwnNode(message)) return;
        const { table, hasLeft } = applyLeaving(state.table, message);
        if (!hasLeft) return { ...state, table };
        ctx.emit(ClusterNodeLeft.make({ node: message.node, at: ctx.clock.now(), reason: 'leaving' }));
        return changed({ ...state, table }, ctx);
      }
      case 'cluster.members':
        ctx.reply(ClusterMembers, membersView(state.table, selfInfo(state, ctx.node), now(ctx)));
        return;
    }
  },
  stopped(state, ctx) {
    // Runs on stop (and before a restart): peers drop this incarnation now instead of after a timeout.
    ctx.emit(ClusterLeaving.make({ node: ctx.node, startedAt: state.startedAt, at: ctx.clock.now() }));
  },
});

function beat(state: MembershipState, ctx: ActorContext<MembershipMessage>): MembershipState {
  const seq = state.seq + 1;
  const { workers, listeners } = state.options;
  ctx.emit(
    ClusterHeartbeat.make({
      node: ctx.node,
      startedAt: state.startedAt,
      seq,
      ...(workers === undefined ? {} : { workers }),
      ...(listeners === undefined ? {} : { listeners: [...listeners] }),
    }),
  );
  return { ...state, seq };
}

function changed(state: MembershipState, ctx: ActorContext<MembershipMessage>): MembershipState {
  if (state.options.members !== undefined) ctx.publishSnapshot(state.options.members, liveNodes(state.table, ctx.node));
  return state;
}

/** A bridged message must speak for the node that sent it: a frame naming another node is ignored. */
function isFromItsOwnNode(message: ClusterHeartbeat | ClusterLeaving): boolean {
  const origin = originNodeOf(message);
  return origin === undefined || origin === message.node;
}

function now(ctx: ActorContext<MembershipMessage>): { mono: number; wall: number } {
  return { mono: ctx.clock.monotonic(), wall: ctx.clock.now() };
}

function selfInfo(state: MembershipState, node: string): { node: string; startedAt: number; workers?: number; listeners?: readonly string[] } {
  const { workers, listeners } = state.options;
  return { node, startedAt: state.startedAt, ...(workers === undefined ? {} : { workers }), ...(listeners === undefined ? {} : { listeners }) };
}
