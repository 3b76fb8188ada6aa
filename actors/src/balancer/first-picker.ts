// first: fill targets in config order up to their maxConnections (HAProxy `balance first`).
import type { BalancedTarget, Picker, PickRequest } from './picker.js';
import { canTake, NO_EXCLUSIONS, usableTargets } from './picker-support.js';

/**
 * Every request goes to the first target, in config order, that is below its `maxConnections`;
 * the next target only gets traffic once the ones before it are full. The point is to use as
 * few targets as possible, so the idle ones at the end can be scaled down (or kept cold as
 * spares); it only balances anything when targets have a `maxConnections`. Weights do not
 * matter beyond 0 meaning "never". A pick is O(position of the first target with room).
 */
export class FirstPicker<T extends BalancedTarget> implements Picker<T> {
  private readonly targets: T[];

  constructor(targets: readonly T[]) {
    this.targets = usableTargets(targets);
  }

  pick(_request: PickRequest): T | undefined {
    return this.choose(NO_EXCLUSIONS);
  }

  pickExcluding(_request: PickRequest, excluded: readonly T[]): T | undefined {
    return this.choose(excluded);
  }

  private choose(excluded: readonly T[]): T | undefined {
    const targets = this.targets;
    for (let i = 0; i < targets.length; i++) {
      const target = targets[i] as T;
      if (canTake(target, excluded)) return target;
    }
    return undefined;
  }
}
