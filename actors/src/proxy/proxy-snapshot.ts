// What one config version means to the data plane: routes, upstreams with their pickers, and limits.
import type { Config } from '@switchyard/config';
import type { Picker } from '../balancer/picker.js';
import type { RetryBudget } from '../balancer/retry-budget.js';
import type { OutlierDetector } from '../health/outlier-detector.js';
import type { HeadLimits } from '../http/index.js';
import type { RouteTable } from '../router/index.js';
import type { ScriptRoute } from '../scripts/script-route.js';
import type { TargetPool } from './target-pool.js';
import type { TargetRuntime } from './target-runtime.js';

export type { TargetRuntime } from './target-runtime.js';

export interface UpstreamTimeouts {
  readonly connectMs: number;
  readonly responseHeadMs: number;
  readonly idleMs: number;
}

/** One upstream of one config version: targets, the current picker, retry and queue policy. */
export interface UpstreamRuntime {
  readonly name: string;
  readonly scheme: 'http' | 'https';
  readonly targets: readonly TargetRuntime[];
  /** Replaced by the balancer actor when health, draining or slow start change the candidates. */
  picker: Picker<TargetRuntime>;
  /** Passive health: where the data plane reports outcomes; undefined when passive checks are off. */
  outlier: OutlierDetector | undefined;
  readonly timeouts: UpstreamTimeouts;
  /** `scheme://host:port` of every target, for ProxyPassReverse. */
  readonly origins: readonly string[];
  readonly retries: number;
  /** Statuses that make an idempotent request try another target. */
  readonly retryOn: ReadonlySet<number>;
  readonly retryBudget: RetryBudget;
  readonly queueTimeoutMs: number;
  /** Send a PROXY header first: then every client connection gets upstream connections of its own. */
  readonly proxyProtocol: 'v1' | 'v2' | undefined;
  readonly pool: { readonly maxIdle: number; readonly idleTimeoutMs: number };
}

/** Proxy-wide settings, derived once per config version. */
export interface ServerRuntime {
  readonly headLimits: HeadLimits;
  readonly responseHeadLimits: { readonly maxHeadBytes: number; readonly maxHeaderCount: number };
  readonly maxBodyBytes: number;
  readonly headTimeoutMs: number;
  readonly keepAliveIdleMs: number;
  readonly tunnelIdleMs: number;
  /** Lower-case name of the request id field. */
  readonly requestIdHeader: string;
  readonly xForwardedFor: boolean;
  readonly xForwardedProto: boolean;
  readonly xForwardedHost: boolean;
  readonly xRealIp: boolean;
  readonly forwarded: boolean;
  readonly via: boolean;
  readonly maxHops: number;
  /** Whether a peer address is a trusted proxy whose forwarding fields are believed. */
  isTrusted(ip: string): boolean;
  /** Fields the proxy sets itself: a client's Connection option may never remove them. */
  readonly protectedFields: ReadonlySet<string>;
}

/** Resolves chocon-style dynamic upstreams to pools, kept across requests and reloads. */
export interface DynamicPools {
  poolFor(key: string, host: string, port: number, scheme: 'http' | 'https', verify: boolean, ca: string | undefined, timeouts: UpstreamTimeouts): TargetPool;
}

export interface ProxySnapshot {
  readonly version: number;
  /** The validated config this version was built from, and where it came from. */
  readonly config: Readonly<Config>;
  readonly source: string;
  readonly routes: RouteTable;
  readonly upstreams: ReadonlyMap<string, UpstreamRuntime>;
  readonly server: ServerRuntime;
  readonly dynamic: DynamicPools;
  /** The live router of each script route, by route name (its instance swaps on hot reload). */
  readonly scripts: ReadonlyMap<string, ScriptRoute>;
}
