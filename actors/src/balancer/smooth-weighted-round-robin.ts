// Smooth weighted round robin (nginx's algorithm): weights honoured, picks interleaved, no bursts.

export interface Weighted {
  readonly weight: number;
}

/**
 * Each pick adds every member's weight to its current score, takes the highest, and subtracts the
 * total from the winner. For weights 5,1,1 the order is a a b a c a a: the heavy member never
 * runs in a long burst, which matters when targets are new or just recovered.
 * Members with weight 0 are never picked. The state is owned by one picker; picks are O(n).
 */
export class SmoothWeightedRoundRobin<T extends Weighted> {
  private readonly members: T[];
  private readonly current: Float64Array;
  private readonly total: number;

  constructor(members: readonly T[]) {
    this.members = members.filter((m) => m.weight > 0);
    this.current = new Float64Array(this.members.length);
    this.total = this.members.reduce((sum, m) => sum + m.weight, 0);
  }

  get size(): number {
    return this.members.length;
  }

  /** The next member, or undefined when none has a positive weight. */
  pick(): T | undefined {
    const members = this.members;
    const n = members.length;
    if (n === 0) return undefined;
    if (n === 1) return members[0];
    const current = this.current;
    let best = 0;
    let bestScore = -Infinity;
    for (let i = 0; i < n; i++) {
      const score = (current[i] as number) + (members[i] as T).weight;
      current[i] = score;
      if (score > bestScore) {
        bestScore = score;
        best = i;
      }
    }
    current[best] = (current[best] as number) - this.total;
    return members[best];
  }
}
