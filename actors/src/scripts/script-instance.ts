// One loaded script version, and one running instance of it (inline, or a worker thread).
import { ScriptLoadError, loadRouterModule, readScript, type ScriptSource } from './script-loader.js';
import type { RouterEventType } from './router-api.js';
import { MetricValues, RouterContextImpl, type ClockFns, type LogSink } from './router-context.js';
import { subscribedEvents, type AnyRouter, type RouterModule } from './router-module.js';
import { WorkerRouter } from './worker-router.js';

export type Isolation = 'inline' | 'worker';

/** A script version that passed its checks: compiled, imported (inline) or loaded in a worker, self-tested. */
export interface LoadedScript {
  readonly source: ScriptSource;
  readonly isolation: Isolation;
  /** The imported module (inline isolation only: a worker script never runs on the proxy thread). */
  readonly module: RouterModule | undefined;
  readonly events: readonly RouterEventType[];
  /** The worker the load started and self-tested, handed to the first instance. */
  prestarted: WorkerRouter | undefined;
}

export interface LoadOptions {
  readonly isolation: Isolation;
  readonly options: Readonly<Record<string, unknown>>;
  readonly route: string;
  readonly budgetMs: number;
}

/**
 * Loads a script version: read, compile, import (inline) or start in a worker (worker), check its
 * shape, run its self-test.
 * @throws ScriptLoadError with every problem found.
 */
export async function loadScript(file: string, opts: LoadOptions): Promise<LoadedScript> {
  return loadScriptSource(await readScript(file), opts);
}

/** `loadScript` for a source already read (a watcher compares hashes before loading). */
export async function loadScriptSource(source: ScriptSource, opts: LoadOptions): Promise<LoadedScript> {
  const file = source.file;
  if (opts.isolation === 'inline') {
    const module = await loadRouterModule(source, opts.options, opts.route);
    return { source, isolation: 'inline', module, events: subscribedEvents(module.definition), prestarted: undefined };
  }
  const worker = new WorkerRouter({ source, route: opts.route, options: opts.options, budgetMs: opts.budgetMs, runSelfTest: true });
  let events: RouterEventType[];
  try {
    events = await worker.ready;
  } catch (error) {
    await worker.close(0);
    throw new ScriptLoadError(file, [{ message: (error as Error).message }], { cause: error });
  }
  return { source, isolation: 'worker', module: undefined, events, prestarted: worker };
}

let instanceSeq = 0;

export interface InstanceHooks {
  readonly clock: ClockFns;
  readonly log: LogSink;
  readonly budgetMs: number;
  readonly onEventFailed: (type: string, message: string) => void;
}

/** One running router: its own state (a restart makes a new instance), metrics, and for a worker, the thread. */
export class ScriptInstance {
  readonly id = ++instanceSeq;
  readonly definition: AnyRouter | undefined;
  readonly ctx: RouterContextImpl<unknown, Readonly<Record<string, unknown>>> | undefined;
  readonly worker: WorkerRouter | undefined;
  readonly metrics = new MetricValues();

  /** @throws whatever the router's `init` throws (inline), so the actor's supervisor sees it. */
  constructor(
    readonly loaded: LoadedScript,
    route: string,
    options: Readonly<Record<string, unknown>>,
    hooks: InstanceHooks,
  ) {
    const frozen = Object.freeze({ ...options });
    if (loaded.isolation === 'inline') {
      const definition = (loaded.module as RouterModule).definition;
      this.definition = definition;
      const state = definition.init === undefined ? undefined : definition.init(frozen);
      this.ctx = new RouterContextImpl(route, frozen, hooks.clock, hooks.log, state, this.metrics);
      this.worker = undefined;
      return;
    }
    this.definition = undefined;
    this.ctx = undefined;
    const prestarted = loaded.prestarted;
    loaded.prestarted = undefined;
    const metrics = this.metrics;
    this.worker =
      prestarted ??
      new WorkerRouter({
        source: loaded.source,
        route,
        options: frozen,
        budgetMs: hooks.budgetMs,
        runSelfTest: false,
      });
    this.wire(this.worker, hooks, metrics);
  }

  get isInline(): boolean {
    return this.worker === undefined;
  }

  get hash(): string {
    return this.loaded.source.hash;
  }

  /** Delivers a bus event to the router's handler. Inline handlers run here; a throw propagates. */
  deliver(type: RouterEventType, event: unknown): void {
    if (this.worker !== undefined) return this.worker.event(type, event);
    const handler = this.definition?.on?.[type] as ((e: unknown, c: unknown) => void) | undefined;
    handler?.(event, this.ctx);
  }

  close(graceMs = 5000): Promise<void> {
    return this.worker?.close(graceMs) ?? Promise.resolve();
  }

  private wire(worker: WorkerRouter, hooks: InstanceHooks, metrics: MetricValues): void {
    worker.setHandlers({
      onLog: hooks.log,
      onMetrics: (values) => {
        metrics.values.clear();
        for (const [k, v] of values) metrics.values.set(k, v);
      },
      onEventFailed: hooks.onEventFailed,
    });
  }
}
