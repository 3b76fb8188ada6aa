// Small helpers every picker shares: the empty exclusion list, target filtering, availability.
import type { BalancedTarget } from './picker.js';

/**
 * The exclusion list `pick` passes to a picker's shared choice routine: one frozen empty array,
 * so a plain pick allocates nothing and the `excluded.length !== 0` test stays monomorphic.
 */
export const NO_EXCLUSIONS: readonly never[] = Object.freeze([]);

/**
 * The targets a picker may ever choose: a positive, finite weight. The balancer hands pickers
 * such targets only, but a draining target (weight 0) or a bad scaled weight must never be picked
 * and must not poison weight sums, so each picker filters once at construction.
 */
export function usableTargets<T extends BalancedTarget>(targets: readonly T[]): T[] {
  return targets.filter((t) => t.weight > 0 && Number.isFinite(t.weight));
}

/** Whether `target` can take one more request: below its cap and not excluded by a retry. */
export function canTake<T extends BalancedTarget>(target: T, excluded: readonly T[]): boolean {
  // `includes` runs only on retries; excluded holds 1-3 entries, a linear scan beats a Set.
  return target.inflight < target.maxConnections && (excluded.length === 0 || !excluded.includes(target));
}

/** Whether every target has the same weight, so weighted machinery can be skipped. */
export function hasEqualWeights(targets: readonly BalancedTarget[]): boolean {
  const first = targets[0];
  return first === undefined || targets.every((t) => t.weight === first.weight);
}
