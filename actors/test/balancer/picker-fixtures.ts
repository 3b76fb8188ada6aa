// Targets, load simulation and share counting shared by the picker tests.
import { CountedTarget, InflightTable } from '../../src/balancer/inflight-table.js';
import type { BalancedTarget, Picker, PickRequest } from '../../src/balancer/picker.js';
import { StaticPickRequest } from './static-pick-request.js';

/** A target whose `inflight` the test drives, as the data plane would (through the shared table). */
export class TestTarget extends CountedTarget implements BalancedTarget {
  constructor(
    table: InflightTable,
    slot: number,
    readonly address: string,
    public weight: number,
    public maxConnections: number,
  ) {
    super(table, slot);
  }
}

/**
 * Targets of one upstream named by `names` (address `name:80`), with `weights` (default 1 each) and
 * optional caps, sharing one InflightTable. Set caps before building a picker: it copies them.
 */
export function targets(names: readonly string[], weights: readonly number[] = [], maxConnections: readonly number[] = []): TestTarget[] {
  const table = new InflightTable(names.length);
  return names.map((name, i) => new TestTarget(table, i, `${name}:80`, weights[i] ?? 1, maxConnections[i] ?? Infinity));
}

/** `count` targets t0..t(count-1) with `weightOf(i)`. */
export function numberedTargets(count: number, weightOf: (i: number) => number = () => 1): TestTarget[] {
  return targets(
    Array.from({ length: count }, (_, i) => `t${i}`),
    Array.from({ length: count }, (_, i) => weightOf(i)),
  );
}

/** The name of a target (`a` for `a:80`), or '-' for none, for readable sequences. */
export function nameOf(target: BalancedTarget | undefined): string {
  return target === undefined ? '-' : target.address.replace(/:80$/, '');
}

export const ANY_REQUEST: PickRequest = new StaticPickRequest();

/** Names of `count` picks in a row, inflight untouched. */
export function sequence(picker: Picker<TestTarget>, count: number, request: PickRequest = ANY_REQUEST): string[] {
  return Array.from({ length: count }, () => nameOf(picker.pick(request)));
}

/**
 * Drives `picks` requests through `picker` with `concurrency` of them in flight: each pick adds one
 * to the target's inflight, and once more than `concurrency` are open the oldest completes
 * (equal service times, so a target's share of picks equals its share of inflight: Little's law).
 * `requestFor(k)` supplies the k-th request. Returns each target's share of the picks.
 */
export function simulate(
  picker: Picker<TestTarget>,
  all: readonly TestTarget[],
  picks: number,
  concurrency: number,
  requestFor: (k: number) => PickRequest = () => ANY_REQUEST,
): Map<TestTarget, number> {
  const open: TestTarget[] = [];
  const counts = new Map<TestTarget, number>(all.map((t) => [t, 0]));
  for (let k = 0; k < picks; k++) {
    const target = picker.pick(requestFor(k));
    if (target === undefined) throw new Error(`no target at pick ${k}`);
    target.inflight++;
    open.push(target);
    counts.set(target, (counts.get(target) ?? 0) + 1);
    if (open.length > concurrency) (open.shift() as TestTarget).inflight--;
  }
  for (const target of open) target.inflight--;
  return new Map([...counts].map(([t, c]) => [t, c / picks]));
}

/** Each target's share of the total weight. */
export function weightShares(all: readonly TestTarget[]): Map<TestTarget, number> {
  const total = all.reduce((sum, t) => sum + t.weight, 0);
  return new Map(all.map((t) => [t, t.weight / total]));
}

/** The largest absolute difference between observed and expected shares, and whose it is. */
export function worstShareError(observed: ReadonlyMap<TestTarget, number>, expected: ReadonlyMap<TestTarget, number>): { error: number; target: string } {
  let worst = { error: 0, target: '' };
  for (const [target, share] of expected) {
    const error = Math.abs((observed.get(target) ?? 0) - share);
    if (error > worst.error) worst = { error, target: nameOf(target) };
  }
  return worst;
}
