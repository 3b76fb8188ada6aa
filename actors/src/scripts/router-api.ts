// The public contract of a scripted routing actor: the request view it reads, the decisions it returns, its context.
import type { ConfigApplied, TargetEjected, TargetHealthChanged, TargetRestored } from '@switchyard/core';

/**
 * What a router sees of one request: read-only, built once per request, with the costly parts
 * (header and cookie maps, query parameters) computed only when the router reads them.
 */
export interface RouterRequest {
  /** The listener name the request arrived on. */
  readonly listener: string;
  /** The method token as received (case-sensitive, RFC 9110 §9.1). */
  readonly method: string;
  /** The normalized path the proxy routes on (dot-segments removed, `//` merged); never the raw target. */
  readonly path: string;
  /** The query after `?`, without it; '' when none. */
  readonly rawQuery: string;
  /** Decoded query parameters (first value per name); built on first read. */
  readonly query: Readonly<Record<string, string>>;
  /** Lower-cased host without port, '' when the request named none. */
  readonly host: string;
  /** The port of the Host / authority, when given. */
  readonly port: number | undefined;
  readonly scheme: 'http' | 'https';
  /** The first value of header `name` (any case), or undefined; no map is built. */
  header(name: string): string | undefined;
  /** Every header, lower-cased names, repeated fields joined with ", "; built on first read. */
  readonly headers: Readonly<Record<string, string>>;
  /** The value of cookie `name`, or undefined. */
  cookie(name: string): string | undefined;
  /** Every cookie of the Cookie fields; built on first read. */
  readonly cookies: Readonly<Record<string, string>>;
  /**
   * The client's address as the proxy determined it: the TCP peer, or the address a trusted
   * proxy in front reported (PROXY protocol, or X-Forwarded-For from a trusted peer).
   */
  readonly clientAddress: string;
  /** The TCP peer's address, whatever it reported. */
  readonly peerAddress: string;
  /** TLS details for an https listener; undefined on plain HTTP. */
  readonly tls: RouterTlsInfo | undefined;
  /** The request id the proxy logs and forwards. */
  readonly requestId: string;
}

export interface RouterTlsInfo {
  /** The server name the client sent in SNI, if any. */
  readonly sni: string | undefined;
  /** The protocol ALPN settled on (`http/1.1`), if any. */
  readonly alpn: string | undefined;
}

/** Path and header edits a router may ask for on a forwarded request. */
export interface RequestRewrite {
  /** The path to send upstream (and route on, for `rewrite`); starts with `/`. The query is kept. */
  readonly path?: string;
  /** Header fields to set, replacing any with the same name. Framing, hop-by-hop and Host are refused. */
  readonly setHeaders?: Readonly<Record<string, string>>;
  /** Header fields to remove (any case). */
  readonly removeHeaders?: readonly string[];
}

/** Forward to a configured upstream (its balancer picks the target). */
export interface ForwardToUpstream extends RequestRewrite {
  readonly kind: 'forward';
  readonly upstream: string;
  readonly target?: undefined;
}

/** Forward to one `host:port` (`[v6]:port`) target directly, over a pooled connection. */
export interface ForwardToTarget extends RequestRewrite {
  readonly kind: 'forward';
  readonly target: string;
  /** Default `http`. */
  readonly scheme?: 'http' | 'https';
  readonly upstream?: undefined;
}

export type ForwardDecision = ForwardToUpstream | ForwardToTarget;

/** Spread requests over upstreams by weight (smooth weighted round robin per distinct split). */
export interface SplitDecision extends RequestRewrite {
  readonly kind: 'split';
  readonly split: readonly { readonly upstream: string; readonly weight: number }[];
}

export interface RedirectDecision {
  readonly kind: 'redirect';
  readonly location: string;
  /** Default 302. */
  readonly status?: 301 | 302 | 303 | 307 | 308;
}

export interface RespondDecision {
  readonly kind: 'respond';
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
}

/** Rewrite the request, then hand it to the next route that matches the rewritten request. */
export interface RewriteDecision extends RequestRewrite {
  readonly kind: 'rewrite';
}

/** Not mine: the next route (in priority order) that matches decides. */
export interface NextDecision {
  readonly kind: 'next';
}

/** Everything a router may decide for a request. */
export type RouterDecision = ForwardDecision | SplitDecision | RedirectDecision | RespondDecision | RewriteDecision | NextDecision;

/** The bus events a router can subscribe to, by type. */
export interface RouterEvents {
  'target.health-changed': TargetHealthChanged;
  'target.ejected': TargetEjected;
  'target.restored': TargetRestored;
  'config.applied': ConfigApplied;
}
export type RouterEventType = keyof RouterEvents;
export const ROUTER_EVENT_TYPES: readonly RouterEventType[] = Object.freeze(['target.health-changed', 'target.ejected', 'target.restored', 'config.applied']);

export type RouterLogFields = Readonly<Record<string, unknown>>;

/** Structured logs of a router: published on the bus as `script.logged` when someone listens. */
export interface RouterLogger {
  debug(message: string, fields?: RouterLogFields): void;
  info(message: string, fields?: RouterLogFields): void;
  warn(message: string, fields?: RouterLogFields): void;
  error(message: string, fields?: RouterLogFields): void;
}

/** Plain numbers a router keeps; the runtime reports them in `script.stats`. */
export interface RouterMetrics {
  /** Adds `by` (default 1) to counter `name`. */
  count(name: string, by?: number): void;
  /** Sets gauge `name`. */
  gauge(name: string, value: number): void;
}

/** What a router may use while deciding or reacting to an event. */
export interface RouterContext<S = undefined, O = Readonly<Record<string, unknown>>> {
  /** The route's name in the config. */
  readonly route: string;
  /** The route's `script.options`, as configured (frozen). */
  readonly options: O;
  /** This router's own state: `init`'s value, replaced by assignment; reset when the router restarts. */
  state: S;
  /** Wall-clock milliseconds since the epoch, from the node's clock. */
  now(): number;
  /** Monotonic milliseconds, for durations. */
  monotonic(): number;
  readonly log: RouterLogger;
  readonly metrics: RouterMetrics;
}

/** Handlers for the bus events a router reacts to. */
export type RouterEventHandlers<S, O> = {
  readonly [K in RouterEventType]?: (event: RouterEvents[K], ctx: RouterContext<S, O>) => void;
};

/**
 * A routing actor written by a user. `decide` runs synchronously per request under the route's time
 * budget; `on` handlers run one event at a time in the router's actor. Both may read and replace
 * `ctx.state`, and never run at the same time.
 */
export interface RouterDefinition<S = undefined, O = Readonly<Record<string, unknown>>> {
  /** A name for logs; the file name when absent. */
  readonly name?: string;
  /** Builds the initial state from the options; runs at start and at every restart. */
  init?(options: O): S;
  /** The decision for one request. Must not return a Promise: routing is synchronous. */
  decide(request: RouterRequest, ctx: RouterContext<S, O>): RouterDecision;
  /** Bus events this router reacts to. */
  readonly on?: RouterEventHandlers<S, O>;
}

/**
 * A script's optional self-test, exported as `selfTest`: it runs at every load (after compiling,
 * before the version goes live) and a throw refuses the version.
 * @example
 * export function selfTest(t: RouterSelfTest): void {
 *   assert.equal(t.decide({ headers: { 'x-canary': '1' } }).kind, 'forward');
 * }
 */
export interface RouterSelfTest {
  /** The route's configured options. */
  readonly options: Readonly<Record<string, unknown>>;
  /** Runs the router (a fresh instance per self-test) on a request built from `init`. */
  decide(init?: TestRequestInit): RouterDecision;
  /** Delivers a bus event to the router's handler, as its actor would. */
  emit<K extends RouterEventType>(type: K, event: RouterEvents[K]): void;
}

/** A request for tests: every field optional, with sensible defaults (`GET /`, host `localhost`). */
export interface TestRequestInit {
  listener?: string;
  method?: string;
  /** A path, optionally with `?query`. */
  path?: string;
  query?: string | Readonly<Record<string, string>>;
  host?: string;
  port?: number;
  scheme?: 'http' | 'https';
  headers?: Readonly<Record<string, string | readonly string[]>>;
  cookies?: Readonly<Record<string, string>>;
  clientAddress?: string;
  peerAddress?: string;
  tls?: { sni?: string; alpn?: string };
  requestId?: string;
}

/**
 * Declares a routing actor: an identity function that types the definition (and freezes it).
 * @example
 * export default defineRouter({
 *   init: () => ({ seen: 0 }),
 *   decide(req, ctx) {
 *     ctx.state = { seen: ctx.state.seen + 1 };
 *     return req.header('x-canary') === '1' ? { kind: 'forward', upstream: 'canary' } : { kind: 'next' };
 *   },
 * });
 */
export function defineRouter<S = undefined, O = Readonly<Record<string, unknown>>>(definition: RouterDefinition<S, O>): RouterDefinition<S, O> {
  return Object.freeze({ ...definition });
}
