// Passive health (outlier detection): failures seen on real traffic eject a target for a while.
import type { PassiveHealthConfig } from '@switchyard/config';
import type { HealthEvidence } from '@switchyard/core';

/**
 * Hears ejections as they happen. Called synchronously from a `record*` call on the data plane's
 * stack, or from `expire`: implementations must be quick and must not throw (the health actor's
 * listener just tells itself a message).
 */
export interface OutlierListener {
  onEjected(index: number, reason: string, ejections: number, durationMs: number, at: number): void;
  onRestored(index: number, at: number): void;
  /** An ejection was due but would have taken more than `maxEjectionPercent` out of rotation. */
  onEjectionRefused(index: number, reason: string, at: number): void;
}

export interface OutlierDetectorOptions {
  /** A detector of the previous config: the state of targets with the same address carries over. */
  readonly previous?: OutlierDetector | undefined;
  /** Passive failures kept per target as evidence (default 10). */
  readonly evidenceLimit?: number;
}

type PassiveFailure = Extract<HealthEvidence, { kind: 'passive-failure' }>;

const KIND_CONNECT = 1;
const KIND_STATUS = 2;
const NOT_EJECTED = 0;

/**
 * Counts consecutive connect failures and 5xx answers per target, and ejects a target whose run
 * reaches `consecutiveConnectFailures` or `consecutive5xx` (0 disables either) for
 * `baseEjectionTime × ejections`, capped at `maxEjectionTime`. It never ejects a target that would
 * take more than `maxEjectionPercent` of the upstream out of rotation at once; such a refusal is
 * reported and kept as evidence, and the run starts over.
 *
 * The data plane calls `record*` per request: they are synchronous and allocate nothing (state
 * lives in typed arrays set up at construction; the reason string is stored by reference).
 * Ejections end when the owner calls `expire` (it schedules that for `nextExpiryAt`), or lazily
 * when a record for an expired target arrives first.
 *
 * The ejection multiplier forgets: a target that stays in rotation as long as its last ejection
 * lasted loses one ejection, and so on. It never grows past the multiplier that reaches
 * `maxEjectionTime`.
 *
 * @example
 * const detector = new OutlierDetector(upstream.passive, ['10.0.0.1:80', '10.0.0.2:80'], clock.now.bind(clock), listener);
 * detector.recordConnectFailure(1, 'ECONNREFUSED');
 * detector.recordStatus(0, 200);
 */
export class OutlierDetector {
  readonly targetCount: number;
  private readonly isEnabled: boolean;
  private readonly connectLimit: number;
  private readonly status5xxLimit: number;
  private readonly baseMs: number;
  private readonly maxMs: number;
  private readonly maxPercent: number;
  private readonly maxMultiplier: number;
  private readonly connectRun: Int32Array;
  private readonly status5xxRun: Int32Array;
  private readonly ejections: Int32Array;
  private readonly ejectedUntilAt: Float64Array;
  private readonly ejectedAt: Float64Array;
  private readonly restoredAt: Float64Array;
  private ejectedNow = 0;
  private isRetired = false;
  // Evidence: a ring of the last `limit` failures per target, flattened (target × limit).
  private readonly limit: number;
  private readonly ringAt: Float64Array;
  private readonly ringKind: Uint8Array;
  private readonly ringStatus: Uint16Array;
  private readonly ringRun: Int32Array;
  private readonly ringReason: string[];
  private readonly ringNext: Int32Array;
  private readonly ringSize: Int32Array;

  constructor(
    config: Readonly<PassiveHealthConfig>,
    readonly addresses: readonly string[],
    private readonly now: () => number,
    private readonly listener: OutlierListener,
    options: OutlierDetectorOptions = {},
  ) {
    const n = addresses.length;
    this.targetCount = n;
    this.isEnabled = config.enabled;
    this.connectLimit = config.consecutiveConnectFailures;
    this.status5xxLimit = config.consecutive5xx;
    this.baseMs = config.baseEjectionTime;
    this.maxMs = Math.max(config.maxEjectionTime, config.baseEjectionTime);
    this.maxPercent = config.maxEjectionPercent;
    this.maxMultiplier = this.baseMs === 0 ? 1 : Math.max(1, Math.ceil(this.maxMs / this.baseMs));
    this.connectRun = new Int32Array(n);
    this.status5xxRun = new Int32Array(n);
    this.ejections = new Int32Array(n);
    this.ejectedUntilAt = new Float64Array(n);
    this.ejectedAt = new Float64Array(n);
    this.restoredAt = new Float64Array(n);
    this.limit = Math.max(1, options.evidenceLimit ?? 10);
    this.ringAt = new Float64Array(n * this.limit);
    this.ringKind = new Uint8Array(n * this.limit);
    this.ringStatus = new Uint16Array(n * this.limit);
    this.ringRun = new Int32Array(n * this.limit);
    this.ringReason = new Array<string>(n * this.limit).fill('');
    this.ringNext = new Int32Array(n);
    this.ringSize = new Int32Array(n);
    if (options.previous !== undefined) this.carryOver(options.previous);
  }

  /** A request to target `index` went well (or at least connected and was not a 5xx). */
  recordSuccess(index: number): void {
    if (this.isRetired || index < 0 || index >= this.targetCount) return;
    if (this.ejectedUntilAt[index] !== NOT_EJECTED) this.restoreIfDue(index, this.now());
    this.connectRun[index] = 0;
    this.status5xxRun[index] = 0;
  }

  /** Connecting to target `index` failed: refused, reset, timed out. `reason` is kept by reference. */
  recordConnectFailure(index: number, reason: string): void {
    if (!this.isEnabled || this.isRetired || index < 0 || index >= this.targetCount) return;
    const at = this.now();
    const isEjected = this.isEjectedAt(index, at);
    const run = (this.connectRun[index] as number) + 1;
    this.connectRun[index] = run;
    this.status5xxRun[index] = 0;
    this.remember(index, at, KIND_CONNECT, 0, run, reason);
    // Failures while ejected (panic mode still routes there) are evidence, never a second ejection.
    if (!isEjected && this.connectLimit > 0 && run >= this.connectLimit) this.tryEject(index, at, KIND_CONNECT, reason);
  }

  /** Target `index` answered with `status`: a 5xx extends the 5xx run, anything else ends both runs. */
  recordStatus(index: number, status: number): void {
    if (this.isRetired || index < 0 || index >= this.targetCount) return;
    if (status < 500 || status > 599 || !this.isEnabled) {
      this.recordSuccess(index);
      return;
    }
    const at = this.now();
    const isEjected = this.isEjectedAt(index, at);
    const run = (this.status5xxRun[index] as number) + 1;
    this.status5xxRun[index] = run;
    this.connectRun[index] = 0;
    this.remember(index, at, KIND_STATUS, status, run, '');
    if (!isEjected && this.status5xxLimit > 0 && run >= this.status5xxLimit) this.tryEject(index, at, KIND_STATUS, '');
  }

  /**
   * Ends the ejection of `index` now, whatever its time left: a passing active check proves the
   * target serves again (Envoy's `successful_active_health_check_uneject_host`).
   */
  unEject(index: number, at: number = this.now()): boolean {
    if (this.ejectedUntilAt[index] === NOT_EJECTED || this.ejectedUntilAt[index] === undefined) return false;
    this.ejectedUntilAt[index] = at;
    return this.restoreIfDue(index, at);
  }

  /**
   * Ejects `index` because a peer node ejected it (cluster-shared passive health), until `untilAt`.
   * No listener call: the caller reports it. Honours `maxEjectionPercent` like a local ejection;
   * an ejection already in force is only ever extended. Returns whether the target is now ejected
   * until `untilAt` (false when refused, disabled, retired, or already ejected at least that long).
   */
  ejectRemote(index: number, ejections: number, untilAt: number, at: number = this.now()): boolean {
    if (!this.isEnabled || this.isRetired || index < 0 || index >= this.targetCount || untilAt <= at) return false;
    const current = this.ejectedUntilAt[index] as number;
    if (current !== NOT_EJECTED) {
      if (current >= untilAt) return false;
      this.ejectedUntilAt[index] = untilAt;
      this.ejections[index] = Math.max(this.ejections[index] as number, Math.min(ejections, this.maxMultiplier));
      return true;
    }
    if ((this.ejectedNow + 1) * 100 > this.maxPercent * this.targetCount) return false;
    this.connectRun[index] = 0;
    this.status5xxRun[index] = 0;
    this.ejections[index] = Math.max(this.ejections[index] as number, Math.min(Math.max(1, ejections), this.maxMultiplier));
    this.ejectedAt[index] = at;
    this.ejectedUntilAt[index] = untilAt;
    this.ejectedNow++;
    return true;
  }

  /** Ends every ejection due by `now`; returns how many ended. */
  expire(now: number = this.now()): number {
    if (this.ejectedNow === 0) return 0;
    let restored = 0;
    for (let i = 0; i < this.targetCount; i++) if (this.ejectedUntilAt[i] !== NOT_EJECTED && this.restoreIfDue(i, now)) restored++;
    return restored;
  }

  /** When the earliest ejection ends, or undefined when none is in force. */
  nextExpiryAt(): number | undefined {
    let next: number | undefined;
    for (let i = 0; i < this.targetCount; i++) {
      const until = this.ejectedUntilAt[i] as number;
      if (until !== NOT_EJECTED && (next === undefined || until < next)) next = until;
    }
    return next;
  }

  isEjected(index: number): boolean {
    return (this.ejectedUntilAt[index] ?? NOT_EJECTED) !== NOT_EJECTED;
  }

  /** When the ejection of `index` ends, or undefined. */
  ejectedUntil(index: number): number | undefined {
    const until = this.ejectedUntilAt[index] ?? NOT_EJECTED;
    return until === NOT_EJECTED ? undefined : until;
  }

  /** The ejection multiplier of `index` (ejections so far, less those forgotten). */
  ejectionCount(index: number): number {
    return this.ejections[index] ?? 0;
  }

  get ejectedCount(): number {
    return this.ejectedNow;
  }

  /** Current runs of `index`: for tests and explanations. */
  runsOf(index: number): { connectFailures: number; status5xx: number } {
    return { connectFailures: this.connectRun[index] ?? 0, status5xx: this.status5xxRun[index] ?? 0 };
  }

  /** The last passive failures of `index`, newest first. Allocates: explain time only. */
  failuresOf(index: number): PassiveFailure[] {
    const out: PassiveFailure[] = [];
    const size = this.ringSize[index] ?? 0;
    const next = this.ringNext[index] ?? 0;
    for (let k = 1; k <= size; k++) {
      const slot = index * this.limit + ((next - k + this.limit) % this.limit);
      const kind = this.ringKind[slot];
      out.push({
        kind: 'passive-failure',
        at: this.ringAt[slot] as number,
        failure: kind === KIND_CONNECT ? 'connect' : 'status',
        reason: kind === KIND_CONNECT ? connectReason(this.ringReason[slot] as string) : `status ${this.ringStatus[slot]}`,
        consecutive: this.ringRun[slot] as number,
      });
    }
    return out;
  }

  /**
   * Stops this detector for good: records become no-ops and no listener call follows. Done to the
   * previous detector when a reload replaces it (in-flight requests may still report to it).
   */
  retire(): void {
    this.isRetired = true;
  }

  get retired(): boolean {
    return this.isRetired;
  }

  private isEjectedAt(index: number, at: number): boolean {
    if (this.ejectedUntilAt[index] === NOT_EJECTED) return false;
    return !this.restoreIfDue(index, at);
  }

  private tryEject(index: number, at: number, kind: number, reason: string): void {
    this.connectRun[index] = 0;
    this.status5xxRun[index] = 0;
    const why = kind === KIND_CONNECT ? `${this.connectLimit} consecutive connect failures: ${connectReason(reason)}` : `${this.status5xxLimit} consecutive 5xx responses`;
    // Strictly "never more than maxEjectionPercent at once": a one-target upstream is never ejected.
    if ((this.ejectedNow + 1) * 100 > this.maxPercent * this.targetCount) {
      this.listener.onEjectionRefused(index, `${why}; not ejected: ${this.ejectedNow} of ${this.targetCount} already ejected (maxEjectionPercent ${this.maxPercent})`, at);
      return;
    }
    const count = Math.min(this.decayed(index, at) + 1, this.maxMultiplier);
    const durationMs = Math.min(this.baseMs * count, this.maxMs);
    this.ejections[index] = count;
    this.ejectedAt[index] = at;
    this.ejectedUntilAt[index] = at + durationMs;
    this.ejectedNow++;
    this.listener.onEjected(index, why, count, durationMs, at);
  }

  /** The multiplier after forgetting: one ejection per span as long as the last ejection, spent in rotation. */
  private decayed(index: number, at: number): number {
    let count = this.ejections[index] as number;
    const restored = this.restoredAt[index] as number;
    if (count === 0 || restored === 0) return count;
    let quiet = at - restored;
    while (count > 0) {
      const span = Math.min(this.baseMs * count, this.maxMs);
      if (span <= 0 || quiet < span) break;
      quiet -= span;
      count--;
    }
    return count;
  }

  private restoreIfDue(index: number, at: number): boolean {
    const until = this.ejectedUntilAt[index] as number;
    if (until === NOT_EJECTED) return true;
    if (at < until) return false;
    this.ejectedUntilAt[index] = NOT_EJECTED;
    this.restoredAt[index] = at;
    // A restored target starts with a clean slate: failures seen while ejected do not count.
    this.connectRun[index] = 0;
    this.status5xxRun[index] = 0;
    this.ejectedNow--;
    if (!this.isRetired) this.listener.onRestored(index, at);
    return true;
  }

  private remember(index: number, at: number, kind: number, status: number, run: number, reason: string): void {
    const next = this.ringNext[index] as number;
    const slot = index * this.limit + next;
    this.ringAt[slot] = at;
    this.ringKind[slot] = kind;
    this.ringStatus[slot] = status;
    this.ringRun[slot] = run;
    this.ringReason[slot] = reason;
    this.ringNext[index] = (next + 1) % this.limit;
    if ((this.ringSize[index] as number) < this.limit) this.ringSize[index] = (this.ringSize[index] as number) + 1;
  }

  private carryOver(previous: OutlierDetector): void {
    const byAddress = new Map<string, number>();
    previous.addresses.forEach((address, i) => byAddress.set(address, i));
    for (let i = 0; i < this.targetCount; i++) {
      const j = byAddress.get(this.addresses[i] as string);
      if (j === undefined) continue;
      this.connectRun[i] = previous.connectRun[j] as number;
      this.status5xxRun[i] = previous.status5xxRun[j] as number;
      this.ejections[i] = Math.min(previous.ejections[j] as number, this.maxMultiplier);
      this.ejectedAt[i] = previous.ejectedAt[j] as number;
      this.restoredAt[i] = previous.restoredAt[j] as number;
      const until = previous.ejectedUntilAt[j] as number;
      this.ejectedUntilAt[i] = until;
      if (until !== NOT_EJECTED) this.ejectedNow++;
      // Evidence, oldest first, so the ring order survives.
      const size = previous.ringSize[j] as number;
      const next = previous.ringNext[j] as number;
      for (let k = size; k >= 1; k--) {
        const slot = j * previous.limit + ((next - k + previous.limit) % previous.limit);
        this.remember(i, previous.ringAt[slot] as number, previous.ringKind[slot] as number, previous.ringStatus[slot] as number, previous.ringRun[slot] as number, previous.ringReason[slot] as string);
      }
    }
  }
}

function connectReason(reason: string): string {
  return reason === '' ? 'connect failed' : reason.startsWith('connect ') ? reason : `connect ${reason}`;
}
