// What one config version means to the data plane: routes, upstreams with their pickers, and limits.
import type { Config } from '@switchyard/config';
import type { HeadLimits } from '../http/index.js';
import type { RouteTable } from '../router/index.js';
import type { TargetPool } from './target-pool.js';

/** One target as connection code sees it. */
export interface TargetRuntime {
  readonly upstream: string;
  /** `host:port`, as in the config and the access log. */
  readonly address: string;
  /** The Host value sent when the route does not preserve the client's. */
  readonly hostHeader: string;
  readonly pool: TargetPool;
}

export interface UpstreamTimeouts {
  readonly connectMs: number;
  readonly responseHeadMs: number;
  readonly idleMs: number;
}

/** One upstream: its picker over active targets, and what location rewriting compares against. */
export interface UpstreamRuntime {
  readonly name: string;
  readonly scheme: 'http' | 'https';
  readonly targets: readonly TargetRuntime[];
  pick(): TargetRuntime | undefined;
  readonly timeouts: UpstreamTimeouts;
  /** `scheme://host:port` of every target, for ProxyPassReverse. */
  readonly origins: readonly string[];
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
}
