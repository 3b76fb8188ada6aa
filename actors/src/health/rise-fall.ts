// HAProxy rise/fall: consecutive probe results move a target between healthy and unhealthy.
import type { HealthVerdict } from '@switchyard/core';

export interface Thresholds {
  /** Consecutive passes that bring an unhealthy target up (HAProxy `rise`). */
  readonly healthyThreshold: number;
  /** Consecutive failures that take a healthy target down (HAProxy `fall`). */
  readonly unhealthyThreshold: number;
}

/** Where a target stands: its state, and the run of results that goes against it. */
export interface RiseFall {
  readonly state: HealthVerdict;
  /** Consecutive passes while unhealthy (toward rise); 0 while healthy. */
  readonly passes: number;
  /** Consecutive failures while healthy (toward fall); 0 while unhealthy. */
  readonly failures: number;
}

export function startRiseFall(state: HealthVerdict): RiseFall {
  return { state, passes: 0, failures: 0 };
}

/**
 * Applies one probe result. Only a run against the current state counts, and any result in
 * favour of the current state resets that run: a healthy target falls after exactly
 * `unhealthyThreshold` failures in a row, an unhealthy one rises after `healthyThreshold` passes.
 * @example
 * applyResult({ state: 'healthy', passes: 0, failures: 2 }, false, { healthyThreshold: 2, unhealthyThreshold: 3 })
 * // { state: 'unhealthy', passes: 0, failures: 0 }
 */
export function applyResult(current: RiseFall, ok: boolean, thresholds: Thresholds): RiseFall {
  if (current.state === 'healthy') {
    if (ok) return current.failures === 0 ? current : { state: 'healthy', passes: 0, failures: 0 };
    const failures = current.failures + 1;
    return failures >= thresholds.unhealthyThreshold ? { state: 'unhealthy', passes: 0, failures: 0 } : { state: 'healthy', passes: 0, failures };
  }
  if (!ok) return current.passes === 0 ? current : { state: 'unhealthy', passes: 0, failures: 0 };
  const passes = current.passes + 1;
  return passes >= thresholds.healthyThreshold ? { state: 'healthy', passes: 0, failures: 0 } : { state: 'unhealthy', passes, failures: 0 };
}

/** True while a run toward the other state has begun: probes then come at `fastInterval`. */
export function isChanging(current: RiseFall): boolean {
  return current.passes > 0 || current.failures > 0;
}

/** "3 consecutive failures: connect ECONNREFUSED", "2 consecutive passes". */
export function transitionReason(to: HealthVerdict, thresholds: Thresholds, lastReason: string): string {
  if (to === 'healthy') {
    const n = thresholds.healthyThreshold;
    return `${n} consecutive ${n === 1 ? 'pass' : 'passes'}`;
  }
  const n = thresholds.unhealthyThreshold;
  return `${n} consecutive ${n === 1 ? 'failure' : 'failures'}: ${lastReason}`;
}

/** "fall after 3 failures, rise after 2 passes". */
export function describeThresholds(thresholds: Thresholds): string {
  const fall = thresholds.unhealthyThreshold;
  const rise = thresholds.healthyThreshold;
  return `fall after ${fall} ${fall === 1 ? 'failure' : 'failures'}, rise after ${rise} ${rise === 1 ? 'pass' : 'passes'}`;
}
