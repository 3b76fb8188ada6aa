// first: fill targets in config order up to their maxConnections (HAProxy `balance first`).
import { MinTree, NOT_ELIGIBLE } from './min-tree.js';
import type { BalancedTarget, PickRequest } from './picker.js';
import { IndexedPicker } from './picker-support.js';

/**
 * Every request goes to the first target, in config order, that is below its `maxConnections`;
 * the next target only gets traffic once the ones before it are full. The point is to use as
 * few targets as possible, so the idle ones at the end can be scaled down (or kept cold as
 * spares); it only balances anything when targets have a `maxConnections`. Weights do not
 * matter beyond 0 meaning "never".
 *
 * Why a tree: when most targets are full, the first with room is far down the list, and reading
 * every count before it costs about 1.1 ns per target. A MinTree holds 0 for each target with
 * room and NOT_ELIGIBLE for each full one; it follows the counts through the InflightTable's
 * journal (O(log n) per write since the last pick), and the first target with room is one
 * O(log n) walk. Retries (`excluded` targets) scan in order instead.
 */
export class FirstPicker<T extends BalancedTarget> extends IndexedPicker<T> {
  private readonly hasRoom: MinTree;

  constructor(targets: readonly T[]) {
    super(targets);
    this.hasRoom = new MinTree(this.targets.length);
    this.rebuildIndex();
  }

  pickExcluding(_request: PickRequest, excluded: readonly T[]): T | undefined {
    if (excluded.length !== 0) {
      for (let i = 0; i < this.targets.length; i++) if (this.canTake(i, excluded)) return this.targets[i];
      return undefined;
    }
    this.catchUp();
    const i = this.hasRoom.firstAtMost(0, 0);
    return i < 0 ? undefined : this.targets[i];
  }

  protected override countChanged(i: number): void {
    this.hasRoom.set(i, this.roomAt(i));
  }

  protected override rebuildIndex(): void {
    for (let i = 0; i < this.targets.length; i++) this.hasRoom.setLeaf(i, this.roomAt(i));
    this.hasRoom.recompute();
  }

  /** 0 when candidate i is below its cap, else NOT_ELIGIBLE. */
  private roomAt(i: number): number {
    return this.inflightAt(i) < (this.caps[i] as number) ? 0 : NOT_ELIGIBLE;
  }
}
