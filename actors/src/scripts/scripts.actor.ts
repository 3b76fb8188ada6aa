// Supervises the script routes of the live config versions: loads them for a version, reuses unchanged ones, retires the rest.
import { readFile } from 'node:fs/promises';
import { defineActor, defineMessage, type ActorRef, type Bus, type MessageOf } from '@switchyard/core';
import type { Config, RouteConfig, ScriptConfig } from '@switchyard/config';
import { z } from 'zod';
import { loadScript, type LoadedScript } from './script-instance.js';
import { ScriptLoadError, formatScriptProblem, hashText, resolveScriptPath } from './script-loader.js';
import { ScriptRoute } from './script-route.js';
import { ScriptLoaded } from './script.messages.js';
import { scriptActor, type ScriptVersions } from './script.actor.js';

export interface ScriptProblemAt {
  path: string;
  message: string;
}

export type PrepareScriptsResult = { ok: true; scripts: ReadonlyMap<string, ScriptRoute> } | { ok: false; problems: ScriptProblemAt[] };

/** Loads (or reuses) the script of every scripted route of `config`; relative paths resolve against `baseDir`. */
export const PrepareScripts = defineMessage('scripts.prepare', { config: z.custom<Readonly<Config>>(), baseDir: z.string() }, { reply: z.custom<PrepareScriptsResult>() });
/** Stops the script routes no live version uses any more. */
export const RetireScripts = defineMessage('scripts.retire', { keep: z.custom<ReadonlySet<ScriptRoute>>() });

interface Fresh {
  key: string;
  index: number;
  config: Readonly<RouteConfig>;
  script: Readonly<ScriptConfig>;
  file: string;
  shadowFile: string | undefined;
  active: LoadedScript;
  shadow: LoadedScript | undefined;
}

interface Prepared {
  reused: Map<string, ScriptRoute>;
  fresh: Fresh[];
}

const Loaded = defineMessage('scripts.loaded', {
  prepared: z.custom<Prepared>().optional(),
  problems: z.array(z.object({ path: z.string(), message: z.string() })),
  reply: z.custom<(result: PrepareScriptsResult) => void>(),
});

type In = MessageOf<typeof PrepareScripts> | MessageOf<typeof RetireScripts> | MessageOf<typeof Loaded>;

interface Live {
  readonly cell: ScriptRoute;
  readonly ref: ActorRef<never>;
}

interface State {
  readonly args: ScriptsArgs;
  /** Script routes in service, by the key of their configuration. */
  readonly live: Map<string, Live>;
  seq: number;
}

export interface ScriptsArgs {
  /** False turns file watching off for every script route (tests, read-only deployments). Default true. */
  readonly watch?: boolean;
  /** How long file events settle before a reload. Default 50 ms. */
  readonly debounceMs?: number;
  /** How often `script.stats` is published (when observed). Default 5 s. */
  readonly statsIntervalMs?: number;
}

/** Two script routes with the same key behave the same, so a reload keeps the running one (and its state). */
function keyOf(route: Readonly<RouteConfig>, script: Readonly<ScriptConfig>, file: string, shadowFile: string | undefined): string {
  return JSON.stringify([route.name, file, shadowFile ?? null, script.shadow?.share ?? null, script.isolation, script.budget, script.fallback ?? null, script.watch, script.options]);
}

async function hashOf(file: string): Promise<string | undefined> {
  try {
    return hashText(await readFile(file, 'utf8'));
  } catch {
    return undefined;
  }
}

function problemsOf(error: unknown): string {
  return error instanceof ScriptLoadError ? error.problems.map(formatScriptProblem).join('; ') : error instanceof Error ? error.message : String(error);
}

async function prepareAll(live: ReadonlyMap<string, Live>, config: Readonly<Config>, baseDir: string): Promise<{ prepared: Prepared; problems: ScriptProblemAt[] }> {
  const problems: ScriptProblemAt[] = [];
  const prepared: Prepared = { reused: new Map(), fresh: [] };
  for (const [index, route] of config.routes.entries()) {
    const script = route.script;
    if (script === undefined) continue;
    if (script.fallback !== undefined) {
      const target = config.routes.find((r) => r.name === script.fallback);
      if (target === undefined) problems.push({ path: `routes.${index}.script.fallback`, message: `no route is named "${script.fallback}"` });
      else if (target.script !== undefined) problems.push({ path: `routes.${index}.script.fallback`, message: `fallback route "${script.fallback}" is itself scripted; a fallback must not be able to fail the same way` });
    }
    const file = resolveScriptPath(script.path, baseDir);
    const shadowFile = script.shadow === undefined ? undefined : resolveScriptPath(script.shadow.path, baseDir);
    const key = keyOf(route, script, file, shadowFile);
    const running = live.get(key);
    if (running !== undefined && running.cell.active !== undefined && running.cell.active.hash === (await hashOf(running.cell.file))) {
      prepared.reused.set(route.name, running.cell);
      continue;
    }
    const opts = { isolation: script.isolation, options: script.options, route: route.name, budgetMs: script.budget };
    let active: LoadedScript | undefined;
    let shadow: LoadedScript | undefined;
    try {
      active = await loadScript(file, opts);
    } catch (error) {
      problems.push({ path: `routes.${index}.script`, message: `script ${file} cannot be used: ${problemsOf(error)}` });
    }
    if (shadowFile !== undefined) {
      try {
        shadow = await loadScript(shadowFile, opts);
      } catch (error) {
        problems.push({ path: `routes.${index}.script.shadow.path`, message: `shadow script ${shadowFile} cannot be used: ${problemsOf(error)}` });
      }
    }
    if (active !== undefined) prepared.fresh.push({ key, index, config: route, script, file, shadowFile, active, shadow });
    else void shadow?.prestarted?.close(0);
  }
  return { prepared, problems };
}

function discard(prepared: Prepared): void {
  for (const f of prepared.fresh) {
    void f.active.prestarted?.close(0);
    void f.shadow?.prestarted?.close(0);
  }
}

/**
 * The parent of every script route actor. For a config version it loads each scripted route's
 * file (compile, import or start its worker, self-test): one that fails refuses the version with
 * the path `routes.N.script`. A route whose script configuration and file are unchanged keeps its
 * running actor, state included. After a version is applied (or refused), routes no live version
 * uses are stopped.
 */
export const scriptsActor = defineActor<State, In, ScriptsArgs>({
  name: 'scripts',
  init: (args) => ({ args, live: new Map(), seq: 0 }),
  receive(state, message, ctx) {
    switch (message.type) {
      case 'scripts.prepare': {
        const reply = ctx.deferReply(PrepareScripts);
        if (reply === undefined) return;
        ctx.pipeToSelf(
          prepareAll(state.live, message.config, message.baseDir),
          ({ prepared, problems }) => Loaded.make({ prepared, problems, reply }),
          (error: unknown) => Loaded.make({ problems: [{ path: 'routes', message: (error as Error).message }], reply }),
        );
        return;
      }
      case 'scripts.loaded': {
        const prepared = message.prepared;
        if (prepared === undefined || message.problems.length > 0) {
          if (prepared !== undefined) discard(prepared);
          message.reply({ ok: false, problems: message.problems });
          return;
        }
        const scripts = new Map(prepared.reused);
        for (const f of prepared.fresh) {
          const cell = new ScriptRoute({
            route: f.config.name,
            file: f.file,
            budgetMs: f.script.budget,
            fallback: f.script.fallback,
            shadowShare: f.script.shadow?.share ?? 0,
            bus: ctx.bus as Bus,
          });
          const versions: ScriptVersions = { active: f.active, shadow: f.shadow, shadowFile: f.shadowFile, starts: 0 };
          const ref = ctx.spawn(
            scriptActor,
            {
              cell,
              versions,
              isolation: f.script.isolation,
              options: f.script.options,
              watch: f.script.watch && (state.args.watch ?? true),
              debounceMs: state.args.debounceMs ?? 50,
              statsIntervalMs: state.args.statsIntervalMs ?? 5000,
            },
            { name: `script-${f.config.name}-${++state.seq}` },
          );
          state.live.set(f.key, { cell, ref: ref as ActorRef<never> });
          scripts.set(f.config.name, cell);
          ctx.emit(ScriptLoaded.make({ route: cell.route, path: f.file, hash: f.active.source.hash, isolation: f.active.isolation, isShadow: false, cause: 'config' }));
          if (f.shadow !== undefined && f.shadowFile !== undefined) {
            ctx.emit(ScriptLoaded.make({ route: cell.route, path: f.shadowFile, hash: f.shadow.source.hash, isolation: f.shadow.isolation, isShadow: true, cause: 'config' }));
          }
        }
        message.reply({ ok: true, scripts });
        return;
      }
      case 'scripts.retire':
        for (const [key, entry] of state.live) {
          if (message.keep.has(entry.cell)) continue;
          state.live.delete(key);
          void ctx.stop(entry.ref);
        }
        return;
    }
  },
});
