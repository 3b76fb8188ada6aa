// The node's health actor: one UpstreamHealth per upstream, its active checker, ejections, views, explain.
import type { HealthCheckConfig, UpstreamConfig } from '@switchyard/config';
import {
  ClusterNodeJoined,
  ExplainHealth,
  HealthProbeCompleted,
  HealthVerdictShared,
  SetTargetAdmin,
  Snapshot,
  TargetEjected,
  TargetEjectionShared,
  TargetHealthChanged,
  TargetRestored,
  UpstreamPanic,
  defineActor,
  defineMessage,
  type ActorContext,
  type ActorRef,
  type Cancellable,
  type MessageOf,
} from '@switchyard/core';
import { z } from 'zod';
import { ownsProbe, type ProbeOwnership } from '../cluster/probe-ownership.js';
import { ActiveCheckReport, activeChecker, type ActiveCheckerInbox } from './active-checker.actor.js';
import { createProber } from './create-prober.js';
import { explainHealth } from './health-explanation.js';
import type { HealthMemory } from './health-memory.js';
import type { OutlierListener } from './outlier-detector.js';
import type { RandomSource } from './probe-schedule.js';
import type { Prober } from './prober.js';
import { formatAddress } from './prober.js';
import { rampStepMs } from './slow-start.js';
import { UpstreamHealth, type HealthChange, type UpstreamHealthView } from './upstream-health.js';

/** What the balancer reads: one immutable view per upstream, by upstream name. */
export type HealthViews = ReadonlyMap<string, UpstreamHealthView>;

/** The snapshot the health actor publishes its views into; the node makes one and keeps it. */
export function createHealthViewsSnapshot(): Snapshot<HealthViews> {
  return new Snapshot<HealthViews>('health', new Map());
}

/**
 * Applies a config's upstreams: targets whose address stays keep their verdict, evidence,
 * ejections and ramps; new ones start from `initialState`; removed ones are forgotten. The reply
 * is the views, also published in the snapshot.
 */
export const ConfigureHealth = defineMessage(
  'health.configure',
  { upstreams: z.custom<readonly Readonly<UpstreamConfig>[]>() },
  { reply: z.custom<HealthViews>() },
);
export type ConfigureHealth = MessageOf<typeof ConfigureHealth>;

/** What an outlier detector saw, relayed by its listener (by address: indices change with configs). */
const PassiveObserved = defineMessage('health.passive-observed', {
  upstream: z.string(),
  target: z.string(),
  event: z.enum(['ejected', 'restored', 'refused']),
  reason: z.string(),
  ejections: z.number().int(),
  durationMs: z.number(),
  at: z.number(),
});
type PassiveObserved = MessageOf<typeof PassiveObserved>;
const EjectionExpiry = defineMessage('health.ejection-expiry', { upstream: z.string() });
const RampTick = defineMessage('health.ramp-tick', {});
/** Cluster: probe ownership changed (members came or went, or the link went down or up). */
const OwnershipChanged = defineMessage('health.ownership-changed', { ownership: z.custom<ProbeOwnership>() });
/** Cluster: a node joined; restate the verdicts this node owns, so it starts from them. */
const ShareOwned = defineMessage('health.share-owned', {});

type In =
  | ConfigureHealth
  | ExplainHealth
  | SetTargetAdmin
  | ActiveCheckReport
  | PassiveObserved
  | MessageOf<typeof EjectionExpiry>
  | MessageOf<typeof RampTick>
  | MessageOf<typeof OwnershipChanged>
  | MessageOf<typeof ShareOwned>
  | HealthVerdictShared
  | TargetEjectionShared;
/** What the health actor accepts. */
export type HealthActorInbox = In;

export interface HealthActorArgs {
  /** Where views are published; the balancer follows `views.changes$`. */
  readonly views: Snapshot<HealthViews>;
  /** Kept by the node across reloads and restarts of this actor (last-known states, admin overrides, last config). */
  readonly memory: HealthMemory;
  /** The prober of an upstream's active check; default: the real TCP/HTTP probers on `ctx.clock`. */
  readonly proberFor?: (check: Readonly<HealthCheckConfig>, upstream: string) => Prober;
  /** Jitter source for the checkers; default Math.random. */
  readonly random?: RandomSource;
  /** Probes, events and passive failures kept per target (default 10 each). */
  readonly evidenceLimit?: number;
  /**
   * In a cluster: who probes what. This node probes only the targets it owns, shares its verdicts
   * on them (`health.verdict-shared`) and its passive ejections (`target.ejection-shared`), and
   * applies those of its peers. Absent: a node alone, probing everything.
   */
  readonly ownership?: Snapshot<ProbeOwnership>;
}

interface UpstreamEntry {
  health: UpstreamHealth;
  checker: ActorRef<ActiveCheckerInbox> | undefined;
  /** Identifies the checker's inputs: an unchanged key keeps the running checker across a reload. */
  checkerKey: string | undefined;
  generation: number;
  expiry: Cancellable | undefined;
  expiryAt: number | undefined;
}

interface HealthState {
  readonly args: HealthActorArgs;
  readonly entries: Map<string, UpstreamEntry>;
  rampTimer: Cancellable | undefined;
}

let nextGeneration = 1;

/**
 * One per node. For each upstream it keeps an UpstreamHealth (verdicts, ejections, panic, slow
 * start), runs an active checker child when `healthCheck` is set, relays its outlier detector's
 * ejections, publishes the views the balancer builds pickers from, and publishes facts on the bus:
 * `target.health-changed`, `target.ejected`, `target.restored`, `upstream.panic`, and
 * `health.probe-completed` when someone listens. It answers `health.explain` and
 * `health.set-admin`. See ./index.ts for the wiring.
 */
export const healthActor = defineActor<HealthState, In, HealthActorArgs>({
  name: 'health',
  init(args, ctx) {
    const state: HealthState = { args, entries: new Map(), rampTimer: undefined };
    if (args.ownership !== undefined) {
      ctx.subscribeToSelf(args.ownership.changes$, (ownership) => OwnershipChanged.make({ ownership }));
      ctx.subscribeToSelf(ctx.bus.on(HealthVerdictShared), (m) => (m.node === ctx.node ? undefined : m));
      ctx.subscribeToSelf(ctx.bus.on(TargetEjectionShared), (m) => (m.node === ctx.node ? undefined : m));
      ctx.subscribeToSelf(ctx.bus.on(ClusterNodeJoined), () => ShareOwned.make({}));
    }
    // Restarted by the supervisor: rebuild from what the node remembers, trusting last-known states.
    if (args.memory.upstreams !== undefined) configure(state, args.memory.upstreams, true, ctx);
    return state;
  },
  receive(state, message, ctx) {
    switch (message.type) {
      case 'health.configure':
        configure(state, message.upstreams, false, ctx);
        ctx.reply(ConfigureHealth, state.args.views.current);
        return;
      case 'health.explain':
        ctx.reply(ExplainHealth, explainHealth([...state.entries.values()].map((e) => e.health), ctx.clock.now(), message));
        return;
      case 'health.set-admin':
        return setAdmin(state, message, ctx);
      case 'health-check.probed':
        return onProbed(state, message, ctx);
      case 'health.passive-observed':
        return onPassive(state, message, ctx);
      case 'health.ejection-expiry': {
        const entry = state.entries.get(message.upstream);
        if (entry === undefined) return;
        entry.expiry = undefined;
        entry.expiryAt = undefined;
        // Restorations come back through the listener as messages; the next expiry is set then.
        entry.health.outlier.expire(ctx.clock.now());
        scheduleExpiry(message.upstream, entry, ctx);
        return;
      }
      case 'health.ownership-changed':
        for (const entry of state.entries.values()) ensureChecker(state, entry.health.config, entry, ctx);
        return;
      case 'health.share-owned':
        return shareOwned(state, ctx);
      case 'health.verdict-shared':
        return applySharedVerdict(state, message, ctx);
      case 'target.ejection-shared':
        return applySharedEjection(state, message, ctx);
      case 'health.ramp-tick': {
        state.rampTimer = undefined;
        const now = ctx.clock.now();
        for (const entry of state.entries.values()) entry.health.tickRamp(now);
        publishViews(state, ctx);
        return;
      }
    }
  },
  stopped(state) {
    // The data plane may still hold these detectors: make them inert until the next views arrive.
    for (const entry of state.entries.values()) entry.health.outlier.retire();
  },
});

function configure(state: HealthState, upstreams: readonly Readonly<UpstreamConfig>[], isRestart: boolean, ctx: ActorContext<In>): void {
  const { memory } = state.args;
  const seen = new Set<string>();
  for (const config of upstreams) {
    seen.add(config.name);
    const previous = state.entries.get(config.name);
    const health = new UpstreamHealth({
      config,
      now: () => ctx.clock.now(),
      outlierListener: outlierBridge(ctx.self, config.name, config.targets.map((t) => formatAddress(t.address.host, t.address.port))),
      previous: previous?.health,
      memory,
      evidenceLimit: state.args.evidenceLimit ?? 10,
      preferMemory: isRestart,
    });
    const entry: UpstreamEntry = {
      health,
      checker: previous?.checker,
      checkerKey: previous?.checkerKey,
      generation: previous?.generation ?? 0,
      expiry: previous?.expiry,
      expiryAt: previous?.expiryAt,
    };
    state.entries.set(config.name, entry);
    emitChanges(config.name, health.initialChanges(), ctx);
    ensureChecker(state, config, entry, ctx);
    scheduleExpiry(config.name, entry, ctx);
  }
  for (const [name, entry] of state.entries) {
    if (seen.has(name)) continue;
    entry.health.outlier.retire();
    entry.expiry?.cancel();
    if (entry.checker !== undefined) void ctx.stop(entry.checker);
    state.entries.delete(name);
  }
  memory.upstreams = upstreams;
  memory.retainOnly(upstreams, (u, i) => {
    const t = u.targets[i];
    return t === undefined ? '' : formatAddress(t.address.host, t.address.port);
  });
  publishViews(state, ctx);
}

/** Keeps the running checker when its inputs are unchanged; otherwise replaces it, seeded with today's verdicts. */
function ensureChecker(state: HealthState, config: Readonly<UpstreamConfig>, entry: UpstreamEntry, ctx: ActorContext<In>): void {
  const check = config.healthCheck;
  const targets = entry.health.checkedTargets();
  const ownership = state.args.ownership?.current;
  const owned = ownership === undefined ? undefined : new Set(targets.filter((t) => ownsProbe(ownership, config.name, t.address)).map((t) => t.address));
  // A change of ownership restarts the checker, seeded with today's verdicts (peers' included).
  const key = check === undefined ? undefined : JSON.stringify([check, targets, owned === undefined ? null : [...owned]]);
  if (key !== undefined && key === entry.checkerKey && entry.checker?.isAlive === true) return;
  if (entry.checker !== undefined) void ctx.stop(entry.checker);
  entry.checker = undefined;
  entry.checkerKey = key;
  if (check === undefined || owned?.size === 0) return;
  const generation = nextGeneration++;
  entry.generation = generation;
  const node = ownership === undefined ? undefined : ctx.node;
  const prober = (state.args.proberFor ?? ((c: Readonly<HealthCheckConfig>) => createProber(c, ctx.clock, node)))(check, config.name);
  entry.checker = ctx.spawn(
    activeChecker,
    {
      upstream: config.name,
      check,
      targets,
      probePort: check.port,
      prober,
      initial: entry.health.activeStates(),
      memory: state.args.memory,
      reportTo: ctx.self as ActorRef<ActiveCheckReport>,
      generation,
      owned,
      ...(state.args.random === undefined ? {} : { random: state.args.random }),
    },
    { name: `check-${generation}` },
  );
}

function onProbed(state: HealthState, report: ActiveCheckReport, ctx: ActorContext<In>): void {
  const entry = state.entries.get(report.upstream);
  // A report of a checker already replaced is dropped: its successor speaks for the targets now.
  if (entry === undefined || entry.generation !== report.generation) return;
  const unEjected = entry.health.recordProbe(report.index, report);
  if (unEjected.length > 0) {
    emitChanges(report.upstream, unEjected, ctx);
    publishViews(state, ctx);
  }
  if (ctx.isObserved(HealthProbeCompleted)) {
    ctx.emit(HealthProbeCompleted.make({ upstream: report.upstream, target: report.target, ok: report.ok, latencyMs: report.latencyMs, reason: report.reason, at: report.at }));
  }
  if (report.transition === undefined) return;
  if (state.args.ownership !== undefined) {
    const { upstream, target, ok, latencyMs, reason, at } = report;
    const { to } = report.transition;
    ctx.emit(HealthVerdictShared.make({ node: ctx.node, upstream, target, verdict: to, reason: report.transition.reason, since: at, probe: { ok, latencyMs, reason, at }, cause: 'transition' }));
  }
  emitChanges(report.upstream, entry.health.applyActive(report.index, report.transition.to, report.transition.reason, report.at), ctx);
  publishViews(state, ctx);
}

function onPassive(state: HealthState, message: PassiveObserved, ctx: ActorContext<In>): void {
  const entry = state.entries.get(message.upstream);
  const index = entry?.health.indexOf(message.target);
  if (entry === undefined || index === undefined) return;
  const { upstream, target, at } = message;
  switch (message.event) {
    case 'ejected':
      ctx.emit(TargetEjected.make({ upstream, target, reason: message.reason, ejections: message.ejections, untilMs: message.durationMs, at }));
      if (state.args.ownership !== undefined) {
        ctx.emit(TargetEjectionShared.make({ node: ctx.node, upstream, target, reason: message.reason, ejections: message.ejections, untilMs: message.durationMs, at }));
      }
      emitChanges(upstream, entry.health.noteEjected(index, message.reason, message.ejections, message.durationMs, at), ctx);
      scheduleExpiry(upstream, entry, ctx);
      break;
    case 'restored':
      ctx.emit(TargetRestored.make({ upstream, target, at }));
      emitChanges(upstream, entry.health.noteRestored(index, at), ctx);
      scheduleExpiry(upstream, entry, ctx);
      break;
    case 'refused':
      entry.health.noteEjectionRefused(index, message.reason, at);
      return;
  }
  publishViews(state, ctx);
}

function setAdmin(state: HealthState, message: SetTargetAdmin, ctx: ActorContext<In>): void {
  const entry = state.entries.get(message.upstream);
  const index = entry?.health.indexOf(message.target);
  if (entry === undefined || index === undefined) {
    ctx.reply(SetTargetAdmin, false);
    return;
  }
  const reason = message.reason ?? '';
  state.args.memory.rememberAdmin(message.upstream, message.target, message.override, reason);
  emitChanges(message.upstream, entry.health.setAdmin(index, message.override, reason, ctx.clock.now()), ctx);
  publishViews(state, ctx);
  ctx.reply(SetTargetAdmin, true);
}

/** Turns the detector's synchronous callbacks (possibly on the data plane's stack) into messages to the actor. */
function outlierBridge(self: ActorRef<In>, upstream: string, addresses: readonly string[]): OutlierListener {
  const tell = (index: number, event: PassiveObserved['event'], reason: string, ejections: number, durationMs: number, at: number): void => {
    const target = addresses[index];
    if (target !== undefined) self.tell(PassiveObserved.make({ upstream, target, event, reason, ejections, durationMs, at }));
  };
  return {
    onEjected: (index, reason, ejections, durationMs, at) => tell(index, 'ejected', reason, ejections, durationMs, at),
    onRestored: (index, at) => tell(index, 'restored', '', 0, 0, at),
    onEjectionRefused: (index, reason, at) => tell(index, 'refused', reason, 0, 0, at),
  };
}

/** Keeps one timer per upstream, set for its earliest ejection end. */
function scheduleExpiry(upstream: string, entry: UpstreamEntry, ctx: ActorContext<In>): void {
  const due = entry.health.outlier.nextExpiryAt();
  if (due === entry.expiryAt && entry.expiry !== undefined) return;
  entry.expiry?.cancel();
  entry.expiry = undefined;
  entry.expiryAt = due;
  if (due !== undefined) entry.expiry = ctx.schedule(Math.max(0, due - ctx.clock.now()), EjectionExpiry.make({ upstream }));
}

function emitChanges(upstream: string, changes: readonly HealthChange[], ctx: ActorContext<In>): void {
  for (const change of changes) {
    if (change.kind === 'verdict') {
      const { target, from, to, reason, source, at } = change;
      ctx.emit(TargetHealthChanged.make({ upstream, target, from, to, reason, source, at }));
    } else {
      const { isPanicking, available, total, at } = change;
      ctx.emit(UpstreamPanic.make({ upstream, isPanicking, available, total, at }));
    }
  }
}

/** Replaces the snapshot when any upstream's view changed, and keeps a ramp tick running while one ramps. */
function publishViews(state: HealthState, ctx: ActorContext<In>): void {
  const now = ctx.clock.now();
  const current = state.args.views.current;
  const next = new Map<string, UpstreamHealthView>();
  let isChanged = current.size !== state.entries.size;
  let stepMs: number | undefined;
  for (const [name, entry] of state.entries) {
    const view = entry.health.view(now);
    next.set(name, view);
    if (current.get(name) !== view) isChanged = true;
    if (view.isRamping) stepMs = Math.min(stepMs ?? Infinity, rampStepMs(entry.health.slowStart.durationMs));
  }
  if (isChanged) ctx.publishSnapshot(state.args.views, next);
  if (stepMs !== undefined && state.rampTimer === undefined) state.rampTimer = ctx.schedule(stepMs, RampTick.make({}));
}

/** Restates the active verdicts this node owns (for a node that just joined). */
function shareOwned(state: HealthState, ctx: ActorContext<In>): void {
  const ownership = state.args.ownership?.current;
  if (ownership === undefined) return;
  for (const [upstream, entry] of state.entries) {
    if (entry.health.config.healthCheck === undefined) continue;
    for (const [target, active] of entry.health.activeStates()) {
      if (!ownsProbe(ownership, upstream, target)) continue;
      const reason = entry.health.recordOf(target)?.activeReason ?? '';
      ctx.emit(HealthVerdictShared.make({ node: ctx.node, upstream, target, verdict: active.state, reason, since: active.since, cause: 'sync' }));
    }
  }
}

/** A peer's verdict on a target it probes: applied as if this node's own checker had decided it. */
function applySharedVerdict(state: HealthState, message: HealthVerdictShared, ctx: ActorContext<In>): void {
  const ownership = state.args.ownership?.current;
  const entry = state.entries.get(message.upstream);
  const index = entry?.health.indexOf(message.target);
  if (ownership === undefined || entry === undefined || index === undefined) return;
  // What this node probes itself, it decides itself: a peer's view may be a moment behind.
  if (ownsProbe(ownership, message.upstream, message.target)) return;
  if (message.probe !== undefined) entry.health.recordProbe(index, message.probe);
  if (entry.health.recordOf(message.target)?.active === message.verdict) return;
  const reason = `${message.reason} (probed by ${message.node})`;
  const changes = entry.health.applyActive(index, message.verdict, reason, ctx.clock.now());
  state.args.memory.remember(message.upstream, message.target, { state: message.verdict, since: message.since, reason });
  emitChanges(message.upstream, changes, ctx);
  scheduleExpiry(message.upstream, entry, ctx);
  publishViews(state, ctx);
}

/** A peer ejected a target on its traffic: this node takes it out of rotation for the same time. */
function applySharedEjection(state: HealthState, message: TargetEjectionShared, ctx: ActorContext<In>): void {
  const entry = state.entries.get(message.upstream);
  const index = entry?.health.indexOf(message.target);
  if (entry === undefined || index === undefined) return;
  const now = ctx.clock.now();
  // Measured from receipt: node clocks may differ, the duration is what the peer decided.
  if (!entry.health.outlier.ejectRemote(index, message.ejections, now + message.untilMs, now)) return;
  const reason = `${message.reason} (seen by ${message.node})`;
  emitChanges(message.upstream, entry.health.noteEjected(index, reason, message.ejections, message.untilMs, now), ctx);
  scheduleExpiry(message.upstream, entry, ctx);
  publishViews(state, ctx);
}
