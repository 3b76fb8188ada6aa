// Health facts about upstream targets: verdict changes, ejections, panic, probes, and the explanation model.
// Every payload is plain data: these cross nodes in the cluster (one owner node checks, all agree).
import { z } from 'zod';
import { defineMessage, type MessageOf } from './define-message.js';

/** A target's health verdict: may health-wise take traffic, or not. */
export const HealthVerdict = z.enum(['healthy', 'unhealthy']);
export type HealthVerdict = z.infer<typeof HealthVerdict>;

/**
 * What decided a verdict: an active probe series, passive outlier detection on real traffic, the
 * state a target started in (`initial`: then `from` equals `to`), or an operator (`admin`).
 */
export const HealthSource = z.enum(['active', 'passive', 'initial', 'admin']);
export type HealthSource = z.infer<typeof HealthSource>;

/** An operator's override: force up, force down, or none (let the checks decide). */
export const AdminOverride = z.enum(['up', 'down', 'none']);
export type AdminOverride = z.infer<typeof AdminOverride>;

/** What an active check currently says of a target; `unchecked` when the upstream has no active check. */
export const ActiveHealth = z.enum(['healthy', 'unhealthy', 'unchecked']);
export type ActiveHealth = z.infer<typeof ActiveHealth>;

const Epoch = z.number();
const Count = z.number().int().nonnegative();

/** A target's verdict changed. `target` is `host:port` (`[v6]:port`), unique within its upstream. */
export const TargetHealthChanged = defineMessage('target.health-changed', {
  upstream: z.string(),
  target: z.string(),
  from: HealthVerdict,
  to: HealthVerdict,
  /** A sentence a person can act on: "3 consecutive failures: connect ECONNREFUSED", "2 consecutive passes". */
  reason: z.string(),
  source: HealthSource,
  at: Epoch,
});
export type TargetHealthChanged = MessageOf<typeof TargetHealthChanged>;

/** Passive outlier detection took a target out of rotation for `untilMs`. */
export const TargetEjected = defineMessage('target.ejected', {
  upstream: z.string(),
  target: z.string(),
  reason: z.string(),
  /** Ejections of this target so far (the multiplier of the base ejection time). */
  ejections: Count,
  /** How long this ejection lasts, in ms (a duration, not an instant). */
  untilMs: Count,
  at: Epoch,
});
export type TargetEjected = MessageOf<typeof TargetEjected>;

/** An ejection expired: the target is back in rotation as far as passive checks go. */
export const TargetRestored = defineMessage('target.restored', {
  upstream: z.string(),
  target: z.string(),
  at: Epoch,
});
export type TargetRestored = MessageOf<typeof TargetRestored>;

/** An upstream entered (or left) panic mode: too few targets available, so all of them take traffic. */
export const UpstreamPanic = defineMessage('upstream.panic', {
  upstream: z.string(),
  isPanicking: z.boolean(),
  available: Count,
  total: Count,
  at: Epoch,
});
export type UpstreamPanic = MessageOf<typeof UpstreamPanic>;

/** One active probe finished. Published only when someone listens (it is one event per probe). */
export const HealthProbeCompleted = defineMessage('health.probe-completed', {
  upstream: z.string(),
  target: z.string(),
  ok: z.boolean(),
  latencyMs: z.number().nonnegative(),
  reason: z.string(),
  at: Epoch,
});
export type HealthProbeCompleted = MessageOf<typeof HealthProbeCompleted>;

// ---- the explanation model (the reply of `health.explain`) ----

/** One piece of evidence about a target; lists of these are ordered newest first. */
export const HealthEvidence = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('probe'), at: Epoch, ok: z.boolean(), latencyMs: z.number().nonnegative(), reason: z.string() }),
  z.object({
    kind: z.literal('passive-failure'),
    at: Epoch,
    failure: z.enum(['connect', 'status']),
    reason: z.string(),
    /** Failures of this kind in a row, this one included. */
    consecutive: Count,
  }),
  z.object({ kind: z.literal('ejection'), at: Epoch, reason: z.string(), ejections: Count, untilAt: Epoch }),
  z.object({ kind: z.literal('ejection-refused'), at: Epoch, reason: z.string() }),
  z.object({ kind: z.literal('restored'), at: Epoch }),
  z.object({ kind: z.literal('transition'), at: Epoch, from: HealthVerdict, to: HealthVerdict, source: HealthSource, reason: z.string() }),
]);
export type HealthEvidence = z.infer<typeof HealthEvidence>;

export const TargetHealthExplanation = z.object({
  target: z.string(),
  /** The verdict, and since when (ms since the epoch) it has held. */
  state: HealthVerdict,
  since: Epoch,
  /** Why the verdict is what it is. */
  reason: z.string(),
  /** Whether the balancer may send it new requests now (verdict, ejection, draining, admin and panic combined). */
  mayTakeTraffic: z.boolean(),
  active: ActiveHealth,
  isEjected: z.boolean(),
  ejectedUntil: Epoch.optional(),
  ejections: Count,
  isDraining: z.boolean(),
  admin: AdminOverride,
  /** Slow-start weight factor now, in (0, 1]. */
  weightFactor: z.number(),
  /** The thresholds that decide: "fall after 3 failures, rise after 2 passes", ejection rules. */
  rules: z.array(z.string()),
  evidence: z.array(HealthEvidence),
});
export type TargetHealthExplanation = z.infer<typeof TargetHealthExplanation>;

export const UpstreamHealthExplanation = z.object({
  upstream: z.string(),
  isPanicking: z.boolean(),
  available: Count,
  total: Count,
  panicThresholdPercent: z.number(),
  targets: z.array(TargetHealthExplanation),
});
export type UpstreamHealthExplanation = z.infer<typeof UpstreamHealthExplanation>;

export const HealthExplanation = z.object({
  at: Epoch,
  upstreams: z.array(UpstreamHealthExplanation),
});
export type HealthExplanation = z.infer<typeof HealthExplanation>;

/** Asks why targets are in the state they are in; narrows to one upstream, and one target of it. */
export const ExplainHealth = defineMessage('health.explain', { upstream: z.string().optional(), target: z.string().optional() }, { reply: HealthExplanation });
export type ExplainHealth = MessageOf<typeof ExplainHealth>;

/** Sets or clears an operator override on a target; the reply says whether the target was found. */
export const SetTargetAdmin = defineMessage(
  'health.set-admin',
  { upstream: z.string(), target: z.string(), override: AdminOverride, reason: z.string().optional() },
  { reply: z.boolean() },
);
export type SetTargetAdmin = MessageOf<typeof SetTargetAdmin>;

// ---- shared across a cluster (bridged between nodes) ----

/** The last probe behind a shared verdict: evidence for `health.explain` on the nodes that did not probe. */
export const SharedProbe = z.object({ ok: z.boolean(), latencyMs: z.number().nonnegative(), reason: z.string().max(2000), at: Epoch });
export type SharedProbe = z.infer<typeof SharedProbe>;

/**
 * The active verdict on a target, from the node that owns its probing (rendezvous hashing over the
 * live members): every other node applies it as if its own checker had decided. Sent when the
 * owner's verdict changes (`cause: transition`), and restated for nodes that join (`cause: sync`).
 */
export const HealthVerdictShared = defineMessage('health.verdict-shared', {
  node: z.string().min(1).max(256),
  upstream: z.string().max(256),
  target: z.string().max(300),
  verdict: HealthVerdict,
  reason: z.string().max(2000),
  /** Since when the owner has held this verdict. */
  since: Epoch,
  probe: SharedProbe.optional(),
  cause: z.enum(['transition', 'sync']),
});
export type HealthVerdictShared = MessageOf<typeof HealthVerdictShared>;

/**
 * A passive ejection, shared: one message per ejection (never per request), so the outlier
 * detectors of the other nodes take the target out of rotation too, for the same time.
 */
export const TargetEjectionShared = defineMessage('target.ejection-shared', {
  node: z.string().min(1).max(256),
  upstream: z.string().max(256),
  target: z.string().max(300),
  reason: z.string().max(2000),
  ejections: Count,
  untilMs: Count,
  at: Epoch,
});
export type TargetEjectionShared = MessageOf<typeof TargetEjectionShared>;

/** The health types that cross nodes: pass these (with the cluster's) as a bridge's `types`. */
export const HealthWireTypes = [HealthVerdictShared, TargetEjectionShared] as const;
