// `switchyard run` inside a worker process: serves the config its primary sends, over listeners shared with the other workers.
import { Bus, ConfigApplied } from '@switchyard/core';
import { startProxyNode, type ProxyNode, type TargetHealthState } from '@switchyard/actors';
import type { Config } from '@switchyard/config';
import { ExitCode } from './args.js';
import { AccessLogController } from './access-log-controller.js';
import type { CliIo } from './cli-io.js';
import { createLogger, type LogLevel } from '../logging/logger.js';
import { ProxyMetrics } from '../metrics/proxy-metrics.js';
import { ipcPortOf } from '../workers/ipc-port.js';
import { isIpcMessage, type DrainOrder, type StartMessage, type StatusMessage } from '../workers/ipc-protocol.js';
import { serveRpc } from '../workers/ipc-rpc.js';
import { IpcTransport } from '../workers/ipc-transport.js';
import { WORKERS_CLUSTER, workerNodeName } from '../workers/workers-relay.js';

/** Membership over IPC: a worker killed with -9 is declared gone (its probes move) within a second. */
const HEARTBEAT_MS = 250;
const MEMBERSHIP_TIMEOUT_MS = 1000;
const STATUS_INTERVAL_MS = 500;

/**
 * Runs one worker: asks the primary for its start (config, slot, node name), starts a proxy node
 * whose listeners share the primary's sockets (node:cluster), joins the other workers over the IPC
 * transport as a local cluster (membership, probe ownership, shared verdicts, event relay; in a
 * NATS cluster the primary relays to the other nodes and says what the node owns), and
 * answers the primary's requests (status, metrics, apply, drain) until told to shut down.
 */
export async function runWorker(io: CliIo): Promise<ExitCode> {
  const port = ipcPortOf(process);
  const start = await new Promise<StartMessage>((resolve) => {
    const stop = port.listen((message) => {
      if (!isIpcMessage(message) || message.sy !== 'start') return;
      stop();
      resolve(message);
    });
    port.send({ sy: 'hello' });
  });
  const { slot } = start;
  const logger = createLogger({ level: start.logLevel as LogLevel, bindings: { worker: slot } });
  const bus = new Bus();
  const accessLog = new AccessLogController({ bus, logger });
  try {
    accessLog.start(start.config.server.accessLog);
  } catch (err) {
    logger.error({ err }, 'the access log could not start');
    return ExitCode.Failure;
  }

  const transport = new IpcTransport(port);
  let node: ProxyNode;
  try {
    node = await startProxyNode(start.config, {
      logger,
      bus,
      nodeName: workerNodeName(start.nodeName, slot),
      // When the node is in a cluster, the primary relays between NATS and this IPC cluster and
      // says which targets the node owns; this worker probes its share of those.
      cluster: { transport, name: WORKERS_CLUSTER, heartbeatMs: HEARTBEAT_MS, timeoutMs: MEMBERSHIP_TIMEOUT_MS, followsNode: true, relay: { worker: slot } },
      // A UDP flow must stay with one process: only worker 1 binds UDP listeners.
      ...(slot === 1 ? {} : { bindsListener: (l) => l.protocol !== 'udp' }),
    });
  } catch (err) {
    logger.error({ err }, 'the worker could not start');
    await transport.close();
    await accessLog.close();
    return ExitCode.Failure;
  }
  for (const drain of start.drains) await node.drain(drain.upstream, drain.target, drain.isDraining);
  // Metrics cost a per-request event; kept only when there is an admin API to read them.
  const metrics = start.config.admin === undefined ? undefined : new ProxyMetrics({ node, processMetrics: true });

  const status = (): StatusMessage => ({
    sy: 'status',
    configVersion: node.configVersion,
    listeners: node.listeners(),
    counters: node.counters(),
    health: healthOf(node),
  });
  const pushStatus = (): void => void port.send(status());
  const statusTimer = setInterval(pushStatus, STATUS_INTERVAL_MS);
  statusTimer.unref();
  const appliedSubscription = bus.subscribe(ConfigApplied, () => pushStatus());

  const afterApply = (next: Readonly<Config>): void => {
    accessLog.update(next.server.accessLog);
    if (logger.level !== next.log.level) logger.setLevel(next.log.level);
  };
  const stopServing = serveRpc(port, {
    status: () => status(),
    metrics: () => metrics?.registry.getMetricsAsJSON() ?? [],
    apply: async (args: { config: Readonly<Config>; source: string }) => {
      await node.apply(args.config, args.source);
      afterApply(args.config);
      return { version: node.configVersion };
    },
    drain: (args: DrainOrder) => node.drain(args.upstream, args.target, args.isDraining),
  });

  return new Promise<ExitCode>((resolve) => {
    let closing: Promise<void> | undefined;
    const unsubscribes: (() => void)[] = [];
    const shutDown = (graceMs: number, why: string): void => {
      closing ??= (async () => {
        logger.info({ graceMs, why }, 'worker shutting down');
        clearInterval(statusTimer);
        appliedSubscription.unsubscribe();
        let code: ExitCode = ExitCode.Ok;
        try {
          await node.close({ graceMs });
        } catch (err) {
          logger.error({ err }, 'closing the worker failed');
          code = ExitCode.Failure;
        }
        stopServing();
        metrics?.close();
        await transport.close();
        await accessLog.close();
        for (const off of unsubscribes) off();
        resolve(code);
      })();
    };
    unsubscribes.push(
      port.listen((message) => {
        if (!isIpcMessage(message)) return;
        if (message.sy === 'shutdown') shutDown(message.graceMs, 'primary');
        else if (message.sy === 'reopen-logs') accessLog.reopen();
      }),
    );
    // The primary decides reloads and stops; a terminal's Ctrl-C reaches the whole process group, so
    // SIGINT and SIGHUP are left to the primary. SIGTERM sent to this worker alone stops it (and the
    // primary forks a new one).
    unsubscribes.push(io.onSignal('SIGINT', () => undefined));
    unsubscribes.push(io.onSignal('SIGHUP', () => undefined));
    unsubscribes.push(io.onSignal('SIGUSR1', () => undefined));
    unsubscribes.push(io.onSignal('SIGTERM', () => shutDown(node.config.server.shutdownTimeout, 'SIGTERM')));
    // The primary is gone (killed): nobody will restart or stop this worker, so it stops itself.
    const onDisconnect = (): void => shutDown(node.config.server.shutdownTimeout, 'primary gone');
    process.once('disconnect', onDisconnect);
    unsubscribes.push(() => void process.off('disconnect', onDisconnect));
    port.send({ sy: 'ready', listeners: node.listeners() });
    pushStatus();
  });
}

function healthOf(node: ProxyNode): Record<string, TargetHealthState> {
  const out: Record<string, TargetHealthState> = {};
  for (const upstream of node.config.upstreams) {
    for (const target of upstream.targets) {
      const health = node.targetHealth(upstream.name, target.address.text);
      if (health !== undefined) out[`${upstream.name}\u0000${target.address.text}`] = health;
    }
  }
  return out;
}
