// The active checker: one actor per upstream that probes each target on clock timers and applies rise/fall.
import type { HealthCheckConfig } from '@switchyard/config';
import {
  HealthProbeCompleted,
  HealthVerdict,
  TargetHealthChanged,
  defineActor,
  defineMessage,
  type ActorContext,
  type ActorRef,
  type Cancellable,
  type MessageOf,
} from '@switchyard/core';
import { z } from 'zod';
import { resolveInitialState, type HealthMemory } from './health-memory.js';
import { firstProbeDelayMs, nextProbeDelayMs, type RandomSource } from './probe-schedule.js';
import { timeoutReason, type ProbeResult, type ProbeTarget, type Prober } from './prober.js';
import { applyResult, isChanging, startRiseFall, transitionReason, type RiseFall } from './rise-fall.js';

/** A target as the checker knows it: its label and the address traffic goes to. */
export interface CheckedTarget {
  /** `host:port`, the target's identity in events. */
  readonly address: string;
  readonly host: string;
  readonly port: number;
}

export interface ActiveCheckerArgs {
  readonly upstream: string;
  readonly check: Readonly<HealthCheckConfig>;
  /** In the upstream's configured order: report indices are positions in this list. */
  readonly targets: readonly CheckedTarget[];
  /** Probe this port instead of each target's own; defaults to `check.port`. */
  readonly probePort?: number | undefined;
  readonly prober: Prober;
  /**
   * Verdicts to start from, by address (targets kept across a reload). Targets not in it start
   * from `check.initialState`, reading `memory` for `last-known`.
   */
  readonly initial?: ReadonlyMap<string, { readonly state: HealthVerdict; readonly since: number }>;
  /** Where every transition is written, for `last-known` after a reload or restart. */
  readonly memory?: HealthMemory | undefined;
  /**
   * Who hears each probe (`health-check.probed`). When absent the checker publishes
   * `target.health-changed` (and `health.probe-completed` when observed) on the bus itself.
   */
  readonly reportTo?: ActorRef<ActiveCheckReport> | undefined;
  /** Echoed in reports, so the receiver can drop those of a checker it has replaced. */
  readonly generation?: number;
  /** Default Math.random. */
  readonly random?: RandomSource;
  /**
   * In a cluster: the addresses this node owns the probing of. Only those are probed; the others'
   * verdicts come from their owners. Absent: every target is probed.
   */
  readonly owned?: ReadonlySet<string> | undefined;
}

/** One probe's outcome, and the transition it caused, told to `reportTo`. */
export const ActiveCheckReport = defineMessage('health-check.probed', {
  generation: z.number().int(),
  upstream: z.string(),
  index: z.number().int(),
  target: z.string(),
  ok: z.boolean(),
  latencyMs: z.number(),
  reason: z.string(),
  at: z.number(),
  transition: z.object({ from: HealthVerdict, to: HealthVerdict, reason: z.string() }).optional(),
});
export type ActiveCheckReport = MessageOf<typeof ActiveCheckReport>;

const ProbeDue = defineMessage('health-check.probe-due', { index: z.number().int() });
const ProbeDone = defineMessage('health-check.probe-done', { index: z.number().int(), seq: z.number().int(), result: z.custom<ProbeResult>() });
const ProbeDeadline = defineMessage('health-check.probe-deadline', { index: z.number().int(), seq: z.number().int() });
/** Asks for the checker's view of its targets (tests, debugging). */
export const GetActiveStates = defineMessage('health-check.get-states', {}, { reply: z.custom<readonly ActiveTargetState[]>() });
type In = MessageOf<typeof ProbeDue> | MessageOf<typeof ProbeDone> | MessageOf<typeof ProbeDeadline> | MessageOf<typeof GetActiveStates>;
/** What an active checker accepts (its timers and results, and `health-check.get-states`). */
export type ActiveCheckerInbox = In;

/** A snapshot of one target's standing in the checker. */
export interface ActiveTargetState {
  readonly address: string;
  readonly state: HealthVerdict;
  readonly since: number;
  readonly passes: number;
  readonly failures: number;
  readonly isChanging: boolean;
}

/** One target's probing: mutable, owned by the checker alone. */
interface Slot {
  readonly index: number;
  readonly probeTarget: ProbeTarget;
  riseFall: RiseFall;
  since: number;
  /** Increases per probe; a result or deadline for an older probe is ignored. */
  seq: number;
  isProbing: boolean;
  startedAt: number;
  deadline: Cancellable | undefined;
}

interface CheckerState {
  readonly args: ActiveCheckerArgs;
  readonly slots: readonly Slot[];
  readonly random: RandomSource;
  readonly generation: number;
}

/**
 * Probes every target of one upstream. Each target runs its own cycle on `ctx.clock`: a first
 * probe after a short random spread, then one every `interval` (+ jitter), or every `fastInterval`
 * while a run of results against its state has begun. `healthyThreshold` passes in a row bring a
 * target up, `unhealthyThreshold` failures in a row take it down. A probe that outlives `timeout`
 * fails at the checker's own deadline, whatever the prober does.
 *
 * A target that starts failing is therefore down at most
 * `timeout + (unhealthyThreshold − 1) × fastInterval × (1 + jitter)` after its first failed probe
 * began, which is within `interval × unhealthyThreshold + timeout` for any sane configuration.
 */
export const activeChecker = defineActor<CheckerState, In, ActiveCheckerArgs>({
  name: 'active-checker',
  init(args, ctx) {
    const random = args.random ?? Math.random;
    const now = ctx.clock.now();
    const probePort = args.probePort ?? args.check.port;
    const slots = args.targets.map((target, index): Slot => {
      const start = startingState(args, target.address, now);
      if (args.reportTo === undefined && start.announce !== undefined) {
        ctx.emit(
          TargetHealthChanged.make({ upstream: args.upstream, target: target.address, from: start.state, to: start.state, reason: start.announce, source: 'initial', at: now }),
        );
      }
      return {
        index,
        probeTarget: { address: target.address, host: target.host, port: probePort ?? target.port },
        riseFall: startRiseFall(start.state),
        since: start.since,
        seq: 0,
        isProbing: false,
        startedAt: 0,
        deadline: undefined,
      };
    });
    for (const slot of slots) {
      if (args.owned !== undefined && !args.owned.has(slot.probeTarget.address)) continue;
      ctx.schedule(firstProbeDelayMs(args.check, random), ProbeDue.make({ index: slot.index }));
    }
    return { args, slots, random, generation: args.generation ?? 0 };
  },
  receive(state, message, ctx) {
    switch (message.type) {
      case 'health-check.probe-due':
        return startProbe(state, message.index, ctx);
      case 'health-check.probe-done':
        return finishProbe(state, message.index, message.seq, message.result, ctx);
      case 'health-check.probe-deadline': {
        const timeoutMs = state.args.check.timeout;
        return finishProbe(state, message.index, message.seq, { ok: false, latencyMs: timeoutMs, reason: timeoutReason(timeoutMs) }, ctx);
      }
      case 'health-check.get-states':
        ctx.reply(
          GetActiveStates,
          state.slots.map((slot) => ({
            address: slot.probeTarget.address,
            state: slot.riseFall.state,
            since: slot.since,
            passes: slot.riseFall.passes,
            failures: slot.riseFall.failures,
            isChanging: isChanging(slot.riseFall),
          })),
        );
        return;
    }
  },
  stopped(state) {
    // Reload, shutdown, a removed target or upstream: the checker goes, so do its idle probe connections.
    state.args.prober.close?.();
  },
});

function startingState(args: ActiveCheckerArgs, address: string, now: number): { state: HealthVerdict; since: number; announce: string | undefined } {
  const given = args.initial?.get(address);
  if (given !== undefined) return { state: given.state, since: given.since, announce: undefined };
  const resolved = resolveInitialState(args.check.initialState, args.memory?.recall(args.upstream, address));
  return { state: resolved.state, since: now, announce: resolved.reason };
}

function startProbe(state: CheckerState, index: number, ctx: ActorContext<In>): void {
  const slot = state.slots[index];
  if (slot === undefined || slot.isProbing) return;
  const seq = ++slot.seq;
  slot.isProbing = true;
  slot.startedAt = ctx.clock.monotonic();
  const timeoutMs = state.args.check.timeout;
  slot.deadline = ctx.schedule(timeoutMs, ProbeDeadline.make({ index, seq }));
  let work: Promise<ProbeResult>;
  try {
    work = state.args.prober.probe(slot.probeTarget, timeoutMs);
  } catch (error) {
    work = Promise.reject(error);
  }
  ctx.pipeToSelf(
    work,
    (result) => ProbeDone.make({ index, seq, result }),
    (error) => ProbeDone.make({ index, seq, result: { ok: false, latencyMs: 0, reason: `prober failed: ${error instanceof Error ? error.message : String(error)}` } }),
  );
}

function finishProbe(state: CheckerState, index: number, seq: number, result: ProbeResult, ctx: ActorContext<In>): void {
  const slot = state.slots[index];
  if (slot === undefined || !slot.isProbing || slot.seq !== seq) return;
  slot.isProbing = false;
  slot.deadline?.cancel();
  slot.deadline = undefined;
  const { args } = state;
  const at = ctx.clock.now();
  const before = slot.riseFall.state;
  slot.riseFall = applyResult(slot.riseFall, result.ok, args.check);
  const after = slot.riseFall.state;
  let transition: { from: HealthVerdict; to: HealthVerdict; reason: string } | undefined;
  if (after !== before) {
    transition = { from: before, to: after, reason: transitionReason(after, args.check, result.reason) };
    slot.since = at;
    args.memory?.remember(args.upstream, slot.probeTarget.address, { state: after, since: at, reason: transition.reason });
  }
  report(state, slot, result, at, transition, ctx);
  // The cadence counts from the start of the probe, so a slow answer does not stretch the interval.
  const elapsed = ctx.clock.monotonic() - slot.startedAt;
  const wait = nextProbeDelayMs(args.check, isChanging(slot.riseFall), state.random);
  ctx.schedule(Math.max(0, wait - elapsed), ProbeDue.make({ index }));
}

function report(
  state: CheckerState,
  slot: Slot,
  result: ProbeResult,
  at: number,
  transition: { from: HealthVerdict; to: HealthVerdict; reason: string } | undefined,
  ctx: ActorContext<In>,
): void {
  const { args } = state;
  const target = slot.probeTarget.address;
  if (args.reportTo !== undefined) {
    args.reportTo.tell(
      ActiveCheckReport.make({
        generation: state.generation,
        upstream: args.upstream,
        index: slot.index,
        target,
        ok: result.ok,
        latencyMs: result.latencyMs,
        reason: result.reason,
        at,
        ...(transition === undefined ? {} : { transition }),
      }),
    );
    return;
  }
  if (ctx.isObserved(HealthProbeCompleted)) {
    ctx.emit(HealthProbeCompleted.make({ upstream: args.upstream, target, ok: result.ok, latencyMs: result.latencyMs, reason: result.reason, at }));
  }
  if (transition !== undefined) {
    ctx.emit(TargetHealthChanged.make({ upstream: args.upstream, target, ...transition, source: 'active', at }));
  }
}
