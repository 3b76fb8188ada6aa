// `switchyard run` with `workers` > 1: the primary forks the workers, decides config, drains and shutdown once, and serves the admin API for the node as a whole.
import { hostname } from 'node:os';
import { ConfigApplied, Snapshot, createActorSystem, type Bus } from '@switchyard/core';
import {
  ConfigNotAppliedError,
  eventRelay,
  soloOwnership,
  startClusterNode,
  type ApplyProblem,
  type BoundListener,
  type ClusterHandle,
  type ListenerCounters,
  type ProbeOwnership,
  type TargetHealthState,
} from '@switchyard/actors';
import type { Config } from '@switchyard/config';
import { AggregatorRegistry, Gauge, type MetricObjectWithValues, type MetricValue } from 'prom-client';
import type { AdminServer } from '../admin/admin-server.js';
import { AdminErrorCode, AdminHttpError } from '../admin/admin-http.js';
import { ExitCode } from './args.js';
import type { CliIo } from './cli-io.js';
import { ConfigReloader } from './config-reloader.js';
import { fileFingerprint, watchConfigFile, type ConfigWatcher } from './config-watcher.js';
import type { AppLogger } from '../logging/logger.js';
import type { RunDeps } from './commands/run.command.js';
import { serveUntilSignalled } from './serve.js';
import { listeningAnnouncer } from './commands/run.command.js';
import { RemoteError } from '../workers/ipc-rpc.js';
import type { DrainOrder, StatusMessage } from '../workers/ipc-protocol.js';
import { IpcHub } from '../workers/ipc-transport.js';
import { WorkerSupervisor, type WorkerSlot } from '../workers/worker-supervisor.js';
import { WorkersRelay, workerNodeName } from '../workers/workers-relay.js';
import { connectClusterTransport, type ClusterTransport } from './cluster-transport.js';

export interface PrimaryOptions {
  io: CliIo;
  file: string;
  config: Readonly<Config>;
  workers: number;
  logger: AppLogger;
  deps: RunDeps;
  nodeName: string | undefined;
  graceOverrideMs: number | undefined;
  levelOverride: string | undefined;
  isWatching: boolean;
  loadedFingerprint: ReturnType<typeof fileFingerprint> | undefined;
}

type MetricsJson = MetricObjectWithValues<MetricValue<string>>[];

/**
 * The primary of a node with worker processes. It holds no proxy of its own: it forks the workers
 * (which share the listening sockets), restarts any that crash, and is the one place where the
 * node decides: a reload is loaded and validated here once and applied in every worker (rolled
 * back where it applied if any worker refuses it); a drain is applied in every worker and replayed
 * to a restarted one; SIGTERM drains every worker. The admin API lives here: counters and metrics
 * are summed over the workers, and the event stream shows every worker's events, tagged with it.
 */
export async function runPrimary(options: PrimaryOptions): Promise<ExitCode> {
  const { io, file, logger, deps } = options;
  const clusterConfig = options.config.cluster;
  // In a cluster the node name is the member id: unique per node unless the operator names it.
  const nodeName = options.nodeName ?? (clusterConfig === undefined ? hostname() : `${hostname()}-${process.pid}`);
  const system = createActorSystem({ name: nodeName, node: nodeName });
  const bus = system.bus;
  // The node's one cluster connection: the primary is the node's member; its workers are not.
  let link: ClusterTransport | undefined;
  if (clusterConfig !== undefined) {
    try {
      link = await (deps.connectCluster ?? connectClusterTransport)(clusterConfig, { nodeName, bus, logger });
    } catch (err) {
      logger.error({ err, servers: clusterConfig.nats.servers }, 'cannot join the cluster: NATS is unreachable');
      await system.terminate();
      return ExitCode.Failure;
    }
  }
  const hub = new IpcHub();
  const relay = new WorkersRelay(system, hub, { isClustered: link !== undefined, workers: options.workers });
  let clusterSide: ClusterHandle | undefined;
  // The system stops first, so the node's `cluster.leaving` goes out before the bridges and the link close.
  const closeClusterSide = async (): Promise<void> => {
    await system.terminate();
    clusterSide?.closeBridge();
    relay.close();
    await link?.close();
  };

  let current = options.config;
  let source = file;
  let version = 1;
  const drains = new Map<string, DrainOrder>();
  const supervisor = new WorkerSupervisor({
    count: options.workers,
    bus,
    logger,
    hub,
    onReady: () => relay.restate(),
    startFor: (slot) => ({
      sy: 'start',
      slot,
      workers: options.workers,
      nodeName,
      config: current,
      source,
      logLevel: (options.levelOverride ?? current.log.level) as string,
      drains: [...drains.values()],
    }),
  });
  logger.info({ workers: options.workers, node: nodeName }, 'starting worker processes');
  try {
    await supervisor.start();
  } catch (err) {
    logger.error({ err, file }, 'the workers could not start');
    await closeClusterSide();
    return ExitCode.Failure;
  }

  const node = new WorkersNode(supervisor, system, bus, () => current, () => version);
  const apply = async (next: Readonly<Config>, nextSource: string): Promise<void> => {
    await applyEverywhere(supervisor, next, nextSource, { config: current, source });
    current = next;
    source = nextSource;
    version++;
    bus.publish(ConfigApplied.make({ version, source: nextSource, listenersAdded: [], listenersRemoved: [] }));
    logger.info({ source: nextSource, version, workers: supervisor.ready().length }, 'config applied in every worker');
  };
  node.applyFn = apply;

  const announceListeners = listeningAnnouncer(logger, node, file);
  const afterApply = (next: Readonly<Config>): void => {
    if (options.levelOverride === undefined && logger.level !== next.log.level) logger.setLevel(next.log.level);
    announceListeners();
  };
  const reloader = new ConfigReloader({ node, file, load: deps.load, logger, bus, onApplied: afterApply });
  // Joined once every worker serves the startup config: a newer cluster version, if peers have one, follows.
  if (link !== undefined) {
    const ownership = new Snapshot<ProbeOwnership>('cluster.ownership', soloOwnership(nodeName));
    clusterSide = startClusterNode(system, { ...link.options, transport: relay.toCluster(link.options.transport, link.options.name), workers: options.workers }, {
      ownership,
      apply: async (next, nextSource) => {
        await apply(next, nextSource);
        afterApply(next);
      },
      config: () => current,
    });
    relay.followOwnership(ownership);
    node.cluster = clusterSide;
  } else {
    system.spawn(eventRelay, {}, { name: 'event-relay' });
  }

  let admin: AdminServer | undefined;
  if (options.config.admin !== undefined) {
    try {
      admin = await deps.startAdmin({
        node,
        config: options.config.admin,
        logger,
        configSource: file,
        eventStream: { ownWorkers: relay.workerNodes },
        renderMetrics: () => renderMetrics(supervisor),
        workers: () => workersView(supervisor, nodeName),
        targetHealth: (upstream, target) => {
          const health = node.targetHealth(upstream, target);
          return health === undefined ? undefined : { ...health };
        },
        hooks: {
          reload: () => reloader.reload({ reason: 'admin-api' }),
          drain: async ({ upstream, target, isDraining }) => {
            const answers = await supervisor.askAll<boolean>('drain', { upstream, target, isDraining });
            if (!answers.every((a) => a.value)) throw new AdminHttpError(404, AdminErrorCode.NotFound, `no target ${target} in upstream "${upstream}"`);
            drains.set(`${upstream}\u0000${target}`, { upstream, target, isDraining });
            return { upstream, target, state: isDraining ? 'draining' : 'active', workers: answers.length };
          },
          applyConfig: async (next, nextSource) => {
            await apply(next, nextSource);
            afterApply(next);
          },
        },
      });
    } catch (err) {
      logger.error({ err }, 'the admin API could not start');
      await supervisor.stop(0);
      await closeClusterSide();
      return ExitCode.Failure;
    }
  }

  let watcher: ConfigWatcher | undefined;
  if (options.isWatching) {
    watcher = watchConfigFile(file, () => void reloader.reload({ reason: 'watch', skipUnchanged: true }), {
      onError: (error) => logger.error({ err: error }, error.message),
      ...(options.loadedFingerprint === undefined ? {} : { loadedFingerprint: options.loadedFingerprint }),
    });
  }
  announceListeners();

  return serveUntilSignalled({
    io,
    node,
    logger,
    graceMs: () => options.graceOverrideMs ?? current.server.shutdownTimeout,
    onReload: () => void reloader.reload({ reason: 'SIGHUP' }),
    onReopenLogs: () => supervisor.broadcast({ sy: 'reopen-logs' }),
    onStopping: () => {
      admin?.setReady(false);
      watcher?.close();
    },
    afterClose: async () => {
      await admin?.close();
      await closeClusterSide();
    },
  });
}

/** What the admin API, the reloader and the signal handling read and drive: the node as a whole. */
class WorkersNode {
  applyFn: ((config: Readonly<Config>, source: string) => Promise<void>) | undefined;
  /** The node's cluster side (the primary is its member), when the config has `cluster:`. */
  cluster: ClusterHandle | undefined;

  constructor(
    private readonly supervisor: WorkerSupervisor,
    readonly system: ReturnType<typeof createActorSystem>,
    readonly bus: Bus,
    private readonly currentConfig: () => Readonly<Config>,
    private readonly currentVersion: () => number,
  ) {}

  get config(): Readonly<Config> {
    return this.currentConfig();
  }

  get configVersion(): number {
    return this.currentVersion();
  }

  /** Every listener some worker binds (UDP ones in worker 1 only), by name. */
  listeners(): BoundListener[] {
    const byName = new Map<string, BoundListener>();
    for (const slot of this.supervisor.ready()) for (const l of slot.status?.listeners ?? slot.listeners) if (!byName.has(l.name)) byName.set(l.name, l);
    return [...byName.values()];
  }

  /** Each listener's counters summed over the workers (as of their last status, at most 500 ms old). */
  counters(): Record<string, ListenerCounters> {
    const sum: Record<string, ListenerCounters> = {};
    for (const slot of this.supervisor.ready()) {
      for (const [name, counters] of Object.entries(slot.status?.counters ?? {})) {
        const into = (sum[name] ??= { ...counters, ...zeroes(counters) });
        for (const key of Object.keys(counters) as (keyof ListenerCounters)[]) into[key] += counters[key];
      }
    }
    return sum;
  }

  /** Health as the lowest-numbered serving worker sees it (the workers share verdicts). */
  targetHealth(upstream: string, target: string): TargetHealthState | undefined {
    for (const slot of this.supervisor.ready()) {
      const health = slot.status?.health[`${upstream}\u0000${target}`];
      if (health !== undefined) return health;
    }
    return undefined;
  }

  apply(config: Readonly<Config>, source: string): Promise<void> {
    if (this.applyFn === undefined) return Promise.reject(new Error('not started'));
    return this.applyFn(config, source);
  }

  close(options: { graceMs?: number } = {}): Promise<void> {
    return this.supervisor.stop(options.graceMs ?? 10_000);
  }
}

function zeroes(counters: ListenerCounters): ListenerCounters {
  return Object.fromEntries(Object.keys(counters).map((k) => [k, 0])) as unknown as ListenerCounters;
}

/**
 * Applies a config in every serving worker. When any refuses it, those that applied it go back to
 * the previous config, and the refusal (with each worker's problems) is thrown: the node serves
 * one config, never a mix.
 */
async function applyEverywhere(supervisor: WorkerSupervisor, next: Readonly<Config>, source: string, previous: { config: Readonly<Config>; source: string }): Promise<void> {
  const slots = supervisor.ready();
  const results = await Promise.allSettled(slots.map((s) => askApply(s, next, source)));
  const problems: ApplyProblem[] = [];
  const applied: WorkerSlot[] = [];
  results.forEach((result, i) => {
    const slot = slots[i] as WorkerSlot;
    if (result.status === 'fulfilled') {
      applied.push(slot);
      return;
    }
    const error = result.reason as Error;
    const remote = error instanceof RemoteError ? error.problems : undefined;
    for (const p of remote ?? [{ path: '', message: error.message }]) problems.push({ path: p.path, message: `worker ${slot.slot}: ${p.message}` });
  });
  if (problems.length === 0) return;
  await Promise.allSettled(applied.map((s) => askApply(s, previous.config, previous.source)));
  throw new ConfigNotAppliedError(problems);
}

function askApply(slot: WorkerSlot, config: Readonly<Config>, source: string): Promise<unknown> {
  if (slot.rpc === undefined) return Promise.reject(new Error('worker not running'));
  return slot.rpc.ask('apply', { config, source }, 70_000);
}

/** `/metrics`: every serving worker's registry, summed by prom-client's cluster aggregator, plus the workers by state. */
async function renderMetrics(supervisor: WorkerSupervisor): Promise<string> {
  const slots = supervisor.ready();
  const answers = await Promise.allSettled(slots.map((s) => (s.rpc as NonNullable<WorkerSlot['rpc']>).ask<MetricsJson>('metrics', {}, 5000)));
  const parts = answers.flatMap((a) => (a.status === 'fulfilled' ? [a.value] : []));
  const registry = AggregatorRegistry.aggregate(parts);
  const workers = new Gauge({ name: 'switchyard_workers', help: 'Worker processes of this node, by state.', labelNames: ['state'], registers: [registry] });
  for (const state of ['ready', 'starting', 'restarting'] as const) workers.set({ state }, supervisor.slots.filter((s) => s.state === state).length);
  const restarts = new Gauge({ name: 'switchyard_worker_restarts', help: 'Worker processes restarted after a crash since the node started.', registers: [registry] });
  restarts.set(supervisor.slots.reduce((n, s) => n + s.restarts, 0));
  const scraped = new Gauge({ name: 'switchyard_workers_scraped', help: 'Workers whose metrics this scrape includes.', registers: [registry] });
  scraped.set(parts.length);
  return registry.metrics();
}

/** `/api/workers`: each worker slot, its process, its own counters and how it sees each target (asked now, not cached). */
async function workersView(supervisor: WorkerSupervisor, nodeName: string): Promise<unknown> {
  const slots = await Promise.all(
    supervisor.slots.map(async (s) => {
      const status = s.state === 'ready' && s.rpc !== undefined ? await s.rpc.ask<StatusMessage>('status', {}, 5000).catch(() => undefined) : undefined;
      return {
        worker: s.slot,
        node: workerNodeName(nodeName, s.slot),
        pid: s.pid,
        state: s.state,
        restarts: s.restarts,
        readySince: s.readyAt === undefined ? null : new Date(s.readyAt).toISOString(),
        configVersion: status?.configVersion ?? null,
        counters: status?.counters ?? null,
        // Each worker applies health on its own (its probes, its siblings' and other nodes' verdicts).
        targets:
          status === undefined
            ? null
            : Object.entries(status.health).map(([key, health]) => {
                const [upstream, target] = key.split('\u0000') as [string, string];
                return { upstream, target, state: health.state, mayTakeTraffic: health.mayTakeTraffic };
              }),
      };
    }),
  );
  return { node: nodeName, workers: supervisor.slots.length, schedulingPolicy: 'none', slots };
}

