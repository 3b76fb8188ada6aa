// Compiles the config's routes into the immutable route table the connection code matches against.
import { routeAction, forwardTargets, type Config, type RouteConfig, type ScriptConfig } from '@switchyard/config';
import { CompiledForwardDynamic } from './dynamic-upstream.js';
import { LocationRewriter } from './location-rewrite.js';
import { compilePathRewrite, type PathRewrite } from './path-rewrite.js';
import { RedirectTemplate } from './redirect-render.js';
import { MatchCache, type RequestFacts } from './request-facts.js';
import { RouteConditions } from './route-conditions.js';
import { SetCookieRewriter } from './set-cookie-rewrite.js';
import { buildStaticResponse, type StaticResponse } from './static-response.js';
import { createWeightedSplit, type UpstreamSplit } from './weighted-split.js';

/** What every compiled route carries, whatever its action. */
export interface CompiledRouteBase {
  readonly name: string;
  readonly priority: number;
  /** Position in the config file's `routes`, the tie-breaker between equal priorities. */
  readonly fileIndex: number;
  /** Listener names the route is limited to; undefined for all listeners. */
  readonly listeners: readonly string[] | undefined;
  /** The compiled `match` block. */
  readonly conditions: RouteConditions;
  readonly preserveHost: boolean;
  /**
   * Client path → the path sent upstream (stripPrefix / replacePrefix, see `PrefixMapping`); the one
   * shared identity function when the route has no stripPrefix. Never returns ''.
   */
  readonly rewritePath: PathRewrite;
  /** Location / Content-Location / Refresh rewriting, or undefined when `rewriteLocation: false`. */
  readonly rewriteLocation: LocationRewriter | undefined;
  /** Set-Cookie Domain/Path rewriting, or undefined when the route has no `rewriteCookie`. */
  readonly rewriteCookie: SetCookieRewriter | undefined;
  /** The route's body limit in bytes; undefined means `server.limits.maxBodySize`. */
  readonly maxBodySize: number | undefined;
  /** Total time budget of one exchange, or undefined for none beyond the upstream timeouts. */
  readonly timeoutMs: number | undefined;
  readonly allowAmbiguousPath: boolean;
}

/** A forward action: the route's upstreams and the weighted split between them. */
export type ForwardAction = UpstreamSplit;

/** A redirect action: its status and `render(facts)` for the Location value. */
export type RedirectAction = RedirectTemplate;

/** A scripted route (reserved): module path and its options, as configured. */
export type ScriptAction = Readonly<ScriptConfig>;

interface NoActions {
  readonly forward?: undefined;
  readonly forwardDynamic?: undefined;
  readonly redirect?: undefined;
  readonly respond?: undefined;
  readonly script?: undefined;
}

/**
 * One route, ready for the hot path. `kind` tells which action field is set; TypeScript narrows on it.
 * Every compiled route object has the same fields in the same order (absent actions are undefined),
 * so reading them stays monomorphic.
 */
export type CompiledRoute = CompiledRouteBase &
  (
    | (Omit<NoActions, 'forward'> & { readonly kind: 'forward'; readonly forward: ForwardAction })
    | (Omit<NoActions, 'forwardDynamic'> & { readonly kind: 'forwardDynamic'; readonly forwardDynamic: CompiledForwardDynamic })
    | (Omit<NoActions, 'redirect'> & { readonly kind: 'redirect'; readonly redirect: RedirectAction })
    | (Omit<NoActions, 'respond'> & { readonly kind: 'respond'; readonly respond: StaticResponse })
    | (Omit<NoActions, 'script'> & { readonly kind: 'script'; readonly script: ScriptAction })
  );

/** Above this many (host × route) entries the per-host index is not built; matching stays correct. */
const MAX_HOST_INDEX_ENTRIES = 1_000_000;

/**
 * The routes one listener can reach, in match order, pre-filtered by host: `byHost` holds, for each
 * exact host name some route names, the routes that can match that host (no host condition, or a
 * host condition accepting it); `otherHosts` holds the routes that can match any other host (no host
 * condition, or a wildcard). Every route still runs its own conditions, so the index only skips routes
 * that cannot match. Without any exact host condition there is no index and no per-request lookup.
 */
class ListenerRoutes {
  readonly byHost: ReadonlyMap<string, readonly CompiledRoute[]> | undefined;
  readonly otherHosts: readonly CompiledRoute[];

  constructor(routes: readonly CompiledRoute[]) {
    const names = new Set<string>();
    for (const r of routes) for (const name of r.conditions.host?.exactNames ?? []) names.add(name);
    if (names.size === 0 || names.size * routes.length > MAX_HOST_INDEX_ENTRIES) {
      this.byHost = undefined;
      this.otherHosts = Object.freeze([...routes]);
      return;
    }
    const byHost = new Map<string, readonly CompiledRoute[]>();
    for (const name of names) {
      byHost.set(name, Object.freeze(routes.filter((r) => r.conditions.host === null || r.conditions.host.matchesHost(name))));
    }
    this.byHost = byHost;
    this.otherHosts = Object.freeze(routes.filter((r) => r.conditions.host === null || r.conditions.host.hasWildcards));
  }

  candidates(host: string): readonly CompiledRoute[] {
    if (this.byHost === undefined) return this.otherHosts;
    return this.byHost.get(host) ?? this.otherHosts;
  }
}

/**
 * The compiled routes of one config: an immutable snapshot the router actor publishes and connection
 * code reads synchronously per request (ARCHITECTURE §2). Only two things in it change per request,
 * both single-threaded by nature: the weighted splits' counters and the table's scratch `MatchCache`.
 */
export class RouteTable {
  /** Every route in match order: priority ascending, ties in file order. */
  readonly routes: readonly CompiledRoute[];
  private readonly byListener: ReadonlyMap<string, ListenerRoutes>;
  /** Routes without `listeners`, for a listener name the config does not know. */
  private readonly unscoped: ListenerRoutes;
  private readonly byName: ReadonlyMap<string, CompiledRoute>;
  private readonly scratch = new MatchCache();

  constructor(routes: readonly CompiledRoute[], listenerNames: readonly string[]) {
    this.routes = Object.freeze([...routes]);
    const byListener = new Map<string, ListenerRoutes>();
    for (const name of listenerNames) {
      byListener.set(name, new ListenerRoutes(routes.filter((r) => r.listeners === undefined || r.listeners.includes(name))));
    }
    this.byListener = byListener;
    this.unscoped = new ListenerRoutes(routes.filter((r) => r.listeners === undefined));
    this.byName = new Map(routes.map((r) => [r.name, r]));
  }

  /**
   * The first route, in priority order, whose listeners include `facts.listener` and whose
   * conditions all hold; undefined when none does (answer 404).
   * Allocation-free unless a reached route has query conditions (the query is then parsed once into
   * `cache`). Pass a `cache` to keep the parsed query for later use (e.g. a hash key); by default the
   * table's own scratch is used.
   */
  match(facts: RequestFacts, cache: MatchCache = this.scratch): CompiledRoute | undefined {
    const list = (this.byListener.get(facts.listener) ?? this.unscoped).candidates(facts.host);
    for (let i = 0; i < list.length; i++) {
      const route = list[i] as CompiledRoute;
      if (route.conditions.matches(facts, cache)) return route;
    }
    return undefined;
  }

  /** The route named `name`, or undefined. */
  route(name: string): CompiledRoute | undefined {
    return this.byName.get(name);
  }
}

function compileRoute(route: Readonly<RouteConfig>, fileIndex: number, listenerPorts: ReadonlyMap<string, number>): CompiledRoute {
  const action = routeAction(route);
  const base = {
    name: route.name,
    priority: route.priority,
    fileIndex,
    listeners: route.listeners === undefined ? undefined : Object.freeze([...route.listeners]),
    conditions: new RouteConditions(route.match),
    preserveHost: route.preserveHost,
    rewritePath: compilePathRewrite(route.stripPrefix, route.replacePrefix),
    rewriteLocation: route.rewriteLocation ? new LocationRewriter(route.stripPrefix, route.replacePrefix) : undefined,
    rewriteCookie:
      route.rewriteCookie !== undefined && (route.rewriteCookie.domain !== undefined || route.rewriteCookie.path !== undefined)
        ? new SetCookieRewriter(route.rewriteCookie)
        : undefined,
    maxBodySize: route.maxBodySize,
    timeoutMs: route.timeout,
    allowAmbiguousPath: route.allowAmbiguousPath,
  };
  // All five action fields are always present, in this order, so every route has one hidden class.
  let compiled: CompiledRoute;
  switch (action.kind) {
    case 'forward': {
      const split = createWeightedSplit(forwardTargets(action.forward).map((t) => ({ name: t.upstream, weight: t.weight })));
      compiled = { ...base, kind: 'forward', forward: split, forwardDynamic: undefined, redirect: undefined, respond: undefined, script: undefined };
      break;
    }
    case 'forwardDynamic':
      compiled = {
        ...base,
        kind: 'forwardDynamic',
        forward: undefined,
        forwardDynamic: new CompiledForwardDynamic(action.forwardDynamic),
        redirect: undefined,
        respond: undefined,
        script: undefined,
      };
      break;
    case 'redirect':
      compiled = {
        ...base,
        kind: 'redirect',
        forward: undefined,
        forwardDynamic: undefined,
        redirect: new RedirectTemplate(action.redirect.status, action.redirect.location, listenerPorts),
        respond: undefined,
        script: undefined,
      };
      break;
    case 'respond':
      compiled = {
        ...base,
        kind: 'respond',
        forward: undefined,
        forwardDynamic: undefined,
        redirect: undefined,
        respond: buildStaticResponse(route.name, action.respond),
        script: undefined,
      };
      break;
    case 'script':
      compiled = {
        ...base,
        kind: 'script',
        forward: undefined,
        forwardDynamic: undefined,
        redirect: undefined,
        respond: undefined,
        script: action.script,
      };
      break;
  }
  return Object.freeze(compiled);
}

/**
 * Compiles the routes of a validated config (from `loadConfig`) into a `RouteTable`: sorted by
 * `priority` ascending with ties in file order, every matcher, RegExp, CIDR mask, weighted split,
 * redirect template, static response and rewriter built here, once, so that `match` and the
 * per-request helpers only read.
 * @throws Error when a route cannot be compiled (e.g. a respond header with a control character);
 *   the router actor then keeps its previous table.
 * @example
 * const table = compileRouteTable(loadConfig(raw));
 * const route = table.match(facts);
 * if (route?.kind === 'forward') upstreamName = route.forward.pick();
 */
export function compileRouteTable(config: Readonly<Config>): RouteTable {
  const listenerPorts = new Map(config.listeners.map((l) => [l.name, l.address.port]));
  const compiled = config.routes.map((r, i) => compileRoute(r, i, listenerPorts));
  compiled.sort((a, b) => a.priority - b.priority || a.fileIndex - b.fileIndex);
  return new RouteTable(
    compiled,
    config.listeners.map((l) => l.name),
  );
}
