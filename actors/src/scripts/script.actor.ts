// The actor of one script route: installs router instances, hot-reloads changed files, restarts failed routers, promotes shadows.
import { watch, type FSWatcher } from 'node:fs';
import path from 'node:path';
import {
  ConfigApplied,
  SwitchyardError,
  TargetEjected,
  TargetHealthChanged,
  TargetRestored,
  defineActor,
  defineMessage,
  supervisorStrategy,
  type ActorContext,
  type Cancellable,
  type MessageOf,
  type MessageType,
} from '@switchyard/core';
import { z } from 'zod';
import type { RouterEventType } from './router-api.js';
import type { LogSink } from './router-context.js';
import { ScriptInstance, loadScriptSource, type Isolation, type LoadedScript } from './script-instance.js';
import { ScriptLoadError, readScript } from './script-loader.js';
import type { ScriptRoute } from './script-route.js';
import { PromoteScript, ScriptLoaded, ScriptLogged, ScriptReloadFailed, ScriptStats } from './script.messages.js';

const Which = z.enum(['active', 'shadow']);
type Which = z.infer<typeof Which>;

const InstanceFailed = defineMessage('script.instance-failed', { instance: z.number().int(), isShadow: z.boolean(), reason: z.string(), message: z.string() });
const FileChanged = defineMessage('script.file-changed', { which: Which });
const ReloadDue = defineMessage('script.reload-due', { which: Which });
const Reloaded = defineMessage('script.reloaded', { which: Which, loaded: z.custom<LoadedScript>().optional() });
const ReloadRejected = defineMessage('script.reload-rejected', { which: Which, file: z.string(), problems: z.array(z.object({ message: z.string(), line: z.number().optional(), column: z.number().optional() })) });
const RebuildShadow = defineMessage('script.rebuild-shadow', { generation: z.number().int() });
const RouterEvent = defineMessage('script.router-event', { eventType: z.string(), event: z.unknown() });
const StatsTick = defineMessage('script.stats-tick', {});

type In =
  | MessageOf<typeof InstanceFailed>
  | MessageOf<typeof FileChanged>
  | MessageOf<typeof ReloadDue>
  | MessageOf<typeof Reloaded>
  | MessageOf<typeof ReloadRejected>
  | MessageOf<typeof RebuildShadow>
  | MessageOf<typeof RouterEvent>
  | MessageOf<typeof StatsTick>
  | PromoteScript;

/** What survives restarts of the actor: the versions in service and the files they came from. */
export interface ScriptVersions {
  active: LoadedScript;
  shadow: LoadedScript | undefined;
  shadowFile: string | undefined;
  starts: number;
}

export interface ScriptActorArgs {
  readonly cell: ScriptRoute;
  readonly versions: ScriptVersions;
  readonly isolation: Isolation;
  readonly options: Readonly<Record<string, unknown>>;
  readonly watch: boolean;
  /** How long file events settle before a reload (editors write in several steps). */
  readonly debounceMs: number;
  readonly statsIntervalMs: number;
}

interface State {
  readonly args: ScriptActorArgs;
  instance: ScriptInstance;
  shadow: ScriptInstance | undefined;
  watchers: FSWatcher[];
  timers: Partial<Record<Which, Cancellable>>;
  isLoading: Partial<Record<Which, boolean>>;
  shadowGeneration: number;
}

type Ctx = ActorContext<In>;

/** The bus events a router may react to, by type name. */
const EVENT_TYPES: Readonly<Record<RouterEventType, MessageType>> = {
  'target.health-changed': TargetHealthChanged,
  'target.ejected': TargetEjected,
  'target.restored': TargetRestored,
  'config.applied': ConfigApplied,
};

/**
 * How script routers are supervised: restart on every failure with exponential backoff (50 ms
 * growing to 30 s within a minute), never give up. Between failure and restart the route answers
 * with its fallback.
 */
export const SCRIPT_SUPERVISION = supervisorStrategy({ decide: 'restart', backoff: { minMs: 50, maxMs: 30_000, factor: 2, jitter: 0.2 }, maxRestarts: Number.MAX_SAFE_INTEGER, windowMs: 60_000 });

function logSink(ctx: Ctx, route: string): LogSink {
  return (level, message, fields) => {
    if (!ctx.bus.hasSubscribers(ScriptLogged)) return;
    ctx.bus.publish(ScriptLogged.make({ route, level, message, ...(fields === undefined ? {} : { fields: { ...fields } }) }));
  };
}

function newInstance(args: ScriptActorArgs, loaded: LoadedScript, ctx: Ctx, isShadow: boolean): ScriptInstance {
  const cell = args.cell;
  const self = ctx.self;
  const instance: ScriptInstance = new ScriptInstance(loaded, cell.route, args.options, {
    clock: { now: () => ctx.clock.now(), monotonic: () => ctx.clock.monotonic() },
    log: logSink(ctx, cell.route),
    budgetMs: cell.settings.budgetMs,
    onEventFailed: (type, message) => {
      cell.reportEventFailure(instance, isShadow, new Error(`${type} handler threw: ${message}`));
      self.tell(InstanceFailed.make({ instance: instance.id, isShadow, reason: 'event-handler-threw', message }));
    },
  });
  if (instance.worker !== undefined) {
    // A worker that dies with no request pending (a crash between requests) still gets restarted.
    instance.worker.onDeath = (reason, message) => {
      const isCurrent = isShadow ? cell.shadow === instance : cell.active === instance;
      if (!isCurrent) return;
      if (isShadow) cell.shadow = undefined;
      else cell.active = undefined;
      self.tell(InstanceFailed.make({ instance: instance.id, isShadow, reason, message }));
    };
  }
  return instance;
}

function watchFiles(state: State, ctx: Ctx): void {
  for (const w of state.watchers) w.close();
  state.watchers = [];
  if (!state.args.watch) return;
  const self = ctx.self;
  const files: [Which, string][] = [['active', state.args.cell.file]];
  if (state.args.versions.shadowFile !== undefined) files.push(['shadow', state.args.versions.shadowFile]);
  for (const [which, file] of files) {
    // The folder, not the file: editors save by writing a new file and renaming it over the old one.
    const base = path.basename(file);
    try {
      const watcher = watch(path.dirname(file), { persistent: false }, (_event, name) => {
        if (name === null || name === base) self.tell(FileChanged.make({ which }));
      });
      watcher.on('error', () => watcher.close());
      state.watchers.push(watcher);
    } catch {
      // A folder that cannot be watched: the script still reloads with the config.
    }
  }
}

function startReload(state: State, which: Which, ctx: Ctx): void {
  const versions = state.args.versions;
  const file = which === 'active' ? state.args.cell.file : versions.shadowFile;
  const current = which === 'active' ? versions.active : versions.shadow;
  if (file === undefined) return;
  state.isLoading[which] = true;
  const cell = state.args.cell;
  const work = readScript(file).then((source) =>
    // The same text again (a touch, an editor's second write): nothing to do.
    current !== undefined && source.hash === current.source.hash
      ? undefined
      : loadScriptSource(source, { isolation: state.args.isolation, options: state.args.options, route: cell.route, budgetMs: cell.settings.budgetMs }),
  );
  ctx.pipeToSelf(
    work,
    (loaded) => Reloaded.make({ which, ...(loaded === undefined ? {} : { loaded }) }),
    (error: unknown) =>
      ReloadRejected.make({
        which,
        file,
        problems: error instanceof ScriptLoadError ? [...error.problems] : [{ message: error instanceof Error ? error.message : String(error) }],
      }),
  );
}

/** Puts a freshly loaded version in service: the swap is one field assignment on the cell. */
function swapIn(state: State, which: Which, loaded: LoadedScript, ctx: Ctx): void {
  const args = state.args;
  const cell = args.cell;
  let fresh: ScriptInstance;
  try {
    fresh = newInstance(args, loaded, ctx, which === 'shadow');
  } catch (error) {
    void loaded.prestarted?.close(0);
    ctx.emit(ScriptReloadFailed.make({ route: cell.route, path: loaded.source.file, keptHash: args.versions.active.source.hash, problems: [{ message: `init threw: ${(error as Error).message}` }] }));
    return;
  }
  if (which === 'active') {
    const old = state.instance;
    args.versions.active = loaded;
    state.instance = fresh;
    cell.active = fresh;
    void old.close();
  } else {
    const old = state.shadow;
    args.versions.shadow = loaded;
    state.shadow = fresh;
    cell.shadow = fresh;
    void old?.close();
  }
  ctx.emit(ScriptLoaded.make({ route: cell.route, path: loaded.source.file, hash: loaded.source.hash, isolation: loaded.isolation, isShadow: which === 'shadow', cause: 'file-changed' }));
}

/**
 * One script route's actor, supervised with `SCRIPT_SUPERVISION`. Its state is the router
 * instance in service; a router failure (throw, budget, worker death) arrives as a message and is
 * rethrown, so the supervisor restarts the actor with backoff and `init` installs a fresh instance
 * of the current version. File changes load a new version beside the old one and swap only when it
 * passed every check; a version that fails is reported and the old one keeps serving.
 */
export const scriptActor = defineActor<State, In, ScriptActorArgs>({
  name: 'script',
  supervision: SCRIPT_SUPERVISION,
  init(args, ctx) {
    const cell = args.cell;
    if (args.versions.starts++ > 0) cell.stats.restarts++;
    const instance = newInstance(args, args.versions.active, ctx, false);
    const shadow = args.versions.shadow === undefined ? undefined : newInstance(args, args.versions.shadow, ctx, true);
    cell.active = instance;
    cell.shadow = shadow;
    cell.onFailure = (failed, isShadow, reason, message) => ctx.self.tell(InstanceFailed.make({ instance: failed.id, isShadow, reason, message }));
    for (const [name, type] of Object.entries(EVENT_TYPES)) {
      ctx.subscribeToSelf(ctx.bus.on(type), (event) => RouterEvent.make({ eventType: name, event }));
    }
    ctx.subscribeToSelf(ctx.bus.on(PromoteScript), (m) => (m.route === cell.route ? m : undefined));
    ctx.scheduleRepeat(args.statsIntervalMs, StatsTick.make({}));
    const state: State = { args, instance, shadow, watchers: [], timers: {}, isLoading: {}, shadowGeneration: 0 };
    watchFiles(state, ctx);
    return state;
  },
  receive(state, message, ctx) {
    const cell = state.args.cell;
    switch (message.type) {
      case 'script.instance-failed': {
        if (message.isShadow) {
          if (state.shadow?.id !== message.instance) return;
          void state.shadow.close(0);
          state.shadow = undefined;
          cell.shadow = undefined;
          // A shadow never affects responses: it is rebuilt quietly, without restarting the active router.
          ctx.schedule(1000, RebuildShadow.make({ generation: ++state.shadowGeneration }));
          return;
        }
        if (state.instance.id !== message.instance) return;
        const code = message.reason === 'timeout' || message.reason === 'budget-exceeded' ? 'ERR_SCRIPT_TIMEOUT' : 'ERR_SCRIPT_FAILED';
        throw new SwitchyardError(code, `router of route "${cell.route}" failed (${message.reason}): ${message.message}`);
      }
      case 'script.rebuild-shadow': {
        const loaded = state.args.versions.shadow;
        if (message.generation !== state.shadowGeneration || loaded === undefined || state.shadow !== undefined) return;
        state.shadow = newInstance(state.args, loaded, ctx, true);
        cell.shadow = state.shadow;
        return;
      }
      case 'script.file-changed':
        state.timers[message.which]?.cancel();
        state.timers[message.which] = ctx.schedule(state.args.debounceMs, ReloadDue.make({ which: message.which }));
        return;
      case 'script.reload-due':
        state.timers[message.which] = undefined;
        if (state.isLoading[message.which] === true) {
          // A change while loading: look again once this load is done.
          state.timers[message.which] = ctx.schedule(state.args.debounceMs, ReloadDue.make({ which: message.which }));
          return;
        }
        startReload(state, message.which, ctx);
        return;
      case 'script.reloaded':
        state.isLoading[message.which] = false;
        if (message.loaded !== undefined) swapIn(state, message.which, message.loaded, ctx);
        return;
      case 'script.reload-rejected':
        state.isLoading[message.which] = false;
        ctx.emit(
          ScriptReloadFailed.make({
            route: cell.route,
            path: message.file,
            keptHash: (message.which === 'active' ? state.args.versions.active : state.args.versions.shadow)?.source.hash ?? '',
            problems: message.problems,
          }),
        );
        return;
      case 'script.router-event': {
        const type = message.eventType as RouterEventType;
        const shadow = state.shadow;
        if (shadow !== undefined) {
          try {
            shadow.deliver(type, message.event);
          } catch (error) {
            cell.reportEventFailure(shadow, true, error);
            ctx.self.tell(InstanceFailed.make({ instance: shadow.id, isShadow: true, reason: 'event-handler-threw', message: String(error) }));
          }
        }
        try {
          state.instance.deliver(type, message.event);
        } catch (error) {
          cell.reportEventFailure(state.instance, false, error);
          if (cell.active === state.instance) cell.active = undefined;
          throw error;
        }
        return;
      }
      case 'script.promote': {
        const versions = state.args.versions;
        if (state.shadow === undefined || versions.shadow === undefined || versions.shadowFile === undefined) return;
        const old = state.instance;
        state.instance = state.shadow;
        state.shadow = undefined;
        versions.active = versions.shadow;
        versions.shadow = undefined;
        cell.file = versions.shadowFile;
        versions.shadowFile = undefined;
        cell.active = state.instance;
        cell.shadow = undefined;
        void old.close();
        watchFiles(state, ctx);
        ctx.emit(ScriptLoaded.make({ route: cell.route, path: cell.file, hash: versions.active.source.hash, isolation: versions.active.isolation, isShadow: false, cause: 'promoted' }));
        return;
      }
      case 'script.stats-tick': {
        if (!ctx.isObserved(ScriptStats)) return;
        const s = cell.stats;
        ctx.emit(
          ScriptStats.make({
            route: cell.route,
            requests: s.requests,
            failures: s.failures,
            fallbacks: s.fallbacks,
            shadowCompared: s.shadowCompared,
            shadowDisagreed: s.shadowDisagreed,
            shadowFailed: s.shadowFailed,
            restarts: s.restarts,
            metrics: state.instance.metrics.toRecord(),
          }),
        );
        return;
      }
    }
  },
  stopped(state) {
    for (const w of state.watchers) w.close();
    state.watchers = [];
    const cell = state.args.cell;
    if (cell.active === state.instance) cell.active = undefined;
    if (state.shadow !== undefined && cell.shadow === state.shadow) cell.shadow = undefined;
    // Not awaited: a restart must not wait for requests still running on the old worker.
    void state.instance.close(2000);
    void state.shadow?.close(2000);
  },
});
