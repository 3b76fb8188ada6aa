// What one config version means to a tcp, tls or udp listener: its routes, PROXY trust, timeouts.
import { DEFAULT_MAX_FLOWS, type ListenerConfig, type MatchConfig } from '@switchyard/config';
import type { PickRequest } from '../balancer/picker.js';
import { compileProxyAccept, type PreamblePolicy } from '../listener/proxy-preamble.js';
import type { ProxySnapshot } from '../proxy/proxy-snapshot.js';
import { MatchCache, type CompiledRoute, type RequestFacts } from '../router/index.js';

/** A route an L4 listener can take: a forward action. */
export type L4Route = CompiledRoute & { readonly kind: 'forward' };

/** Match keys that only an HTTP request has; a route using one never applies to an L4 listener. */
export const HTTP_ONLY_MATCH_KEYS = ['path', 'pathPrefix', 'pathRegex', 'method', 'headers', 'query'] as const satisfies readonly (keyof MatchConfig)[];

/** `proxyProtocol` of a listener, compiled (the same policy http and https listeners use). */
export type ProxyAcceptPolicy = PreamblePolicy;

/**
 * The facts an L4 connection is routed and balanced on: the listener, the client address (from a
 * trusted PROXY header, else the peer) and, for tls listeners and SNI-peeking tcp listeners, the
 * server name as `host`. It is the router's `RequestFacts` and the balancer's `PickRequest` at
 * once, with every HTTP part empty; one object per connection (or per udp flow).
 */
export class L4Facts implements RequestFacts, PickRequest {
  readonly method = '';
  readonly port = undefined;
  readonly path = '';
  readonly rawQuery = '';
  readonly headers: readonly string[] = [];
  readonly scheme = 'http';
  readonly uri = '';
  host = '';

  constructor(
    readonly listener: string,
    public sourceIp: string,
  ) {}

  header(): string | undefined {
    return undefined;
  }

  cookie(): string | undefined {
    return undefined;
  }

  query(): string | undefined {
    return undefined;
  }
}

/**
 * Compiled once per config version and listener. Only forward routes that name the listener in
 * `listeners` apply to it (routes without `listeners` are HTTP routes); their `host` condition is
 * matched against the TLS server name and `sourceCidr` against the client address.
 */
export class L4Policy {
  readonly routes: readonly L4Route[];
  /** Whether some route has a host condition, so a tcp listener must peek at the ClientHello. */
  readonly needsServerName: boolean;
  readonly proxy: ProxyAcceptPolicy | undefined;
  readonly idleMs: number;
  /** Time for the first bytes of a connection: the ClientHello peek and the TLS handshake. */
  readonly firstBytesMs: number;
  readonly udpFlowIdleMs: number;
  readonly maxFlows: number;
  /** PROXY protocol version each upstream wants sent, by upstream name. */
  private readonly sendProxy: ReadonlyMap<string, 'v1' | 'v2'>;
  private readonly cache = new MatchCache();

  constructor(snapshot: ProxySnapshot, listener: Readonly<ListenerConfig>) {
    const config = snapshot.config;
    this.routes = snapshot.routes.routes.filter((route): route is L4Route => {
      if (route.kind !== 'forward' || route.listeners === undefined || !route.listeners.includes(listener.name)) return false;
      const match = config.routes[route.fileIndex]?.match;
      return match !== undefined && HTTP_ONLY_MATCH_KEYS.every((key) => match[key] === undefined);
    });
    this.needsServerName = this.routes.some((route) => route.conditions.host !== null);
    this.proxy = compileProxyAccept(listener);
    this.idleMs = config.server.timeouts.tcpIdle;
    this.firstBytesMs = config.server.timeouts.requestHead;
    this.udpFlowIdleMs = config.server.timeouts.udpFlowIdle;
    this.maxFlows = listener.maxFlows ?? DEFAULT_MAX_FLOWS;
    this.sendProxy = new Map(config.upstreams.flatMap((u) => (u.proxyProtocol === undefined ? [] : [[u.name, u.proxyProtocol] as const])));
  }

  /** The first route, in priority order, whose conditions hold for `facts`; undefined when none does. */
  match(facts: L4Facts): L4Route | undefined {
    const routes = this.routes;
    for (let i = 0; i < routes.length; i++) {
      const route = routes[i] as L4Route;
      if (route.conditions.matches(facts, this.cache)) return route;
    }
    return undefined;
  }

  /** Whether a peer must (and may) send a PROXY header. */
  isTrusted(ip: string): boolean {
    return this.proxy?.trusted?.has(ip) ?? false;
  }

  proxyVersionFor(upstream: string): 'v1' | 'v2' | undefined {
    return this.sendProxy.get(upstream);
  }
}

const policies = new WeakMap<ProxySnapshot, Map<string, L4Policy>>();

/**
 * The policy of `listener` under `snapshot`, built on first use and kept with the snapshot. Like
 * the guard, settings follow reloads without a rebind: the listener's entry in the snapshot's
 * config wins when it has the same protocol; the actor's own config serves until then.
 */
export function l4PolicyFor(snapshot: ProxySnapshot, listener: Readonly<ListenerConfig>): L4Policy {
  let byName = policies.get(snapshot);
  if (byName === undefined) {
    byName = new Map();
    policies.set(snapshot, byName);
  }
  let policy = byName.get(listener.name);
  if (policy === undefined) {
    const current = snapshot.config.listeners.find((l) => l.name === listener.name);
    policy = new L4Policy(snapshot, current !== undefined && current.protocol === listener.protocol ? current : listener);
    byName.set(listener.name, policy);
  }
  return policy;
}
