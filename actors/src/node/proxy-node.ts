// Assembles a proxy node: an actor system, the proxy actor and its children, and the live snapshot.
import { ActorSystem, ExplainHealth, Snapshot, SwitchyardError, createActorSystem, nextId, silentLogger, type Bus, type Clock, type HealthExplanation, type Logger } from '@switchyard/core';
import type { Config, ListenerConfig } from '@switchyard/config';
import { DeadlineSweeper } from '../proxy/deadline-sweeper.js';
import type { ProxySnapshot } from '../proxy/proxy-snapshot.js';
import { ApplyConfig, Drain, DrainTarget, proxy, type ApplyProblem, type ListenerEntry } from './proxy.actor.js';
import type { ListenerCounters } from '../proxy/listener-context.js';
import { soloOwnership, type ProbeOwnership } from '../cluster/probe-ownership.js';
import { createHealthViewsSnapshot } from '../health/index.js';
import { observeConnections, type ConnectionHandle } from '../observers/connections.js';
import type { Observable } from 'rxjs';
import { startClusterNode, type ClusterHandle, type ClusterNodeOptions } from './cluster-node.js';

export interface ProxyNodeOptions {
  logger?: Logger;
  /** A bus to use, so subscribers (access log, event streams) are in place before the first connection. */
  bus?: Bus;
  clock?: Clock;
  /** The node's name; in a cluster also its member id, so it must be unique there. */
  nodeName?: string;
  /** Join a cluster over this transport (the CLI connects NATS when the config has `cluster:`). */
  cluster?: ClusterNodeOptions;
  /**
   * Which of the config's listeners this node binds (default all). A worker process binds UDP
   * listeners in one worker only, so each UDP flow stays with the worker that holds its socket.
   */
  bindsListener?: (listener: Readonly<ListenerConfig>) => boolean;
}

export interface TargetHealthState {
  state: 'healthy' | 'unhealthy';
  mayTakeTraffic: boolean;
  isEjected: boolean;
  isDraining: boolean;
  admin: string;
  isPanicking: boolean;
}

export interface BoundListener {
  name: string;
  protocol: string;
  host: string;
  port: number;
}

/** A valid config that could not be applied; `problems` name the path and reason of each. */
export class ConfigNotAppliedError extends SwitchyardError {
  constructor(readonly problems: readonly ApplyProblem[]) {
    super('ERR_CONFIG_NOT_APPLIED', problems.map((p) => `${p.path || '(root)'}: ${p.message}`).join('\n'));
  }
}

export interface ProxyNode {
  readonly system: ActorSystem;
  readonly bus: Bus;
  readonly configVersion: number;
  /** The config serving new requests; already the new one when `config.applied` is published. */
  readonly config: Readonly<Config>;
  /** Where that config came from (a file path, `admin-api`, `startup`...). */
  readonly configSource: string;
  listeners(): BoundListener[];
  /** Counters per listener name, read live. */
  counters(): Record<string, ListenerCounters>;
  /** Applies a validated config to new requests; in-flight ones finish on the old one. Rejects (old config kept) when it cannot. */
  apply(config: Readonly<Config>, source: string): Promise<void>;
  /** Stops accepting, lets in-flight requests finish up to graceMs, closes. */
  close(options?: { graceMs?: number }): Promise<void>;
  /** Drains a target (`host:port`) at run time, or puts it back; false when no such target. */
  drain(upstream: string, target: string, isDraining?: boolean): Promise<boolean>;
  /** Why each target is in the state it is in: state, since when, and the evidence. */
  explainHealth(upstream?: string, target?: string): Promise<HealthExplanation>;
  /** A target's health right now, read synchronously (admin API, dashboards); undefined when unknown. */
  targetHealth(upstream: string, target: string): TargetHealthState | undefined;
  /** The node's cluster side, when it runs in one. */
  readonly cluster?: ClusterHandle | undefined;
  /**
   * One handle per connection opened from now on; each handle's `events$` emits its lifecycle and
   * completes when it closes. Events are built only while someone subscribes.
   * @example
   * node.connections$.subscribe((c) => c.events$.subscribe((e) => console.log(c.connId, e.type)));
   */
  readonly connections$: Observable<ConnectionHandle>;
}

/**
 * Starts a node serving `config`.
 * @example
 * const node = await startProxyNode(loadConfig(yaml.parse(text)));
 * console.log(node.listeners()); // [{ name: 'web', protocol: 'http', host: '127.0.0.1', port: 8080 }]
 * await node.close({ graceMs: 5000 });
 */
export async function startProxyNode(config: Readonly<Config>, options: ProxyNodeOptions = {}): Promise<ProxyNode> {
  const logger = options.logger ?? silentLogger;
  const name = options.nodeName ?? 'switchyard';
  const system = createActorSystem({
    name,
    ...(options.cluster === undefined ? {} : { node: name }),
    ...(options.clock === undefined ? {} : { clock: options.clock }),
    ...(options.bus === undefined ? {} : { bus: options.bus }),
  });
  const sweeper = new DeadlineSweeper(system.clock);
  const snapshot = new Snapshot<ProxySnapshot | undefined>('proxy', undefined);
  const prefix = nextId().split('-')[0] as string;
  let requestSeq = 0;
  const healthViews = createHealthViewsSnapshot();
  const ownership = options.cluster === undefined ? undefined : new Snapshot<ProbeOwnership>('cluster.ownership', soloOwnership(system.node));
  const ref = system.spawn(
    proxy,
    { sweeper, snapshot, healthViews, nextRequestId: () => `${prefix}-${(++requestSeq).toString(36)}`, ...(ownership === undefined ? {} : { ownership }), ...(options.bindsListener === undefined ? {} : { bindsListener: options.bindsListener }) },
    { name: 'proxy' },
  );

  let current = config;
  let listeners: readonly ListenerEntry[] = [];

  async function apply(next: Readonly<Config>, source: string): Promise<void> {
    const result = await ref.ask(ApplyConfig, { config: next, source }, { timeoutMs: 60_000 });
    if (!result.ok) {
      logger.error({ source, problems: result.problems }, 'config not applied; the last good config keeps serving');
      throw new ConfigNotAppliedError(result.problems);
    }
    current = next;
    listeners = result.listeners;
    logger.info({ source, version: result.version, listeners: listeners.map((l) => `${l.name}@${l.host}:${l.port}`) }, 'config applied');
  }

  try {
    await apply(config, 'startup');
  } catch (error) {
    await system.terminate();
    sweeper.stop();
    throw error;
  }
  // Joined after the startup config serves: a newer cluster version, if peers have one, follows.
  const cluster =
    options.cluster === undefined || ownership === undefined
      ? undefined
      : startClusterNode(system, options.cluster, { ownership, apply, config: () => snapshot.current?.config ?? current });

  return {
    system,
    bus: system.bus,
    get configVersion() {
      return snapshot.current?.version ?? 0;
    },
    get config() {
      return snapshot.current?.config ?? current;
    },
    get configSource() {
      return snapshot.current?.source ?? 'startup';
    },
    cluster,
    listeners: () => listeners.map((entry) => ({ name: entry.name, protocol: entry.config.protocol, host: entry.host, port: entry.port })),
    counters: () => Object.fromEntries(listeners.map((entry) => [entry.name, entry.context.counters])),
    apply,
    drain: (upstream, target, isDraining = true) => ref.ask(DrainTarget, { upstream, target, isDraining }, { timeoutMs: 10_000 }),
    explainHealth: (upstream, target) =>
      ref.ask(ExplainHealth, { ...(upstream === undefined ? {} : { upstream }), ...(target === undefined ? {} : { target }) }, { timeoutMs: 10_000 }),
    connections$: observeConnections(system.bus),
    targetHealth(upstream, target) {
      const view = healthViews.current.get(upstream);
      const t = view?.targets.find((candidate) => candidate.address === target);
      if (view === undefined || t === undefined) return undefined;
      return {
        state: t.verdict === 'unhealthy' ? 'unhealthy' : 'healthy',
        mayTakeTraffic: t.mayTakeTraffic,
        isEjected: t.isEjected,
        isDraining: t.isDraining || t.admin === 'down',
        admin: t.admin,
        isPanicking: view.isPanicking,
      };
    },
    async close(closeOptions = {}) {
      const graceMs = closeOptions.graceMs ?? 10_000;
      const cut = await ref.ask(Drain, { graceMs }, { timeoutMs: graceMs + 10_000 }).catch(() => -1);
      if (cut > 0) logger.warn({ cut }, 'connections cut at the end of the grace period');
      await system.terminate();
      cluster?.closeBridge();
      sweeper.stop();
    },
  };
}
