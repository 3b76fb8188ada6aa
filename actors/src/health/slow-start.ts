// Slow start: a target that comes back takes a share of its weight that grows linearly to full.

/** The smallest factor handed out, so a ramping target keeps a weight above 0 (pickers need > 0). */
export const MIN_WEIGHT_FACTOR = 0.01;

/**
 * The weight factor `elapsed / duration` of a ramp that began at `startedAt`, within
 * [MIN_WEIGHT_FACTOR, 1]; 1 when there is no ramp (`startedAt` undefined) or `durationMs` is 0.
 * As HAProxy's `slowstart`: from almost nothing to the full weight, linearly.
 */
export function rampFactor(startedAt: number | undefined, durationMs: number, now: number): number {
  if (startedAt === undefined || durationMs <= 0) return 1;
  const elapsed = now - startedAt;
  if (elapsed >= durationMs) return 1;
  return Math.max(MIN_WEIGHT_FACTOR, elapsed / durationMs);
}

/**
 * How often a ramping upstream's picker is worth rebuilding: about 20 steps per ramp, no more
 * often than every 100 ms and no less often than every second.
 */
export function rampStepMs(durationMs: number): number {
  return Math.min(1000, Math.max(100, Math.round(durationMs / 20)));
}

/**
 * The ramps of one upstream's targets, by target index.
 * @example
 * const ramps = new SlowStart(30_000, 3);
 * ramps.begin(1, now);
 * ramps.weightFactor(1, now + 15_000); // 0.5
 */
export class SlowStart {
  private readonly startedAt: Float64Array;
  private ramping = 0;

  constructor(
    readonly durationMs: number,
    readonly targetCount: number,
  ) {
    this.startedAt = new Float64Array(targetCount).fill(Number.NaN);
  }

  get isEnabled(): boolean {
    return this.durationMs > 0;
  }

  /** Starts the ramp of `index` at `at` (a target that just turned healthy); no-op when disabled. */
  begin(index: number, at: number): void {
    if (!this.isEnabled || index < 0 || index >= this.targetCount) return;
    if (Number.isNaN(this.startedAt[index] as number)) this.ramping++;
    this.startedAt[index] = at;
  }

  /** Ends the ramp of `index` at once (it turned unhealthy, or the ramp is over). */
  cancel(index: number): void {
    if (index < 0 || index >= this.targetCount || Number.isNaN(this.startedAt[index] as number)) return;
    this.startedAt[index] = Number.NaN;
    this.ramping--;
  }

  /** When the ramp of `index` began, or undefined when it is not ramping. */
  rampStartedAt(index: number): number | undefined {
    const at = this.startedAt[index];
    return at === undefined || Number.isNaN(at) ? undefined : at;
  }

  /** The factor to multiply the configured weight of `index` by, in (0, 1]. */
  weightFactor(index: number, now: number): number {
    return rampFactor(this.rampStartedAt(index), this.durationMs, now);
  }

  /** Forgets ramps that are over by `now`; true while some target still ramps. */
  isRamping(now: number): boolean {
    if (this.ramping === 0) return false;
    for (let i = 0; i < this.targetCount; i++) {
      const at = this.startedAt[i] as number;
      if (!Number.isNaN(at) && now - at >= this.durationMs) this.cancel(i);
    }
    return this.ramping > 0;
  }

  /** When the last running ramp ends, or undefined when none runs. */
  rampEndsAt(): number | undefined {
    let end: number | undefined;
    for (let i = 0; i < this.targetCount; i++) {
      const at = this.startedAt[i] as number;
      if (!Number.isNaN(at) && (end === undefined || at + this.durationMs > end)) end = at + this.durationMs;
    }
    return end;
  }
}
