// Cluster-wide event streams: a node relays its events over the transport only while some node has a cluster-scope subscriber.
import {
  ClusterEventsInterest,
  ClusterEventsRelayed,
  ClusterEventsWanted,
  ClusterHeartbeat,
  MAX_RELAYED_EVENTS,
  defineActor,
  defineMessage,
  originNodeOf,
  type ActorContext,
  type Cancellable,
  type Message,
  type MessageOf,
  type RelayedEvent,
  toPlainData,
} from '@switchyard/core';
import type { Subscription } from 'rxjs';

export interface EventRelayOptions {
  /** How often buffered events are sent as one batch. Default 50 ms. */
  flushMs?: number;
  /** Events held between flushes; beyond it they are dropped and counted. Default 20,000. */
  maxBufferedEvents?: number;
  /** How often a node restates its own interest while it has cluster-scope clients. Default 2000 ms. */
  announceMs?: number;
  /** How long a relay keeps serving an interest not restated. Default 3 × announceMs. */
  ttlMs?: number;
  /** In a worker process: its slot, stamped on every batch so streams tag events with the worker. */
  worker?: number;
}

const Flush = defineMessage('event-relay.flush', {});
const Announce = defineMessage('event-relay.announce', {});
const Sweep = defineMessage('event-relay.sweep', {});

type In = ClusterEventsInterest | ClusterEventsWanted | MessageOf<typeof Flush> | MessageOf<typeof Announce> | MessageOf<typeof Sweep>;
/** What the event relay accepts. */
export type EventRelayInbox = In;

interface Interest {
  readonly types: readonly string[];
  readonly prefixes: readonly string[];
}

/** Events captured between flushes. Mutable on purpose: the bus callback fills it without a mailbox hop per event. */
class Batch {
  events: RelayedEvent[] = [];
  dropped = 0;
  captured = 0;
}

interface RelayState {
  readonly options: Required<Omit<EventRelayOptions, 'worker'>>;
  readonly worker: number | undefined;
  /** This node's cluster-scope clients' interest (empty: none). */
  readonly local: Interest;
  readonly announcer: Cancellable | undefined;
  /** Peers' interests, with when each lapses (monotonic ms). */
  readonly remote: ReadonlyMap<string, Interest & { readonly expiresAt: number }>;
  /** The union served now, as a key, and its bus subscriptions. */
  readonly servedKey: string;
  readonly subscriptions: readonly Subscription[];
  readonly timers: readonly Cancellable[];
  readonly batch: Batch;
}

/** Types never relayed: the relay's own traffic and the membership chatter every node hears anyway. */
const NEVER_RELAYED = new Set<string>([ClusterEventsRelayed.type, ClusterEventsWanted.type, ClusterEventsInterest.type, ClusterHeartbeat.type]);

/**
 * The subscriber-triggered relay. A node whose event stream has cluster-scope clients says so
 * locally (`cluster.events-interest`); the relay restates that to its peers as
 * `cluster.events-wanted` every `announceMs`. A relay that hears a peer's interest subscribes to
 * those types on its bus and sends what it sees as batches (`cluster.events-relayed`, one message
 * per `flushMs` at most). With no interest anywhere it holds no bus subscription at all, so the
 * proxy builds no per-request events for it and sends nothing: zero NATS messages on the request
 * path. Events that arrived from other nodes are never relayed again.
 */
export const eventRelay = defineActor<RelayState, In, EventRelayOptions>({
  name: 'event-relay',
  init(options, ctx) {
    ctx.subscribeToSelf(ctx.bus.on(ClusterEventsInterest), (m) => m);
    ctx.subscribeToSelf(ctx.bus.on(ClusterEventsWanted), (m) => (m.node === ctx.node ? undefined : m));
    const announceMs = options.announceMs ?? 2000;
    return {
      options: {
        flushMs: options.flushMs ?? 50,
        maxBufferedEvents: options.maxBufferedEvents ?? 20_000,
        announceMs,
        ttlMs: options.ttlMs ?? announceMs * 3,
      },
      worker: options.worker,
      local: { types: [], prefixes: [] },
      announcer: undefined,
      remote: new Map(),
      servedKey: '',
      subscriptions: [],
      timers: [],
      batch: new Batch(),
    };
  },
  receive(state, message, ctx) {
    switch (message.type) {
      case 'cluster.events-interest': {
        const local = { types: [...new Set(message.types)].sort(), prefixes: [...new Set(message.prefixes)].sort() };
        const isWanted = local.types.length + local.prefixes.length > 0;
        state.announcer?.cancel();
        announce(state.options, local, ctx);
        return { ...state, local, announcer: isWanted ? ctx.scheduleRepeat(state.options.announceMs, Announce.make({})) : undefined };
      }
      case 'event-relay.announce':
        if (state.local.types.length + state.local.prefixes.length > 0) announce(state.options, state.local, ctx);
        return;
      case 'cluster.events-wanted': {
        const remote = new Map(state.remote);
        if (message.types.length + message.prefixes.length === 0) remote.delete(message.node);
        else remote.set(message.node, { types: message.types, prefixes: message.prefixes, expiresAt: ctx.clock.monotonic() + message.ttlMs });
        return serve({ ...state, remote }, ctx);
      }
      case 'event-relay.sweep': {
        const now = ctx.clock.monotonic();
        const remote = new Map([...state.remote].filter(([, interest]) => interest.expiresAt >= now));
        return remote.size === state.remote.size ? undefined : serve({ ...state, remote }, ctx);
      }
      case 'event-relay.flush':
        flush(state.batch, state.worker, ctx);
        return;
    }
  },
  stopped(state) {
    for (const subscription of state.subscriptions) subscription.unsubscribe();
  },
});

type Ctx = ActorContext<In>;

function announce(options: RelayState['options'], local: Interest, ctx: Ctx): void {
  ctx.emit(ClusterEventsWanted.make({ node: ctx.node, types: [...local.types], prefixes: [...local.prefixes], ttlMs: options.ttlMs }));
}

/** Brings the bus subscriptions (and the flush and sweep timers) in line with the union of the peers' interests. */
function serve(state: RelayState, ctx: Ctx): RelayState {
  const types = new Set<string>();
  const prefixes = new Set<string>();
  for (const interest of state.remote.values()) {
    for (const t of interest.types) types.add(t);
    for (const p of interest.prefixes) prefixes.add(p);
  }
  // Each event must be captured once: drop a prefix inside a shorter one, and a type a prefix covers.
  const wantedPrefixes = [...prefixes].filter((p) => ![...prefixes].some((q) => q !== p && p.startsWith(q))).sort();
  const wantedTypes = [...types].filter((t) => !wantedPrefixes.some((p) => t.startsWith(p))).sort();
  const key = JSON.stringify([wantedTypes, wantedPrefixes]);
  if (key === state.servedKey) return state;
  for (const subscription of state.subscriptions) subscription.unsubscribe();
  for (const timer of state.timers) timer.cancel();
  const batch = state.batch;
  const capture = (message: Message): void => captureInto(batch, message, ctx, state.options.maxBufferedEvents);
  const subscriptions: Subscription[] = [];
  for (const prefix of wantedPrefixes) subscriptions.push(ctx.bus.onPrefix(prefix).subscribe(capture));
  for (const type of wantedTypes) {
    subscriptions.push(ctx.bus.onPrefix(type).subscribe((message) => (message.type === type ? capture(message) : undefined)));
  }
  const timers =
    subscriptions.length === 0
      ? []
      : [ctx.scheduleRepeat(state.options.flushMs, Flush.make({})), ctx.scheduleRepeat(Math.max(100, Math.round(state.options.ttlMs / 4)), Sweep.make({}))];
  if (subscriptions.length === 0) flush(batch, state.worker, ctx);
  return { ...state, servedKey: key, subscriptions, timers };
}

/** Runs inside the publisher's call: cheap, never throws back into the proxy. */
function captureInto(batch: Batch, message: Message, ctx: Ctx, maxBuffered: number): void {
  if (NEVER_RELAYED.has(message.type) || originNodeOf(message) !== undefined) return;
  if (batch.events.length >= maxBuffered) {
    batch.dropped++;
    return;
  }
  try {
    batch.events.push(toRelayedEvent(message, ctx.clock.now()));
    batch.captured++;
  } catch (error) {
    ctx.bus.reportSubscriberFailure(error, message.type);
  }
}

function flush(batch: Batch, worker: number | undefined, ctx: Ctx): void {
  if (batch.events.length === 0 && batch.dropped === 0) return;
  const events = batch.events;
  let dropped = batch.dropped;
  batch.events = [];
  batch.dropped = 0;
  for (let i = 0; i < events.length || dropped > 0; i += MAX_RELAYED_EVENTS) {
    ctx.emit(ClusterEventsRelayed.make({ node: ctx.node, ...(worker === undefined ? {} : { worker }), events: events.slice(i, i + MAX_RELAYED_EVENTS), dropped }));
    dropped = 0;
  }
}


/**
 * An event as plain data, for the wire: `{ type, ts, ...payload }`. `cause` fields holding
 * in-process thrown values are dropped (a string `cause`, such as `conn.closed`'s, is kept, as the
 * /events stream keeps it), errors become `{ name, message, code }`, and objects that are not plain
 * become their class name.
 */
export function toRelayedEvent(message: Message, ts: number): RelayedEvent {
  const event: Record<string, unknown> = { type: message.type, ts };
  for (const key of Object.keys(message)) {
    if (key === 'type' || key === 'ts') continue;
    const raw = (message as unknown as Record<string, unknown>)[key];
    if (key === 'cause' && typeof raw !== 'string') continue;
    const value = toPlainData(raw, 1);
    if (value !== undefined) event[key] = value;
  }
  return event as RelayedEvent;
}

