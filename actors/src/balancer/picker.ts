// The one small interface every balancing algorithm implements, and what it may read of a request.
import type { InflightTable } from './inflight-table.js';

/**
 * A target as a balancing algorithm sees it. The balancer actor builds pickers over the targets
 * that may take traffic now (healthy, not ejected, not draining — or all of them in panic mode),
 * with `weight` already scaled by slow start; the data plane keeps `inflight` current.
 * `inflight` is slot `slot` of the upstream's InflightTable (CountedTarget implements both), so
 * pickers can scan the table instead of the objects; all targets of one picker share one table.
 */
export interface BalancedTarget {
  /** `host:port`, unique within an upstream; what hashing and cookies identify a target by. */
  readonly address: string;
  /** Effective weight (> 0 for every target handed to a picker). */
  readonly weight: number;
  /** Requests in flight to this target right now; maintained by the data plane. */
  readonly inflight: number;
  /** The upstream's in-flight counts; `inflight` is `inflightTable.counts[slot]`. */
  readonly inflightTable: InflightTable;
  readonly slot: number;
  /** Concurrent requests allowed (Infinity when unlimited). */
  readonly maxConnections: number;
}

/**
 * What a picker may read of the request, lazily: most algorithms read nothing, hashing reads
 * one key. Implementations must not allocate unless asked.
 */
export interface PickRequest {
  readonly sourceIp: string;
  readonly host: string;
  readonly path: string;
  /** Path plus `?query` as received (after normalization). */
  readonly uri: string;
  header(lowerName: string): string | undefined;
  cookie(name: string): string | undefined;
  query(name: string): string | undefined;
}

/**
 * Picks one target per request. Pickers are built by the balancer actor once per change (config,
 * health, slow-start step) and read synchronously per request: `pick` must be fast (≤ 100 ns with
 * 100 targets), allocation-free, and never throw.
 */
export interface Picker<T extends BalancedTarget = BalancedTarget> {
  /** The target for this request, or undefined when none can take it (all at maxConnections, or none at all). */
  pick(request: PickRequest): T | undefined;
  /** The next choice after `excluded` targets failed this request (retries); undefined when none is left. */
  pickExcluding(request: PickRequest, excluded: readonly T[]): T | undefined;
  /**
   * sticky-cookie only: the Set-Cookie value to send with the response when the request was not
   * already pinned to `target` by its cookie; undefined otherwise.
   */
  stickyCookie?(request: PickRequest, target: T): string | undefined;
}
