// One configured target of one upstream version, as connection code and pickers see it.
import { CountedTarget, type InflightTable } from '../balancer/inflight-table.js';
import type { BalancedTarget } from '../balancer/picker.js';
import type { TargetPool } from './target-pool.js';

export interface TargetRuntimeInit {
  readonly upstream: string;
  readonly address: string;
  readonly hostHeader: string;
  readonly pool: TargetPool;
  readonly configuredWeight: number;
  readonly maxConnections: number;
}

/**
 * `weight` (effective: configured × slow start) is set by the balancer actor before it builds a
 * picker. `inflight` is kept by the data plane (`target.inflight++`/`--`) and lives in slot
 * `index` of the upstream's InflightTable, which pickers scan and follow.
 */
export class TargetRuntime extends CountedTarget implements BalancedTarget {
  readonly upstream: string;
  /** `host:port`, as in the config and the access log. */
  readonly address: string;
  /** The Host value sent when the route does not preserve the client's. */
  readonly hostHeader: string;
  readonly pool: TargetPool;
  /** Position in the upstream's configured targets (what health views and detectors index by). */
  readonly index: number;
  readonly configuredWeight: number;
  weight: number;
  readonly maxConnections: number;

  constructor(table: InflightTable, index: number, init: TargetRuntimeInit) {
    super(table, index);
    this.upstream = init.upstream;
    this.address = init.address;
    this.hostHeader = init.hostHeader;
    this.pool = init.pool;
    this.index = index;
    this.configuredWeight = init.configuredWeight;
    this.weight = init.configuredWeight;
    this.maxConnections = init.maxConnections;
  }
}
