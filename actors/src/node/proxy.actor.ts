// The proxy actor: applies config versions atomically across router, balancer and listeners.
import { ConfigApplied, ConfigRejected, ExplainHealth, SetTargetAdmin, Snapshot, defineActor, defineMessage, type ActorRef, type MessageOf } from '@switchyard/core';
import type { Config, ListenerConfig } from '@switchyard/config';
import { z } from 'zod';
import { BuildUpstreams, balancer } from '../balancer/balancer.actor.js';
import type { PoolRegistry } from '../proxy/pool-registry.js';
import { BindListener, DrainListener, listener } from '../listener/listener.actor.js';
import type { DeadlineSweeper } from '../proxy/deadline-sweeper.js';
import { newCounters, type ListenerContext, type ListenerCounters } from '../proxy/listener-context.js';
import type { ProxySnapshot } from '../proxy/proxy-snapshot.js';
import { buildServerRuntime } from '../proxy/server-runtime.js';
import { CompileRoutes, router } from '../router/router.actor.js';
import { ActivateUpstreams } from '../balancer/balancer.actor.js';
import { ConfigureHealth, HealthMemory, healthActor, type HealthActorInbox, type HealthViews } from '../health/index.js';
import { unsupportedFeatures } from './unsupported-features.js';
import { PrepareScripts, RetireScripts, scriptsActor } from '../scripts/scripts.actor.js';
import { scriptBaseDir } from '../scripts/script-loader.js';
import { TlsContexts } from '../listener/tls-contexts.js';
import type { ProbeOwnership } from '../cluster/probe-ownership.js';
import { SlotSet } from '../proxy/slot-set.js';

export interface ApplyProblem {
  path: string;
  message: string;
}
export type ApplyResult = { ok: true; version: number; listeners: ListenerEntry[] } | { ok: false; problems: ApplyProblem[] };

export interface ListenerEntry {
  name: string;
  config: Readonly<ListenerConfig>;
  ref: ActorRef<MessageOf<typeof BindListener> | MessageOf<typeof DrainListener>>;
  context: ListenerContext;
  host: string;
  port: number;
}

interface Prepared {
  config: Readonly<Config>;
  source: string;
  snapshot: ProxySnapshot;
  poolKeys: Set<string>;
  listeners: Map<string, ListenerEntry>;
  removed: ListenerEntry[];
}

export const ApplyConfig = defineMessage('proxy.apply', { config: z.custom<Readonly<Config>>(), source: z.string() }, { reply: z.custom<ApplyResult>() });
export const Drain = defineMessage('proxy.drain', { graceMs: z.number() }, { reply: z.number() });
/**
 * Takes a target out of rotation (or puts it back): no new requests, those in flight finish; after
 * the upstream's `deregistrationDelay` its idle pooled connections are closed. Replies whether the
 * target exists.
 */
export const DrainTarget = defineMessage('proxy.drain-target', { upstream: z.string(), target: z.string(), isDraining: z.boolean() }, { reply: z.boolean() });
const DeregistrationDue = defineMessage('proxy.deregistration-due', { upstream: z.string(), target: z.string() });
const ApplyPrepared = defineMessage('proxy.apply-prepared', {
  prepared: z.custom<Prepared>().optional(),
  problems: z.array(z.object({ path: z.string(), message: z.string() })),
  source: z.string(),
  reply: z.custom<(result: ApplyResult) => void>(),
});
type In =
  | MessageOf<typeof ApplyConfig>
  | MessageOf<typeof ApplyPrepared>
  | MessageOf<typeof Drain>
  | MessageOf<typeof DrainTarget>
  | MessageOf<typeof DeregistrationDue>
  | MessageOf<typeof ExplainHealth>;

export interface ProxyArgs {
  sweeper: DeadlineSweeper;
  /** Health views, made by the node so it can read them synchronously (admin API, status). */
  healthViews: Snapshot<HealthViews>;
  snapshot: Snapshot<ProxySnapshot | undefined>;
  nextRequestId: () => string;
  /** In a cluster: who probes which target (the health actor probes only its own and shares verdicts). */
  ownership?: Snapshot<ProbeOwnership>;
  /** Whether this node binds a listener of the config; default all. Worker processes bind UDP in one worker only. */
  bindsListener?: (listener: Readonly<ListenerConfig>) => boolean;
}

interface ProxyState {
  args: ProxyArgs;
  version: number;
  config: Readonly<Config> | undefined;
  router: ActorRef<CompileRoutes>;
  scripts: ActorRef<MessageOf<typeof PrepareScripts> | MessageOf<typeof RetireScripts>>;
  balancer: ActorRef<MessageOf<typeof BuildUpstreams> | MessageOf<typeof ActivateUpstreams>>;
  health: ActorRef<HealthActorInbox>;
  healthViews: Snapshot<HealthViews>;
  listeners: Map<string, ListenerEntry>;
  isApplying: boolean;
  queue: MessageOf<typeof ApplyConfig>[];
  queuedReplies: ((result: ApplyResult) => void)[];
  connIds: { next: number };
}

/**
 * A version is prepared off to the side (routes compiled, upstreams built, new listeners bound)
 * and only then made live in one snapshot replacement: requests already running keep the
 * snapshot they started with, new ones see the new one, and a version that fails anywhere is
 * refused whole with its problems while the last good one keeps serving.
 */
export const proxy = defineActor<ProxyState, In, ProxyArgs>({
  name: 'proxy',
  init(args, ctx) {
    // Health state outlives restarts of the health actor; the views feed the balancer's pickers.
    const healthViews = args.healthViews;
    return {
      args,
      version: 0,
      config: undefined,
      router: ctx.spawn(router, undefined),
      scripts: ctx.spawn(scriptsActor, {}, { name: 'scripts' }),
      health: ctx.spawn(healthActor, { views: healthViews, memory: new HealthMemory(), ...(args.ownership === undefined ? {} : { ownership: args.ownership }) }, { name: 'health' }),
      healthViews,
      balancer: ctx.spawn(balancer, { sweeper: args.sweeper, views: healthViews }),
      listeners: new Map(),
      isApplying: false,
      queue: [],
      queuedReplies: [],
      connIds: { next: 0 },
    };
  },
  receive(state, message, ctx) {
    switch (message.type) {
      case 'proxy.apply': {
        const reply = ctx.deferReply(ApplyConfig);
        if (reply === undefined) return;
        if (state.isApplying) {
          state.queue.push(message);
          state.queuedReplies.push(reply);
          return;
        }
        startApply(state, message, reply, ctx);
        return { ...state, isApplying: true };
      }
      case 'proxy.apply-prepared': {
        let next = state;
        if (message.prepared === undefined) {
          ctx.emit(ConfigRejected.make({ source: message.source, problems: message.problems, keptVersion: state.version }));
          message.reply({ ok: false, problems: message.problems });
        } else {
          const prepared = message.prepared;
          ctx.publishSnapshot(state.args.snapshot, prepared.snapshot);
          for (const entry of prepared.removed) {
            const graceMs = prepared.config.server.drain.timeout;
            entry.ref.ask(DrainListener, { graceMs }, { timeoutMs: graceMs + 30_000 }).then(
              () => ctx.stop(entry.ref as never),
              () => ctx.stop(entry.ref as never),
            );
          }
          state.balancer.tell(ActivateUpstreams.make({ config: prepared.config, upstreams: prepared.snapshot.upstreams, inUse: prepared.poolKeys }));
          const added = [...prepared.listeners.keys()].filter((name) => state.listeners.get(name) !== prepared.listeners.get(name));
          ctx.emit(
            ConfigApplied.make({
              version: prepared.snapshot.version,
              source: prepared.source,
              listenersAdded: added,
              listenersRemoved: prepared.removed.map((e) => e.name).filter((name) => !prepared.listeners.has(name)),
            }),
          );
          next = { ...state, version: prepared.snapshot.version, config: prepared.config, listeners: prepared.listeners };
          message.reply({ ok: true, version: prepared.snapshot.version, listeners: [...prepared.listeners.values()] });
        }
        // Script routes the live version no longer uses (or a refused version loaded) are stopped.
        state.scripts.tell(RetireScripts.make({ keep: new Set(state.args.snapshot.current?.scripts.values() ?? []) }));
        const queued = next.queue.shift();
        const queuedReply = next.queuedReplies.shift();
        if (queued !== undefined && queuedReply !== undefined) {
          startApply(next, queued, queuedReply, ctx);
          return { ...next, isApplying: true };
        }
        return { ...next, isApplying: false };
      }
      case 'proxy.drain-target': {
        const reply = ctx.deferReply(DrainTarget);
        if (reply === undefined) return;
        const { upstream, target, isDraining } = message;
        state.health
          .ask(SetTargetAdmin, { upstream, target, override: isDraining ? 'down' : 'none', reason: isDraining ? 'draining' : 'undrained' })
          .then(reply, () => reply(false));
        const delay = state.config?.upstreams.find((u) => u.name === upstream)?.deregistrationDelay;
        if (isDraining && delay !== undefined) ctx.schedule(delay, DeregistrationDue.make({ upstream, target }));
        return;
      }
      case 'proxy.deregistration-due': {
        const runtime = state.args.snapshot.current?.upstreams.get(message.upstream);
        runtime?.targets.find((t) => t.address === message.target)?.pool.closeIdle();
        return;
      }
      case 'health.explain': {
        const reply = ctx.deferReply(ExplainHealth);
        if (reply === undefined) return;
        state.health.ask(ExplainHealth, { ...(message.upstream === undefined ? {} : { upstream: message.upstream }), ...(message.target === undefined ? {} : { target: message.target }) }).then(reply, () => reply({ upstreams: [] } as never));
        return;
      }
      case 'proxy.drain': {
        const reply = ctx.deferReply(Drain);
        if (reply === undefined) return;
        const drains = [...state.listeners.values()].map((entry) =>
          entry.ref.ask(DrainListener, { graceMs: message.graceMs }, { timeoutMs: message.graceMs + 5000 }).catch(() => -1),
        );
        Promise.all(drains).then((cuts) => reply(cuts.reduce((a, b) => a + Math.max(0, b), 0)));
        return;
      }
    }
  },
});

type Ctx = Parameters<NonNullable<typeof proxy.receive>>[2];

function startApply(state: ProxyState, message: MessageOf<typeof ApplyConfig>, reply: (result: ApplyResult) => void, ctx: Ctx): void {
  ctx.pipeToSelf(
    prepare(state, message.config, message.source, ctx),
    (prepared) => ApplyPrepared.make({ prepared, problems: [], source: message.source, reply }),
    (error: unknown) =>
      ApplyPrepared.make({
        problems: (error as { problems?: ApplyProblem[] }).problems ?? [{ path: '', message: (error as Error).message }],
        source: message.source,
        reply,
      }),
  );
}

async function prepare(state: ProxyState, config: Readonly<Config>, source: string, ctx: Ctx): Promise<Prepared> {
  const unsupported = [...unsupportedFeatures(config), ...certificateProblems(config)];
  if (unsupported.length > 0) throw Object.assign(new Error('unsupported'), { problems: unsupported });
  let routes;
  try {
    routes = await state.router.ask(CompileRoutes, { config });
  } catch (error) {
    throw Object.assign(new Error('routes'), { problems: [{ path: 'routes', message: (error as Error).message }] });
  }
  // Every script compiled, imported (or started in its worker) and self-tested before the version can go live.
  const scripts = await state.scripts.ask(PrepareScripts, { config, baseDir: scriptBaseDir(source) }, { timeoutMs: 60_000 }).catch((error: Error) => ({
    ok: false as const,
    problems: [{ path: 'routes', message: `scripts could not be loaded: ${error.message}` }],
  }));
  if (!scripts.ok) throw Object.assign(new Error('scripts'), { problems: scripts.problems });
  let built: Awaited<ReturnType<typeof buildFor>>;
  try {
    // Health first: targets that stay keep their verdicts, so the new pickers start from them.
    await state.health.ask(ConfigureHealth, { upstreams: config.upstreams }, { timeoutMs: 10_000 });
    built = await buildFor(state, config);
  } catch (error) {
    throw Object.assign(new Error('upstreams'), { problems: [{ path: 'upstreams', message: (error as Error).message }] });
  }
  const version = state.version + 1;
  const snapshot: ProxySnapshot = {
    version,
    config,
    source,
    routes,
    upstreams: built.upstreams,
    server: buildServerRuntime(config),
    dynamic: built.registry as PoolRegistry,
    scripts: scripts.scripts,
  };
  // The very first version must be readable before any listener accepts a connection.
  if (state.args.snapshot.current === undefined) state.args.snapshot.replace(snapshot);

  const listeners = new Map<string, ListenerEntry>();
  const fresh: ListenerEntry[] = [];
  const removed: ListenerEntry[] = [];
  const isBound = state.args.bindsListener ?? (() => true);
  for (const [name, entry] of state.listeners) {
    const wanted = config.listeners.find((l) => l.name === name && isBound(l));
    if (wanted === undefined || !sameListener(wanted, entry.config)) removed.push(entry);
  }
  for (const [index, wanted] of config.listeners.entries()) {
    if (!isBound(wanted)) continue;
    const existing = state.listeners.get(wanted.name);
    if (existing !== undefined && sameListener(wanted, existing.config)) {
      listeners.set(wanted.name, existing);
      continue;
    }
    // A listener moving to a new address keeps its old one open until the new one is bound.
    const context: ListenerContext = {
      name: wanted.name,
      scheme: wanted.protocol === 'https' ? 'https' : 'http',
      localPort: wanted.address.port,
      snapshot: state.args.snapshot as Snapshot<ProxySnapshot>,
      bus: ctx.bus,
      clock: ctx.clock,
      sweeper: state.args.sweeper,
      counters: newCounters(),
      nextConnId: () => ++state.connIds.next,
      nextRequestId: state.args.nextRequestId,
      connections: new SlotSet('liveSlot'),
      isShuttingDown: false,
    };
    const ref = ctx.spawn(listener, { config: wanted, context }, { name: `listener-${wanted.name}-v${version}` });
    const bound = await ref.ask(BindListener, {}, { timeoutMs: 10_000 }).catch((error: Error) => ({ ok: false, host: '', port: 0, error: error.message }));
    const entry: ListenerEntry = { name: wanted.name, config: wanted, ref, context, host: bound.host, port: bound.port };
    fresh.push(entry);
    if (!bound.ok) {
      await Promise.all(fresh.map((f) => ctx.stop(f.ref as never)));
      throw Object.assign(new Error('bind'), { problems: [{ path: `listeners.${index}.address`, message: bound.error ?? 'cannot bind' }] });
    }
    listeners.set(wanted.name, entry);
  }
  return { config, source, snapshot, poolKeys: built.poolKeys, listeners, removed };
}

function buildFor(state: ProxyState, config: Readonly<Config>) {
  return state.balancer.ask(BuildUpstreams, { config });
}

function sameListener(a: Readonly<ListenerConfig>, b: Readonly<ListenerConfig>): boolean {
  return a.protocol === b.protocol && a.address.host === b.address.host && a.address.port === b.address.port && JSON.stringify(a.tls) === JSON.stringify(b.tls);
}

export type { ListenerCounters };

/** Certificates are read before anything binds, so a missing or broken PEM refuses the version. */
export function certificateProblems(config: Readonly<Config>): ApplyProblem[] {
  const problems: ApplyProblem[] = [];
  config.listeners.forEach((l, i) => {
    if (l.tls === undefined) return;
    try {
      new TlsContexts(l.tls);
    } catch (error) {
      problems.push({ path: `listeners.${i}.tls.certificates`, message: `cannot load a certificate: ${(error as Error).message}` });
    }
  });
  return problems;
}
