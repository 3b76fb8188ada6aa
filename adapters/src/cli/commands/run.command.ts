// `switchyard run`: serve a config file, reloading it on SIGHUP or file change.
import { hostname } from 'node:os';
import { Bus, ConfigApplied } from '@switchyard/core';
import { startAdminServer, type AdminServer, type AdminServerOptions } from '../../admin/admin-server.js';
import { AdminErrorCode, AdminHttpError } from '../../admin/admin-http.js';
import { startProxyNode, type ProxyNode, type ProxyNodeOptions } from '@switchyard/actors';
import { parseDuration, type Config } from '@switchyard/config';
import { ExitCode, parseFlags, UsageError } from '../args.js';
import { AccessLogController } from '../access-log-controller.js';
import { println, type CliIo } from '../cli-io.js';
import { formatProblemLine, loadCheckedConfig, problemsOf, resolveConfigPath, type ConfigLoader } from '../config-checks.js';
import { ConfigReloader } from '../config-reloader.js';
import { fileFingerprint, watchConfigFile, type ConfigWatcher } from '../config-watcher.js';
import { createLogger, type AppLogger, type LogLevel } from '../../logging/logger.js';
import { serveUntilSignalled } from '../serve.js';
import { connectClusterTransport, type ClusterTransport } from '../cluster-transport.js';
import { workerCount, isWorkerProcess } from '../workers-mode.js';

/** What `run` builds on; tests replace parts. */
export interface RunDeps {
  load: ConfigLoader;
  startNode: (config: Readonly<Config>, options: ProxyNodeOptions) => Promise<ProxyNode>;
  startAdmin: (options: AdminServerOptions) => Promise<AdminServer>;
  createLogger: (level: LogLevel) => AppLogger;
  /** Connects the cluster transport when the config has `cluster:`; default NATS. */
  connectCluster?: typeof connectClusterTransport;
}

export const defaultRunDeps: RunDeps = {
  load: loadCheckedConfig,
  startNode: startProxyNode,
  startAdmin: startAdminServer,
  createLogger: (level) => createLogger({ level }),
};

const LOG_LEVELS: readonly LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

const FLAGS = {
  config: { type: 'string', short: 'c' },
  watch: { type: 'boolean', short: 'w' },
  grace: { type: 'string' },
  'log-level': { type: 'string' },
  'node-name': { type: 'string' },
  workers: { type: 'string' },
} as const;

/** Parses a duration flag such as `10s` (absent: 10 s, the default of `server.shutdownTimeout`). */
export function parseGraceMs(text: string | undefined): number {
  if (text === undefined) return 10_000;
  const ms = parseDuration(text);
  if (ms === undefined) throw new UsageError(`--grace expects a duration such as "10s" or "500ms", got "${text}"`);
  return ms;
}

export async function runCommand(args: readonly string[], io: CliIo, deps: RunDeps = defaultRunDeps): Promise<ExitCode> {
  const flags = parseFlags(args, FLAGS);
  // A worker process forked by a primary (same command line): it serves what the primary sends.
  if (isWorkerProcess()) return (await import('../run-worker.js')).runWorker(io);
  // --grace wins; else server.shutdownTimeout of the config in force when the stop signal comes.
  const graceOverrideMs = flags.grace === undefined ? undefined : parseGraceMs(flags.grace);
  const levelOverride = flags['log-level'];
  if (levelOverride !== undefined && !(LOG_LEVELS as readonly string[]).includes(levelOverride)) {
    throw new UsageError(`--log-level expects one of ${LOG_LEVELS.join(', ')}, got "${levelOverride}"`);
  }
  const file = resolveConfigPath(flags.config, io.cwd);

  // Taken before reading, so a save between the read and the start of watching is not missed.
  const loadedFingerprint = flags.watch === true ? fileFingerprint(file) : undefined;
  let config: Readonly<Config>;
  try {
    config = await deps.load(file);
  } catch (err) {
    for (const p of problemsOf(err)) println(io.stderr, formatProblemLine(file, p));
    println(io.stderr, 'switchyard: the config is not valid; not starting');
    return ExitCode.Failure;
  }

  const logger = deps.createLogger((levelOverride as LogLevel | undefined) ?? config.log.level);
  const workers = workerCount(flags.workers, config.workers);
  if (workers > 1) {
    const { runPrimary } = await import('../run-primary.js');
    return runPrimary({ io, file, config, workers, logger, deps, nodeName: flags['node-name'], graceOverrideMs, levelOverride, isWatching: flags.watch === true, loadedFingerprint });
  }
  // The access log subscribes to the bus before the node accepts its first connection.
  const bus = new Bus();
  const accessLog = new AccessLogController({ bus, logger });
  try {
    accessLog.start(config.server.accessLog);
  } catch (err) {
    logger.error({ err, path: config.server.accessLog.path }, 'the access log could not start');
    return ExitCode.Failure;
  }

  // In a cluster the node name is the member id: unique per process unless the operator names it.
  const nodeName = flags['node-name'] ?? (config.cluster === undefined ? undefined : `${hostname()}-${process.pid}`);
  let cluster: ClusterTransport | undefined;
  if (config.cluster !== undefined) {
    try {
      cluster = await (deps.connectCluster ?? connectClusterTransport)(config.cluster, { nodeName: nodeName as string, bus, logger });
    } catch (err) {
      logger.error({ err, servers: config.cluster.nats.servers }, 'cannot join the cluster: NATS is unreachable');
      await accessLog.close();
      return ExitCode.Failure;
    }
  }

  let node: ProxyNode;
  try {
    node = await deps.startNode(config, { logger, bus, ...(nodeName === undefined ? {} : { nodeName }), ...(cluster === undefined ? {} : { cluster: { ...cluster.options, workers: 1 } }) });
  } catch (err) {
    logger.error({ err, file }, 'the proxy could not start');
    await cluster?.close();
    await accessLog.close();
    return ExitCode.Failure;
  }

  const announceListeners = listeningAnnouncer(logger, node, file);
  const afterApply = (next: Readonly<Config>): void => {
    accessLog.update(next.server.accessLog);
    if (levelOverride === undefined && logger.level !== next.log.level) logger.setLevel(next.log.level);
    announceListeners();
  };
  const reloader = new ConfigReloader({ node, file, load: deps.load, logger, bus: node.bus, onApplied: afterApply });
  // A version rolled out by the cluster gets the same after-apply steps as a file reload.
  const rolloutSubscription = cluster === undefined ? undefined : node.bus.subscribe(ConfigApplied, (e) => (e.source.startsWith('cluster ') ? afterApply(node.config) : undefined));

  // The admin listener is set up once; a reload that changes `admin:` takes effect at restart.
  let admin: AdminServer | undefined;
  if (config.admin !== undefined) {
    try {
      admin = await deps.startAdmin({
        node,
        config: config.admin,
        logger,
        configSource: file,
        processMetrics: true,
        targetHealth: (upstream, target) => {
          const health = node.targetHealth(upstream, target);
          return health === undefined ? undefined : { ...health };
        },
        hooks: {
          reload: () => reloader.reload({ reason: 'admin-api' }),
          drain: async ({ upstream, target, isDraining }) => {
            const isFound = await node.drain(upstream, target, isDraining);
            if (!isFound) throw new AdminHttpError(404, AdminErrorCode.NotFound, `no target ${target} in upstream "${upstream}"`);
            return { upstream, target, state: isDraining ? 'draining' : 'active' };
          },
          applyConfig: async (next, source) => {
            await node.apply(next, source);
            afterApply(next);
          },
        },
      });
    } catch (err) {
      logger.error({ err }, 'the admin API could not start');
      await node.close({ graceMs: 0 });
      await cluster?.close();
      await accessLog.close();
      return ExitCode.Failure;
    }
  }

  let watcher: ConfigWatcher | undefined;
  if (flags.watch === true) {
    watcher = watchConfigFile(file, () => void reloader.reload({ reason: 'watch', skipUnchanged: true }), {
      onError: (error) => logger.error({ err: error }, error.message),
      ...(loadedFingerprint === undefined ? {} : { loadedFingerprint }),
    });
    logger.info({ file }, 'watching the config file');
  }
  // Last: "listening" means ready. The signal handlers are installed synchronously right after it.
  announceListeners();

  return serveUntilSignalled({
    io,
    node,
    logger,
    graceMs: () => graceOverrideMs ?? node.config.server.shutdownTimeout,
    onReload: () => void reloader.reload({ reason: 'SIGHUP' }),
    onReopenLogs: () => accessLog.reopen(),
    onStopping: () => {
      admin?.setReady(false);
      watcher?.close();
    },
    afterClose: async () => {
      rolloutSubscription?.unsubscribe();
      await admin?.close();
      await cluster?.close();
      await accessLog.close();
    },
  });
}

/**
 * Logs one `listening` line per bound listener (the line scripts and tests wait for); called again
 * after a reload, it logs only the listeners that are new.
 */
export function listeningAnnouncer(logger: AppLogger, node: Pick<ProxyNode, 'listeners' | 'configVersion'>, source: string): () => void {
  const announced = new Set<string>();
  return () => {
    for (const l of node.listeners()) {
      const address = `${l.host.includes(':') ? `[${l.host}]` : l.host}:${l.port}`;
      const key = `${l.name} ${l.protocol} ${address}`;
      if (announced.has(key)) continue;
      announced.add(key);
      logger.info({ listener: l.name, protocol: l.protocol, address, configVersion: node.configVersion, source }, 'listening');
    }
  };
}
