// The data-plane side of one script route: runs the live router under its budget and turns its decision into a verdict.
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { errorInfo, type Bus } from '@switchyard/core';
import { normalizePath } from '../http/index.js';
import { MatchCache, type CompiledRoute, type RequestFacts, type RouteTable } from '../router/index.js';
import { headerNameEquals } from '../router/request-facts.js';
import { buildStaticResponse, type StaticResponse } from '../router/static-response.js';
import { createWeightedSplit, type UpstreamSplit } from '../router/weighted-split.js';
import { decisionKey, decisionProblem, parseTarget } from './decision-check.js';
import type { RouterDecision } from './router-api.js';
import { RequestView } from './request-view.js';
import type { ScriptInstance } from './script-instance.js';
import { ScriptFailed, ScriptShadowDisagreed, type ScriptFailureReason } from './script.messages.js';
import type { WorkerAnswer } from './worker-router.js';

/** Path and header edits to make to the request head before it is forwarded or routed again. */
export interface HeadRewrite {
  /** The new normalized path, or undefined to keep it. */
  readonly path: string | undefined;
  /** The complete new raw field list, or undefined to keep it. */
  readonly headers: string[] | undefined;
}

/**
 * What the connection does with a script's decision: every case maps onto a path configured
 * actions already use (forward, dynamic pool, static response, redirect, another route, an error).
 */
export type ScriptVerdict =
  | { readonly kind: 'upstream'; readonly upstream: string; readonly rewrite: HeadRewrite | undefined }
  | {
      readonly kind: 'target';
      /** The dynamic pool key, `scheme://host:port`. */
      readonly key: string;
      readonly host: string;
      readonly port: number;
      readonly scheme: 'http' | 'https';
      /** `host:port` (`[v6]:port`), as the access log shows targets. */
      readonly address: string;
      /** The Host sent upstream unless the route preserves the client's: the port only when not the scheme's default. */
      readonly hostHeader: string;
      readonly rewrite: HeadRewrite | undefined;
    }
  | { readonly kind: 'respond'; readonly response: StaticResponse; readonly rewrite: undefined }
  | { readonly kind: 'redirect'; readonly status: number; readonly location: string; readonly rewrite: undefined }
  /** Hand the request to `route` (the next match, or the fallback); undefined: no route is left (404). */
  | { readonly kind: 'route'; readonly route: CompiledRoute | undefined; readonly rewrite: HeadRewrite | undefined }
  | { readonly kind: 'fail'; readonly status: 502 | 503; readonly reason: string; readonly rewrite: undefined };

export interface ScriptRouteStats {
  requests: number;
  failures: number;
  fallbacks: number;
  shadowCompared: number;
  shadowDisagreed: number;
  shadowFailed: number;
  restarts: number;
}

/** Told when an instance fails; the script actor restarts (or, for a shadow, rebuilds) it. */
export type InstanceFailureHandler = (instance: ScriptInstance, isShadow: boolean, reason: ScriptFailureReason, message: string) => void;

export interface ScriptRouteSettings {
  readonly route: string;
  /** Absolute path of the active script file. */
  readonly file: string;
  readonly budgetMs: number;
  readonly fallback: string | undefined;
  /** Share of requests (0..1) also run by the shadow version. */
  readonly shadowShare: number;
  readonly bus: Bus;
}

/** At most this many distinct splits are kept with their round-robin state; beyond, each gets a fresh one. */
const MAX_SPLITS = 256;

/**
 * The live router of one script route, read synchronously by connection code (ARCHITECTURE §2:
 * the actor decides, the snapshot serves). The script actor installs instances here; swapping
 * `active` is the atomic hot reload: requests that already started finish with the instance they
 * called, new ones call the new one.
 *
 * Inline budget: a synchronous call cannot be interrupted on the proxy thread. The time is taken
 * with `performance.now()` around the call and checked after it returns; an overrun discards the
 * decision and counts as a failure. Only `isolation: worker` can stop a script that loops.
 */
export class ScriptRoute {
  active: ScriptInstance | undefined = undefined;
  shadow: ScriptInstance | undefined = undefined;
  readonly stats: ScriptRouteStats = { requests: 0, failures: 0, fallbacks: 0, shadowCompared: 0, shadowDisagreed: 0, shadowFailed: 0, restarts: 0 };
  onFailure: InstanceFailureHandler | undefined = undefined;
  /** The file the active version came from: the configured path, or the shadow's after a promotion. */
  file: string;
  private shadowCredit = 0;
  private readonly splits = new Map<string, UpstreamSplit>();
  private readonly cache = new MatchCache();

  constructor(readonly settings: ScriptRouteSettings) {
    this.file = settings.file;
  }

  get route(): string {
    return this.settings.route;
  }

  /**
   * Runs the active router on one request. Inline: the verdict, synchronously. Worker: a promise
   * of it, which never rejects. A failure falls back and never throws.
   */
  decide(view: RequestView, table: RouteTable, route: CompiledRoute): ScriptVerdict | Promise<ScriptVerdict> {
    const instance = this.active;
    if (instance === undefined) return this.fallbackVerdict(table, 503, `script of route "${this.route}" is not running (loading or restarting)`);
    this.stats.requests++;
    const shadow = this.shadow !== undefined && this.takesShadow() ? this.shadow : undefined;
    if (instance.worker === undefined) {
      const ctx = instance.ctx;
      const started = performance.now();
      let decision: unknown;
      try {
        decision = (instance.definition as NonNullable<ScriptInstance['definition']>).decide(view, ctx as never);
      } catch (error) {
        return this.failed(instance, false, 'threw', error, view, table);
      }
      const tookMs = performance.now() - started;
      if (tookMs > this.settings.budgetMs) {
        return this.failed(instance, false, 'budget-exceeded', new Error(`decide took ${tookMs.toFixed(1)} ms, over the ${this.settings.budgetMs} ms budget`), view, table);
      }
      const verdict = this.verdictOf(instance, decision, view, table, route);
      if (shadow !== undefined && verdict.kind !== 'fail') this.compareInline(shadow, decision as RouterDecision, view);
      return verdict;
    }
    const answer = instance.worker.request(view.toPlain());
    if (shadow?.worker !== undefined) this.compareWorker(shadow, answer, view);
    return answer.then((a) => this.afterWorker(instance, a, view, table, route));
  }

  private afterWorker(instance: ScriptInstance, answer: WorkerAnswer, view: RequestView, table: RouteTable, route: CompiledRoute): ScriptVerdict {
    if (!answer.ok) {
      const reason: ScriptFailureReason = answer.reason;
      return this.failed(instance, false, reason, new Error(answer.message), view, table);
    }
    return this.verdictOf(instance, answer.decision, view, table, route);
  }

  /** Checks a decision (scripts are a trust boundary) and maps it to what the connection does. */
  private verdictOf(instance: ScriptInstance, decision: unknown, view: RequestView, table: RouteTable, route: CompiledRoute): ScriptVerdict {
    const problem = decisionProblem(decision);
    if (problem !== undefined) return this.failed(instance, false, 'invalid-decision', new TypeError(problem), view, table);
    try {
      return this.toVerdict(decision as RouterDecision, view, table, route);
    } catch (error) {
      return this.failed(instance, false, 'invalid-decision', error, view, table);
    }
  }

  private toVerdict(d: RouterDecision, view: RequestView, table: RouteTable, route: CompiledRoute): ScriptVerdict {
    switch (d.kind) {
      case 'forward': {
        const rewrite = rewriteOf(d, view);
        if (d.upstream !== undefined) return { kind: 'upstream', upstream: d.upstream, rewrite };
        const target = parseTarget(d.target) as { host: string; port: number };
        const scheme = d.scheme ?? 'http';
        const host = target.host.includes(':') ? `[${target.host}]` : target.host;
        const address = `${host}:${target.port}`;
        const hostHeader = target.port === (scheme === 'https' ? 443 : 80) ? host : address;
        return { kind: 'target', key: `${scheme}://${address}`, host: target.host, port: target.port, scheme, address, hostHeader, rewrite };
      }
      case 'split':
        return { kind: 'upstream', upstream: this.splitFor(d.split).pick(), rewrite: rewriteOf(d, view) };
      case 'respond':
        return { kind: 'respond', response: buildStaticResponse(this.route, { status: d.status, headers: d.headers, body: d.body }), rewrite: undefined };
      case 'redirect':
        return { kind: 'redirect', status: d.status ?? 302, location: d.location, rewrite: undefined };
      case 'rewrite': {
        const rewrite = rewriteOf(d, view);
        return { kind: 'route', route: this.nextRoute(table, route, view, rewrite), rewrite };
      }
      case 'next':
        return { kind: 'route', route: this.nextRoute(table, route, view, undefined), rewrite: undefined };
    }
  }

  /** The first route after `after`, in match order, that the (rewritten) request matches on this listener. */
  private nextRoute(table: RouteTable, after: CompiledRoute, view: RequestView, rewrite: HeadRewrite | undefined): CompiledRoute | undefined {
    const facts: RequestFacts = {
      listener: view.listener,
      method: view.method,
      host: view.host,
      port: view.port,
      path: rewrite?.path ?? view.path,
      rawQuery: view.rawQuery,
      headers: rewrite?.headers ?? view.rawHeaders,
      sourceIp: view.clientAddress,
      scheme: view.scheme,
    };
    const routes = table.routes;
    let i = routes.indexOf(after) + 1;
    if (i === 0) return undefined;
    for (; i < routes.length; i++) {
      const r = routes[i] as CompiledRoute;
      if (r.listeners !== undefined && !r.listeners.includes(facts.listener)) continue;
      if (r.conditions.matches(facts, this.cache)) return r;
    }
    return undefined;
  }

  private splitFor(entries: readonly { readonly upstream: string; readonly weight: number }[]): UpstreamSplit {
    let key = '';
    for (const e of entries) key += `${e.upstream}\u0000${e.weight}\u0000`;
    let split = this.splits.get(key);
    if (split === undefined) {
      split = createWeightedSplit(entries.map((e) => ({ name: e.upstream, weight: e.weight })));
      if (this.splits.size < MAX_SPLITS) this.splits.set(key, split);
    }
    return split;
  }

  /** Deterministic sampling: `share` of requests, evenly spread (0.25 → every fourth). */
  private takesShadow(): boolean {
    this.shadowCredit += this.settings.shadowShare;
    if (this.shadowCredit < 1) return false;
    this.shadowCredit -= 1;
    return true;
  }

  private compareInline(shadow: ScriptInstance, active: RouterDecision, view: RequestView): void {
    let decision: unknown;
    const started = performance.now();
    try {
      decision = (shadow.definition as NonNullable<ScriptInstance['definition']>).decide(view, shadow.ctx as never);
    } catch (error) {
      this.shadowFailed(shadow, 'threw', error, view);
      return;
    }
    if (performance.now() - started > this.settings.budgetMs) {
      this.shadowFailed(shadow, 'budget-exceeded', new Error(`shadow decide over the ${this.settings.budgetMs} ms budget`), view);
      return;
    }
    this.compare(shadow, active, decision, view);
  }

  private compareWorker(shadow: ScriptInstance, activeAnswer: Promise<WorkerAnswer>, view: RequestView): void {
    const shadowAnswer = (shadow.worker as NonNullable<ScriptInstance['worker']>).request(view.toPlain());
    void Promise.all([activeAnswer, shadowAnswer]).then(([a, s]) => {
      if (!s.ok) return this.shadowFailed(shadow, s.reason, new Error(s.message), view);
      if (a.ok && decisionProblem(a.decision) === undefined) this.compare(shadow, a.decision as RouterDecision, s.decision, view);
    });
  }

  private compare(shadow: ScriptInstance, active: RouterDecision, decision: unknown, view: RequestView): void {
    const problem = decisionProblem(decision);
    if (problem !== undefined) return this.shadowFailed(shadow, 'invalid-decision', new TypeError(problem), view);
    this.stats.shadowCompared++;
    const activeKey = decisionKey(active);
    const shadowKey = decisionKey(decision as RouterDecision);
    if (activeKey === shadowKey) return;
    this.stats.shadowDisagreed++;
    const bus = this.settings.bus;
    if (bus.hasSubscribers(ScriptShadowDisagreed)) {
      bus.publish(ScriptShadowDisagreed.make({ route: this.route, requestId: view.requestId, method: view.method, path: view.path, active: activeKey, shadow: shadowKey }));
    }
  }

  private shadowFailed(shadow: ScriptInstance, reason: ScriptFailureReason, error: unknown, view: RequestView): void {
    this.stats.shadowFailed++;
    this.report(shadow, true, reason, error, view.requestId);
    if (this.shadow === shadow) {
      this.shadow = undefined;
      this.onFailure?.(shadow, true, reason, error instanceof Error ? error.message : String(error));
    }
  }

  /**
   * A failed request: reported, answered by the fallback, and the instance taken out of service so
   * that its actor restarts it (its state may be broken; later requests fall back meanwhile).
   */
  private failed(instance: ScriptInstance, isShadow: boolean, reason: ScriptFailureReason, error: unknown, view: RequestView, table: RouteTable): ScriptVerdict {
    this.stats.failures++;
    this.report(instance, isShadow, reason, error, view.requestId);
    if (this.active === instance) {
      this.active = undefined;
      this.onFailure?.(instance, isShadow, reason, error instanceof Error ? error.message : String(error));
    }
    return this.fallbackVerdict(table, 502, `script of route "${this.route}" failed (${reason})`);
  }

  private report(instance: ScriptInstance, isShadow: boolean, reason: ScriptFailureReason, error: unknown, requestId: string | undefined): void {
    const bus = this.settings.bus;
    if (!bus.hasSubscribers(ScriptFailed)) return;
    const code = reason === 'timeout' || reason === 'budget-exceeded' ? 'ERR_SCRIPT_TIMEOUT' : 'ERR_SCRIPT_FAILED';
    const info = errorInfo(error, code);
    bus.publish(
      ScriptFailed.make({
        route: this.route,
        path: instance.loaded.source.file,
        hash: instance.hash,
        isShadow,
        reason,
        error: { ...info, code },
        ...(requestId === undefined ? {} : { requestId }),
      }),
    );
  }

  /** Reports an event handler's throw (from the actor) like a request failure. */
  reportEventFailure(instance: ScriptInstance, isShadow: boolean, error: unknown): void {
    this.stats.failures++;
    this.report(instance, isShadow, 'event-handler-threw', error, undefined);
  }

  private fallbackVerdict(table: RouteTable, status: 502 | 503, reason: string): ScriptVerdict {
    this.stats.fallbacks++;
    const name = this.settings.fallback;
    if (name !== undefined) {
      const route = table.route(name);
      if (route !== undefined) return { kind: 'route', route, rewrite: undefined };
    }
    return { kind: 'fail', status, reason, rewrite: undefined };
  }
}

/** Applies a decision's path and header edits to the request; undefined when it asks for none. */
function rewriteOf(d: { path?: string; setHeaders?: Readonly<Record<string, string>>; removeHeaders?: readonly string[] }, view: RequestView): HeadRewrite | undefined {
  if (d.path === undefined && d.setHeaders === undefined && d.removeHeaders === undefined) return undefined;
  let path: string | undefined;
  if (d.path !== undefined) {
    // Route and forward the same normalized path (ARCHITECTURE §8 rule 4): a script cannot smuggle `..` past a later route.
    const normalized = normalizePath(d.path);
    if (!normalized.ok) throw new TypeError(`rewrite path ${JSON.stringify(d.path)} is refused: ${normalized.reason}`);
    path = normalized.path;
  }
  let headers: string[] | undefined;
  if (d.setHeaders !== undefined || d.removeHeaders !== undefined) {
    const drop = new Set<string>();
    for (const name of d.removeHeaders ?? []) drop.add(name.toLowerCase());
    const set = d.setHeaders === undefined ? [] : Object.entries(d.setHeaders);
    for (const [name] of set) drop.add(name.toLowerCase());
    headers = [];
    const raw = view.rawHeaders;
    for (let i = 0; i + 1 < raw.length; i += 2) {
      const name = raw[i] as string;
      let isDropped = false;
      for (const lower of drop) {
        if (headerNameEquals(name, lower)) {
          isDropped = true;
          break;
        }
      }
      if (!isDropped) headers.push(name, raw[i + 1] as string);
    }
    for (const [name, value] of set) headers.push(name, value.trim());
  }
  return { path, headers };
}

/** The request view of one exchange, built from what the connection routed on. */
export function requestViewOf(facts: RequestFacts, peerAddress: string, socket: Socket, requestId: string): RequestView {
  const tls = (socket as Partial<TLSSocket>).encrypted === true ? (socket as TLSSocket) : undefined;
  const sni = tls === undefined || typeof tls.servername !== 'string' ? undefined : tls.servername;
  const alpn = tls === undefined || typeof tls.alpnProtocol !== 'string' ? undefined : tls.alpnProtocol;
  return new RequestView(
    facts.listener,
    facts.method,
    facts.path,
    facts.rawQuery,
    facts.host,
    facts.port,
    facts.scheme,
    facts.headers,
    facts.sourceIp,
    peerAddress,
    sni,
    alpn,
    tls !== undefined,
    requestId,
  );
}

/** Upstream timeouts of a `forward: { target }` decision (the config's upstream defaults). */
export const SCRIPT_TARGET_TIMEOUTS = Object.freeze({ connectMs: 5000, responseHeadMs: 60_000, idleMs: 60_000 });

/** The verdict when the snapshot has no loaded script for a script route (never expected: prepare refuses such a version). */
export const SCRIPT_NOT_LOADED: ScriptVerdict = Object.freeze({ kind: 'fail', status: 503, reason: 'the script of this route is not loaded', rewrite: undefined });

/**
 * Runs the script of `route` for one exchange: what `ClientConnection` calls in its `script` case.
 * Returns a verdict, or a promise of one for worker isolation.
 */
export function runScriptRoute(
  scripts: ReadonlyMap<string, ScriptRoute>,
  table: RouteTable,
  route: CompiledRoute,
  facts: RequestFacts,
  peerAddress: string,
  socket: Socket,
  requestId: string,
): ScriptVerdict | Promise<ScriptVerdict> {
  const script = scripts.get(route.name);
  if (script === undefined) return SCRIPT_NOT_LOADED;
  return script.decide(requestViewOf(facts, peerAddress, socket, requestId), table, route);
}
