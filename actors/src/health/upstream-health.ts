// One upstream's health: active verdicts, ejections, draining, admin overrides, panic mode, slow start.
import type { UpstreamConfig } from '@switchyard/config';
import type { ActiveHealth, AdminOverride, HealthEvidence, HealthSource, HealthVerdict } from '@switchyard/core';
import { EvidenceRing } from './evidence-ring.js';
import { resolveInitialState, type HealthMemory } from './health-memory.js';
import { OutlierDetector, type OutlierListener } from './outlier-detector.js';
import { formatAddress } from './prober.js';
import { SlowStart, rampFactor } from './slow-start.js';

/** A verdict change, or panic mode entered or left: what the health actor turns into bus events. */
export type HealthChange =
  | {
      readonly kind: 'verdict';
      readonly index: number;
      readonly target: string;
      readonly from: HealthVerdict;
      readonly to: HealthVerdict;
      readonly reason: string;
      readonly source: HealthSource;
      readonly at: number;
    }
  | { readonly kind: 'panic'; readonly isPanicking: boolean; readonly available: number; readonly total: number; readonly at: number };

/** One target as the balancer should see it now. Plain, frozen data. */
export interface TargetHealthView {
  readonly index: number;
  readonly address: string;
  readonly verdict: HealthVerdict;
  /** May take new requests now: verdict, draining, admin, weight and panic combined. */
  readonly mayTakeTraffic: boolean;
  readonly isEjected: boolean;
  readonly isDraining: boolean;
  readonly admin: AdminOverride;
}

/**
 * An immutable picture of one upstream's health, replaced (a new object) whenever anything in it
 * changes, and at each slow-start step while a ramp runs. The balancer builds its picker from
 * `routable` with each configured weight × `weightFactors[index]`.
 */
export interface UpstreamHealthView {
  readonly upstream: string;
  /** Increases with every change of this upstream's health. */
  readonly version: number;
  readonly at: number;
  /** Indices into the upstream's configured targets that may take new requests, in config order. */
  readonly routable: readonly number[];
  readonly isPanicking: boolean;
  readonly available: number;
  readonly total: number;
  readonly targets: readonly TargetHealthView[];
  /** Slow-start factor of every target at `at`, in (0, 1]; 1 when not ramping. */
  readonly weightFactors: readonly number[];
  /** True while a slow-start ramp runs: a newer view will follow at the next ramp step. */
  readonly isRamping: boolean;
  /** The slow-start factor of `index` at any `now` (for a balancer that ticks on its own). */
  weightFactor(index: number, now: number): number;
  /** The passive-health recorder the data plane reports request outcomes to (shared, mutable). */
  readonly outlier: OutlierDetector;
}

export interface UpstreamHealthOptions {
  readonly config: Readonly<UpstreamConfig>;
  /** The clock, read by the outlier detector when a failure is recorded. */
  readonly now: () => number;
  /** Hears ejections as the data plane causes them (the health actor's bridge). */
  readonly outlierListener: OutlierListener;
  /**
   * The same upstream under the previous config: targets whose address stays keep their state.
   * Its outlier detector is retired (records to it become no-ops) once this one carries its state.
   */
  readonly previous?: UpstreamHealth | undefined;
  /** For `initialState: last-known`. */
  readonly memory?: HealthMemory | undefined;
  /** Probes and events kept per target as evidence (default 10 of each). */
  readonly evidenceLimit?: number;
  /**
   * Start every remembered target from `memory`, whatever `initialState` says: for a health
   * actor rebuilt after a crash, where what was known a moment ago beats any assumption.
   */
  readonly preferMemory?: boolean;
}

/** Everything known of one target; mutable, owned by its UpstreamHealth. */
interface TargetRecord {
  readonly index: number;
  readonly address: string;
  readonly host: string;
  readonly port: number;
  readonly isDraining: boolean;
  /** Active and weighted above 0: counted in panic arithmetic and eligible for traffic. */
  readonly isInRotation: boolean;
  active: ActiveHealth;
  activeSince: number;
  activeReason: string;
  admin: AdminOverride;
  adminReason: string;
  verdict: HealthVerdict;
  verdictSince: number;
  verdictReason: string;
  readonly probes: EvidenceRing<Extract<HealthEvidence, { kind: 'probe' }>>;
  readonly events: EvidenceRing<HealthEvidence>;
}

type ProbeEvidence = Extract<HealthEvidence, { kind: 'probe' }>;

const EVIDENCE_RANK: Record<HealthEvidence['kind'], number> = {
  transition: 0,
  ejection: 1,
  'ejection-refused': 1,
  restored: 1,
  probe: 2,
  'passive-failure': 2,
};

/**
 * Combines, per target, the active verdict, passive ejections, draining and admin overrides into
 * one verdict and the set of targets that may take traffic, with panic mode on top: when fewer
 * than `panicThreshold`% of the targets in rotation are available, every target in rotation takes
 * traffic again (fail open, as Envoy and ALB do).
 *
 * Verdict precedence: admin up/down, then an unhealthy active check, then a passive ejection.
 * Draining and weight-0 targets never take new requests and do not count in the panic arithmetic;
 * neither do targets an operator forced down.
 *
 * Methods that change something return the changes for the health actor to publish; they never
 * publish themselves, so the class stays synchronous and testable without a runtime.
 */
export class UpstreamHealth {
  readonly name: string;
  readonly config: Readonly<UpstreamConfig>;
  readonly outlier: OutlierDetector;
  readonly slowStart: SlowStart;
  private readonly records: TargetRecord[];
  private readonly byAddress = new Map<string, number>();
  private readonly initial: HealthChange[] = [];
  private panicking = false;
  private availableCount = 0;
  private totalCount = 0;
  private routableIndices: readonly number[] = [];
  private versionNumber = 1;
  private cachedView: UpstreamHealthView | undefined;

  constructor(options: UpstreamHealthOptions) {
    const { config, previous, memory } = options;
    this.name = config.name;
    this.config = config;
    const limit = Math.max(1, options.evidenceLimit ?? 10);
    const at = options.now();
    const addresses = config.targets.map((t) => formatAddress(t.address.host, t.address.port));
    this.outlier = new OutlierDetector(config.passive, addresses, options.now, options.outlierListener, { previous: previous?.outlier, evidenceLimit: limit });
    previous?.outlier.retire();
    this.slowStart = new SlowStart(config.slowStart, addresses.length);
    const check = config.healthCheck;
    this.records = config.targets.map((target, index): TargetRecord => {
      const address = addresses[index] as string;
      this.byAddress.set(address, index);
      const before = previous?.recordOf(address);
      const record: TargetRecord = {
        index,
        address,
        host: target.address.host,
        port: target.address.port,
        isDraining: target.state === 'draining',
        isInRotation: target.state === 'active' && target.weight > 0,
        active: 'unchecked',
        activeSince: at,
        activeReason: 'no active check',
        admin: before?.admin ?? memory?.recallAdmin(config.name, address)?.override ?? 'none',
        adminReason: before?.adminReason ?? memory?.recallAdmin(config.name, address)?.reason ?? '',
        verdict: 'healthy',
        verdictSince: at,
        verdictReason: '',
        probes: new EvidenceRing<ProbeEvidence>(limit),
        events: new EvidenceRing<HealthEvidence>(limit),
      };
      if (before !== undefined) {
        for (const probe of before.probes.newestFirst().reverse()) record.probes.push(probe);
        for (const event of before.events.newestFirst().reverse()) record.events.push(event);
      }
      if (check !== undefined) {
        if (before !== undefined && before.active !== 'unchecked') {
          record.active = before.active;
          record.activeSince = before.activeSince;
          record.activeReason = before.activeReason;
        } else {
          const remembered = memory?.recall(config.name, address);
          const resolved =
            options.preferMemory === true && remembered !== undefined
              ? { state: remembered.state, reason: `last known state (${remembered.reason})` }
              : resolveInitialState(check.initialState, remembered);
          record.active = resolved.state;
          record.activeReason = resolved.reason;
          if (remembered !== undefined && resolved.state === remembered.state && (options.preferMemory === true || check.initialState === 'last-known')) {
            record.activeSince = remembered.since;
          }
        }
      }
      const decided = this.decide(record);
      record.verdict = decided.verdict;
      record.verdictReason = decided.reason;
      if (before !== undefined && before.verdict === decided.verdict) {
        record.verdictSince = before.verdictSince;
        record.verdictReason = before.verdictReason;
        const rampedAt = previous?.slowStart.rampStartedAt(before.index);
        if (rampedAt !== undefined) this.slowStart.begin(index, rampedAt);
      } else {
        const from = before?.verdict ?? decided.verdict;
        this.initial.push({ kind: 'verdict', index, target: address, from, to: decided.verdict, reason: decided.reason, source: 'initial', at });
        if (decided.verdict !== from) record.events.push({ kind: 'transition', at, from, to: decided.verdict, source: 'initial', reason: decided.reason });
        // A target added to a live upstream ramps up like one that recovers (as Envoy's slow start).
        if (previous !== undefined && decided.verdict === 'healthy') this.slowStart.begin(index, at);
      }
      return record;
    });
    this.computeRouting();
    this.panicking = this.shouldPanic();
    if (previous !== undefined && previous.panicking !== this.panicking) {
      this.initial.push({ kind: 'panic', isPanicking: this.panicking, available: this.availableCount, total: this.totalCount, at });
    } else if (previous === undefined && this.panicking) {
      this.initial.push({ kind: 'panic', isPanicking: true, available: this.availableCount, total: this.totalCount, at });
    }
    this.computeRouting();
  }

  /**
   * What the construction decided: an `initial` verdict for each target new to this upstream (its
   * `from` equals its `to`), a verdict change for a kept target whose inputs changed with the
   * config, and panic mode if it started or changed.
   */
  initialChanges(): readonly HealthChange[] {
    return this.initial;
  }

  get targetCount(): number {
    return this.records.length;
  }

  indexOf(address: string): number | undefined {
    return this.byAddress.get(address);
  }

  addressOf(index: number): string | undefined {
    return this.records[index]?.address;
  }

  /** The probe address of each target, in config order (for the active checker). */
  checkedTargets(): { address: string; host: string; port: number }[] {
    return this.records.map((r) => ({ address: r.address, host: r.host, port: r.port }));
  }

  /** The active verdict of each checked target and since when (to seed a new active checker). */
  activeStates(): Map<string, { state: HealthVerdict; since: number }> {
    const out = new Map<string, { state: HealthVerdict; since: number }>();
    for (const r of this.records) if (r.active !== 'unchecked') out.set(r.address, { state: r.active, since: r.activeSince });
    return out;
  }

  get isPanicking(): boolean {
    return this.panicking;
  }

  get version(): number {
    return this.versionNumber;
  }

  /**
   * Keeps an active probe as evidence. A passing probe also ends a passive ejection at once
   * (Envoy's `successful_active_health_check_uneject_host`): the target proved it serves again,
   * whether or not the active check itself ever saw it fail.
   */
  recordProbe(index: number, probe: { at: number; ok: boolean; latencyMs: number; reason: string }): HealthChange[] {
    const record = this.records[index];
    record?.probes.push({ kind: 'probe', at: probe.at, ok: probe.ok, latencyMs: probe.latencyMs, reason: probe.reason });
    if (record === undefined || !probe.ok || !this.outlier.isEjected(index)) return [];
    this.outlier.unEject(index, probe.at);
    return this.reconcile(record, 'active', 'a passing active check ended the ejection', probe.at);
  }

  /** The active checker decided `state` for `index`. */
  applyActive(index: number, state: HealthVerdict, reason: string, at: number): HealthChange[] {
    const record = this.records[index];
    if (record === undefined || this.config.healthCheck === undefined) return [];
    if (record.active === state) return [];
    record.active = state;
    record.activeSince = at;
    record.activeReason = reason;
    // A target the active check finds healthy again is no longer held out by a passive ejection.
    if (state === 'healthy') this.outlier.unEject(index, at);
    return this.reconcile(record, 'active', reason, at);
  }

  /** The outlier detector ejected `index` (call after its `onEjected`). */
  noteEjected(index: number, reason: string, ejections: number, durationMs: number, at: number): HealthChange[] {
    const record = this.records[index];
    if (record === undefined) return [];
    const untilAt = at + durationMs;
    record.events.push({ kind: 'ejection', at, reason, ejections, untilAt });
    return this.reconcile(record, 'passive', `ejected for ${durationMs} ms (ejection ${ejections}): ${reason}`, at);
  }

  /** The outlier detector ended the ejection of `index`. */
  noteRestored(index: number, at: number): HealthChange[] {
    const record = this.records[index];
    if (record === undefined) return [];
    record.events.push({ kind: 'restored', at });
    return this.reconcile(record, 'passive', 'ejection ended', at);
  }

  /** The outlier detector wanted to eject `index` but the upstream had too many out already. */
  noteEjectionRefused(index: number, reason: string, at: number): void {
    this.records[index]?.events.push({ kind: 'ejection-refused', at, reason });
  }

  /** Sets (or clears, with 'none') an operator override. */
  setAdmin(index: number, override: AdminOverride, reason: string, at: number): HealthChange[] {
    const record = this.records[index];
    if (record === undefined || record.admin === override) return [];
    record.admin = override;
    record.adminReason = reason;
    const why = override === 'none' ? `admin override cleared${reason === '' ? '' : `: ${reason}`}` : `admin: forced ${override}${reason === '' ? '' : `: ${reason}`}`;
    return this.reconcile(record, 'admin', why, at);
  }

  /** Advances slow start; true when a ramp ran at `now` (the view then changes with time). */
  tickRamp(now: number): boolean {
    const wasRamping = this.cachedView?.isRamping ?? false;
    const isRamping = this.slowStart.isRamping(now);
    if (isRamping || wasRamping) this.versionNumber++;
    return isRamping;
  }

  /** The immutable view at `now`; the same object until something changes. */
  view(now: number): UpstreamHealthView {
    const cached = this.cachedView;
    if (cached !== undefined && cached.version === this.versionNumber) return cached;
    const slowStart = this.slowStart;
    const isRamping = slowStart.isRamping(now);
    const routable = new Set(this.routableIndices);
    const targets = this.records.map(
      (r): TargetHealthView =>
        Object.freeze({
          index: r.index,
          address: r.address,
          verdict: r.verdict,
          mayTakeTraffic: routable.has(r.index),
          isEjected: this.outlier.isEjected(r.index),
          isDraining: r.isDraining,
          admin: r.admin,
        }),
    );
    const rampStarts = this.records.map((r) => slowStart.rampStartedAt(r.index));
    const durationMs = slowStart.durationMs;
    const view: UpstreamHealthView = Object.freeze({
      upstream: this.name,
      version: this.versionNumber,
      at: now,
      routable: this.routableIndices,
      isPanicking: this.panicking,
      available: this.availableCount,
      total: this.totalCount,
      targets: Object.freeze(targets),
      weightFactors: Object.freeze(this.records.map((r) => slowStart.weightFactor(r.index, now))),
      isRamping,
      weightFactor: (index: number, at: number): number => rampFactor(rampStarts[index], durationMs, at),
      outlier: this.outlier,
    });
    this.cachedView = view;
    return view;
  }

  /** Read access for explanations. */
  describeTarget(index: number):
    | {
        address: string;
        verdict: HealthVerdict;
        since: number;
        reason: string;
        active: ActiveHealth;
        admin: AdminOverride;
        isDraining: boolean;
        isInRotation: boolean;
        mayTakeTraffic: boolean;
        evidence: HealthEvidence[];
      }
    | undefined {
    const r = this.records[index];
    if (r === undefined) return undefined;
    return {
      address: r.address,
      verdict: r.verdict,
      since: r.verdictSince,
      reason: r.verdictReason,
      active: r.active,
      admin: r.admin,
      isDraining: r.isDraining,
      isInRotation: r.isInRotation,
      mayTakeTraffic: this.routableIndices.includes(index),
      // Newest first; at the same instant the conclusion (a transition) comes before what led to it.
      evidence: [...r.events.newestFirst(), ...r.probes.newestFirst(), ...this.outlier.failuresOf(index)].sort((a, b) => b.at - a.at || EVIDENCE_RANK[a.kind] - EVIDENCE_RANK[b.kind]),
    };
  }

  get available(): number {
    return this.availableCount;
  }

  get total(): number {
    return this.totalCount;
  }

  /** @internal the record of a target by address, for carrying state over to the next config. */
  recordOf(address: string): Readonly<TargetRecord> | undefined {
    const index = this.byAddress.get(address);
    return index === undefined ? undefined : this.records[index];
  }

  /** The verdict the inputs give now, and the standing reason for it. */
  private decide(r: TargetRecord): { verdict: HealthVerdict; reason: string } {
    if (r.admin === 'up') return { verdict: 'healthy', reason: `admin: forced up${r.adminReason === '' ? '' : `: ${r.adminReason}`}` };
    if (r.admin === 'down') return { verdict: 'unhealthy', reason: `admin: forced down${r.adminReason === '' ? '' : `: ${r.adminReason}`}` };
    if (r.active === 'unhealthy') return { verdict: 'unhealthy', reason: r.activeReason };
    if (this.outlier.isEjected(r.index)) {
      return { verdict: 'unhealthy', reason: `ejected until ${new Date(this.outlier.ejectedUntil(r.index) ?? 0).toISOString()}` };
    }
    return { verdict: 'healthy', reason: r.active === 'healthy' ? r.activeReason : 'no active check; not ejected' };
  }

  /** Recomputes one target's verdict, and panic mode, after one of its inputs changed. */
  private reconcile(record: TargetRecord, source: HealthSource, reason: string, at: number): HealthChange[] {
    const changes: HealthChange[] = [];
    const decided = this.decide(record);
    this.versionNumber++;
    if (decided.verdict !== record.verdict) {
      const from = record.verdict;
      record.verdict = decided.verdict;
      record.verdictSince = at;
      record.verdictReason = reason;
      record.events.push({ kind: 'transition', at, from, to: decided.verdict, source, reason });
      changes.push({ kind: 'verdict', index: record.index, target: record.address, from, to: decided.verdict, reason, source, at });
      if (decided.verdict === 'healthy') this.slowStart.begin(record.index, at);
      else this.slowStart.cancel(record.index);
    }
    this.computeRouting();
    const shouldPanic = this.shouldPanic();
    if (shouldPanic !== this.panicking) {
      this.panicking = shouldPanic;
      this.computeRouting();
      changes.push({ kind: 'panic', isPanicking: shouldPanic, available: this.availableCount, total: this.totalCount, at });
    }
    return changes;
  }

  private isCounted(r: TargetRecord): boolean {
    return r.isInRotation && r.admin !== 'down';
  }

  private computeRouting(): void {
    let available = 0;
    let total = 0;
    const routable: number[] = [];
    for (const r of this.records) {
      if (!this.isCounted(r)) continue;
      total++;
      if (r.verdict === 'healthy') available++;
    }
    for (const r of this.records) {
      if (!this.isCounted(r)) continue;
      if (this.panicking || r.verdict === 'healthy') routable.push(r.index);
    }
    this.availableCount = available;
    this.totalCount = total;
    this.routableIndices = Object.freeze(routable);
  }

  private shouldPanic(): boolean {
    const threshold = this.config.panicThreshold;
    return this.totalCount > 0 && this.availableCount * 100 < threshold * this.totalCount;
  }
}
