// The primary's supervisor: forks the workers (node:cluster, SCHED_NONE), hands each its start, restarts the ones that crash with backoff.
import cluster, { type Worker } from 'node:cluster';
import type { Bus, Logger } from '@switchyard/core';
import { isIpcMessage, type ReadyMessage, type StartMessage, type StatusMessage } from './ipc-protocol.js';
import { ipcPortOf, type IpcPort } from './ipc-port.js';
import type { IpcHub } from './ipc-transport.js';
import { RpcClient } from './ipc-rpc.js';
import { WorkerExited, WorkerRestarted } from './worker.messages.js';

/** The environment variable a forked worker finds its slot in. */
export const WORKER_SLOT_ENV = 'SWITCHYARD_WORKER_SLOT';

export interface RestartBackoff {
  /** Delay before the first restart of a slot. Default 100 ms. */
  initialMs: number;
  /** Ceiling of the doubling delay. Default 10 s. */
  maxMs: number;
  /** A worker that served this long before it crashed starts the backoff over. Default 30 s. */
  resetAfterMs: number;
}

export interface WorkerSupervisorOptions {
  count: number;
  bus: Bus;
  logger: Logger;
  /** Routes the workers' transport frames. */
  hub: IpcHub;
  /** The start message for a slot: the config and drains in force now. */
  startFor(slot: number): StartMessage;
  /** Runs when a worker (re)started and said ready: e.g. replay what changed while it was down. */
  onReady?(slot: WorkerSlot): void;
  backoff?: Partial<RestartBackoff>;
  /** A worker that does not say ready within this is killed (and, after the first start, restarted). Default 30 s. */
  readyTimeoutMs?: number;
}

/** One worker slot: a stable number 1..N whose process may be replaced. */
export interface WorkerSlot {
  readonly slot: number;
  worker: Worker | undefined;
  pid: number;
  port: IpcPort | undefined;
  rpc: RpcClient | undefined;
  state: 'starting' | 'ready' | 'restarting' | 'stopping' | 'stopped';
  readyAt: number | undefined;
  /** Restarts in a row (reset by a long healthy run). */
  attempt: number;
  /** Restarts since the node started. */
  restarts: number;
  status: StatusMessage | undefined;
  listeners: ReadyMessage['listeners'];
  restartTimer: NodeJS.Timeout | undefined;
}

/**
 * Forks `count` workers that share the listening sockets. `cluster.schedulingPolicy` is set to
 * SCHED_NONE before the first fork: each worker accepts from the shared socket itself (the kernel
 * picks which one), so connections are never handed over by the primary. A worker that exits
 * without being asked is reported (`worker.exited`, with the backoff) and forked again into the
 * same slot after 100 ms, 200 ms, 400 ms ... up to `maxMs`; the others keep serving. When the
 * new one says ready, `worker.restarted` is published.
 * @example
 * const supervisor = new WorkerSupervisor({ count: 4, bus, logger, hub, startFor });
 * await supervisor.start(); // every worker serving, or a rejection naming the one that failed
 * await supervisor.stop(10_000);
 */
export class WorkerSupervisor {
  readonly slots: WorkerSlot[];
  private readonly backoff: RestartBackoff;
  private isStopping = false;
  private startWaiters = new Map<number, { resolve: () => void; reject: (error: Error) => void }>();

  constructor(private readonly options: WorkerSupervisorOptions) {
    this.backoff = { initialMs: 100, maxMs: 10_000, resetAfterMs: 30_000, ...options.backoff };
    this.slots = Array.from({ length: options.count }, (_, i) => ({
      slot: i + 1,
      worker: undefined,
      pid: 0,
      port: undefined,
      rpc: undefined,
      state: 'starting' as const,
      readyAt: undefined,
      attempt: 0,
      restarts: 0,
      status: undefined,
      listeners: [],
      restartTimer: undefined,
    }));
  }

  /** Forks every worker; resolves when all are ready, rejects (having stopped the others) when one fails to start. */
  async start(): Promise<void> {
    // Before the first fork: the kernel spreads connections, the primary hands none over.
    cluster.schedulingPolicy = cluster.SCHED_NONE;
    cluster.setupPrimary({ serialization: 'advanced' });
    const ready = this.slots.map(
      (slot) =>
        new Promise<void>((resolve, reject) => {
          this.startWaiters.set(slot.slot, { resolve, reject });
          this.fork(slot);
        }),
    );
    try {
      await Promise.all(ready);
    } catch (error) {
      await this.stop(0);
      throw error;
    }
  }

  /** The workers serving now, by slot. */
  ready(): WorkerSlot[] {
    return this.slots.filter((s) => s.state === 'ready');
  }

  /** Asks every ready worker and waits for all answers (a worker that fails or dies fails the whole). */
  askAll<T>(method: string, args: unknown = {}, timeoutMs?: number): Promise<{ slot: number; value: T }[]> {
    return Promise.all(this.ready().map(async (s) => ({ slot: s.slot, value: await (s.rpc as RpcClient).ask<T>(method, args, timeoutMs) })));
  }

  /** Sends a message to every live worker (ready or starting). */
  broadcast(message: unknown): void {
    for (const s of this.slots) if (s.state === 'ready' || s.state === 'starting') s.port?.send(message);
  }

  /** Graceful stop: every worker drains for up to `graceMs` and exits; one still running 5 s later is killed. */
  async stop(graceMs: number): Promise<void> {
    this.isStopping = true;
    const exits: Promise<void>[] = [];
    for (const s of this.slots) {
      clearTimeout(s.restartTimer);
      s.restartTimer = undefined;
      const worker = s.worker;
      if (worker === undefined || worker.isDead()) {
        s.state = 'stopped';
        continue;
      }
      s.state = 'stopping';
      exits.push(
        new Promise<void>((resolve) => {
          worker.once('exit', () => resolve());
          const kill = setTimeout(() => worker.process.kill('SIGKILL'), graceMs + 5000);
          worker.once('exit', () => clearTimeout(kill));
          if (s.port?.send({ sy: 'shutdown', graceMs }) !== true) worker.process.kill('SIGTERM');
        }),
      );
    }
    await Promise.all(exits);
  }

  private fork(slot: WorkerSlot): void {
    const worker = cluster.fork({ [WORKER_SLOT_ENV]: String(slot.slot) });
    const port = ipcPortOf(worker, (error) => this.options.logger.debug({ err: error, worker: slot.slot }, 'IPC send to a worker failed'));
    slot.worker = worker;
    slot.pid = worker.process.pid ?? 0;
    slot.port = port;
    slot.rpc = new RpcClient(port);
    slot.status = undefined;
    slot.readyAt = undefined;
    if (slot.state !== 'restarting') slot.state = 'starting';
    const detach = this.options.hub.attach(port);
    const readyTimer = setTimeout(() => {
      this.options.logger.error({ worker: slot.slot, workerPid: slot.pid }, 'worker did not become ready in time: killing it');
      worker.process.kill('SIGKILL');
    }, this.options.readyTimeoutMs ?? 30_000);
    const stopListening = port.listen((message) => {
      if (!isIpcMessage(message) || worker !== slot.worker) return;
      switch (message.sy) {
        case 'hello':
          port.send(this.options.startFor(slot.slot));
          return;
        case 'ready':
          clearTimeout(readyTimer);
          this.onReady(slot, message);
          return;
        case 'status':
          slot.status = message;
          return;
        default:
          return;
      }
    });
    worker.once('exit', (code, signal) => {
      clearTimeout(readyTimer);
      stopListening();
      detach();
      slot.rpc?.failAll(`worker ${slot.slot} exited`);
      slot.rpc?.close();
      this.onExit(slot, worker, code, signal);
    });
  }

  private onReady(slot: WorkerSlot, message: ReadyMessage): void {
    const wasRestart = slot.state === 'restarting';
    slot.state = this.isStopping ? 'stopping' : 'ready';
    slot.readyAt = Date.now();
    slot.listeners = message.listeners;
    this.options.logger.info({ worker: slot.slot, workerPid: slot.pid, restarts: slot.restarts }, wasRestart ? 'worker restarted' : 'worker ready');
    if (wasRestart) this.options.bus.publish(WorkerRestarted.make({ worker: slot.slot, pid: slot.pid, attempt: slot.attempt, at: Date.now() }));
    this.startWaiters.get(slot.slot)?.resolve();
    this.startWaiters.delete(slot.slot);
    this.options.onReady?.(slot);
  }

  private onExit(slot: WorkerSlot, worker: Worker, code: number | null, signal: string | null): void {
    if (worker !== slot.worker) return;
    const waiter = this.startWaiters.get(slot.slot);
    if (waiter !== undefined) {
      // Never served: a config that cannot bind or load fails the start instead of crash-looping.
      this.startWaiters.delete(slot.slot);
      slot.state = 'stopped';
      waiter.reject(new Error(`worker ${slot.slot} exited before it was ready (code ${code}, signal ${signal})`));
      return;
    }
    if (this.isStopping) {
      slot.state = 'stopped';
      return;
    }
    const servedMs = slot.readyAt === undefined ? 0 : Date.now() - slot.readyAt;
    slot.attempt = servedMs >= this.backoff.resetAfterMs ? 1 : slot.attempt + 1;
    const delayMs = Math.min(this.backoff.maxMs, this.backoff.initialMs * 2 ** (slot.attempt - 1));
    slot.state = 'restarting';
    slot.restarts++;
    this.options.logger.warn({ worker: slot.slot, workerPid: slot.pid, code, signal, restartInMs: delayMs, attempt: slot.attempt }, 'worker exited: restarting it');
    this.options.bus.publish(WorkerExited.make({ worker: slot.slot, pid: slot.pid, code, signal, restartInMs: delayMs, attempt: slot.attempt, at: Date.now() }));
    slot.restartTimer = setTimeout(() => {
      slot.restartTimer = undefined;
      if (!this.isStopping) this.fork(slot);
    }, delayMs);
  }
}
