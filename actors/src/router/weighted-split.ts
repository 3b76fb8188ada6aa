// Splits a route's traffic across upstreams by weight with smooth weighted round robin.
import { SmoothWeightedRoundRobin } from '../balancer/smooth-weighted-round-robin.js';

/** One upstream of a forward action and its share of the route's traffic. */
export interface WeightedUpstream {
  readonly name: string;
  readonly weight: number;
}

/** Picks the upstream for each request of a route. */
export interface UpstreamSplit {
  /** Every configured upstream, weight 0 included, in config order. */
  readonly upstreams: readonly WeightedUpstream[];
  /** The upstream name for the next request. Call it as a method. */
  pick(): string;
}

/** The one-upstream case: no state, no work. */
class SingleUpstream implements UpstreamSplit {
  constructor(
    readonly upstreams: readonly WeightedUpstream[],
    private readonly name: string,
  ) {}

  pick(): string {
    return this.name;
  }
}

/**
 * Smooth weighted round robin, as nginx's upstream module: each pick adds every weight to its
 * running value, takes the largest (the first on ties), and subtracts the total from the winner.
 * It is deterministic and interleaves instead of bursting: weights 5,1,1 give a,a,b,a,c,a,a and
 * then repeat; weights 1,2 give b,a,b.
 */
class SmoothWeightedSplit implements UpstreamSplit {
  private readonly swrr: SmoothWeightedRoundRobin<WeightedUpstream>;

  constructor(
    readonly upstreams: readonly WeightedUpstream[],
    active: readonly WeightedUpstream[],
  ) {
    this.swrr = new SmoothWeightedRoundRobin(active);
  }

  pick(): string {
    return (this.swrr.pick() as WeightedUpstream).name;
  }
}

/**
 * Builds the split for a forward action. Upstreams of weight 0 are listed but never picked; a
 * single upstream of positive weight gets a picker that just returns it.
 * @example
 * const split = createWeightedSplit([{ name: 'stable', weight: 9 }, { name: 'canary', weight: 1 }]);
 * split.pick(); // 'stable' nine times in ten, interleaved
 */
export function createWeightedSplit(upstreams: readonly WeightedUpstream[]): UpstreamSplit {
  const list = Object.freeze(upstreams.map((u) => Object.freeze({ name: u.name, weight: u.weight })));
  const active = list.filter((u) => u.weight > 0);
  if (active.length === 0) throw new Error('a weighted split needs at least one upstream of positive weight');
  if (active.length === 1) return new SingleUpstream(list, (active[0] as WeightedUpstream).name);
  return new SmoothWeightedSplit(list, active);
}
