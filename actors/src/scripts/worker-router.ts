// A router running in a worker thread: decisions by message passing, with a hard deadline that terminates a stuck script.
import { Worker } from 'node:worker_threads';
import type { RouterEventType } from './router-api.js';
import type { LogLevel } from './router-context.js';
import type { PlainRequest } from './request-view.js';
import type { ScriptSource } from './script-loader.js';
import type { FromWorker, ToWorker, WorkerBoot } from './worker-protocol.js';

/** How a worker answered one request. */
export type WorkerAnswer =
  | { readonly ok: true; readonly decision: unknown }
  | { readonly ok: false; readonly reason: 'threw' | 'timeout' | 'worker-exited'; readonly message: string };

export type WorkerDeathReason = 'timeout' | 'worker-exited';

export interface WorkerRouterOptions {
  readonly source: ScriptSource;
  readonly route: string;
  readonly options: Readonly<Record<string, unknown>>;
  /** The hard deadline of one decision, from the moment it is sent to a ready worker. */
  readonly budgetMs: number;
  readonly runSelfTest: boolean;
  /** Loading (import + self-test) must finish within this. Default 10 s. */
  readonly loadTimeoutMs?: number;
}

/** Where a worker's side traffic goes: its router's logs, metrics, and failed event handlers. */
export interface WorkerHandlers {
  readonly onLog?: (level: LogLevel, message: string, fields: Record<string, unknown> | undefined) => void;
  readonly onMetrics?: (values: [string, number][]) => void;
  readonly onEventFailed?: (type: string, message: string) => void;
}

interface Pending {
  readonly resolve: (answer: WorkerAnswer) => void;
  sentAt: number;
}

const WORKER_URL = new URL('./router-worker.js', import.meta.url);

/**
 * The proxy side of one worker. The worker answers in order, so the oldest pending request holds
 * the earliest deadline: one timer watches it, re-armed for the next one as answers arrive. At the
 * deadline the worker is terminated (V8 stops even a `while (true) {}`), every pending request is
 * answered `timeout`, and `onDeath` tells the owner, whose supervisor starts a new worker.
 * No `Atomics.wait`: the proxy thread never blocks on the worker.
 */
export class WorkerRouter {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private isReady = false;
  private isDead = false;
  private isClosing = false;
  private timer: NodeJS.Timeout | undefined = undefined;
  private loadTimer: NodeJS.Timeout | undefined = undefined;
  private readonly budgetMs: number;
  /** Resolves with the events the router subscribes to once loaded; rejects with why it could not load. */
  readonly ready: Promise<RouterEventType[]>;
  /** Called once if the worker dies while in service (deadline or crash), not after `close`. */
  onDeath: ((reason: WorkerDeathReason, message: string) => void) | undefined = undefined;
  private settleReady!: { resolve: (events: RouterEventType[]) => void; reject: (error: Error) => void };
  private readonly onTimerBound = (): void => this.onTimer();
  private handlers: WorkerHandlers = {};

  constructor(opts: WorkerRouterOptions) {
    this.budgetMs = Math.max(1, opts.budgetMs);
    this.ready = new Promise<RouterEventType[]>((resolve, reject) => {
      this.settleReady = { resolve, reject };
    });
    // Callers that never await `ready` must not see an unhandled rejection.
    this.ready.catch(() => undefined);
    const boot: WorkerBoot = {
      file: opts.source.file,
      code: opts.source.code,
      route: opts.route,
      options: opts.options,
      runSelfTest: opts.runSelfTest,
      metricsIntervalMs: 1000,
    };
    this.worker = new Worker(WORKER_URL, { workerData: boot, stdout: false, stderr: false, resourceLimits: { maxOldGenerationSizeMb: 256 } });
    this.worker.unref();
    this.worker.on('message', (message: FromWorker) => this.onMessage(message));
    this.worker.on('error', (error: Error) => this.die('worker-exited', `the worker failed: ${error.message}`));
    this.worker.on('exit', (code) => this.die('worker-exited', `the worker exited with code ${code}`));
    this.loadTimer = setTimeout(() => this.die('timeout', `the script did not load within ${opts.loadTimeoutMs ?? 10_000} ms`), opts.loadTimeoutMs ?? 10_000);
    this.loadTimer.unref();
  }

  /** Replaces the handlers of logs, metrics and event failures (a prestarted worker gets them when put in service). */
  setHandlers(handlers: WorkerHandlers): void {
    this.handlers = handlers;
  }

  get isAlive(): boolean {
    return !this.isDead;
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  /** Sends one request; the answer always arrives (decision, throw, timeout or exit), never a rejection. */
  request(request: PlainRequest): Promise<WorkerAnswer> {
    if (this.isDead) return Promise.resolve({ ok: false, reason: 'worker-exited', message: 'the worker has stopped' });
    const id = this.nextId++;
    return new Promise<WorkerAnswer>((resolve) => {
      this.pending.set(id, { resolve, sentAt: performance.now() });
      this.worker.postMessage({ t: 'decide', id, request } satisfies ToWorker);
      if (this.isReady && this.timer === undefined) this.arm(this.budgetMs);
    });
  }

  /** Delivers a bus event to the router's handler in the worker. */
  event(type: RouterEventType, event: unknown): void {
    if (this.isDead) return;
    try {
      this.worker.postMessage({ t: 'event', type, event } satisfies ToWorker);
    } catch {
      // An event that cannot be cloned is not delivered; events are plain data, so this is a bug to report, not to crash on.
      this.handlers.onEventFailed?.(type, 'the event could not be sent to the worker');
    }
  }

  /** Stops the worker once its pending requests are answered, or after `graceMs`. */
  close(graceMs = 5000): Promise<void> {
    this.onDeath = undefined;
    if (this.isDead) return Promise.resolve();
    this.isClosing = true;
    if (this.pending.size === 0) return this.terminate();
    return new Promise<void>((resolve) => {
      const check = setInterval(() => {
        if (this.pending.size === 0 || this.isDead) {
          clearInterval(check);
          clearTimeout(cut);
          void this.terminate().then(resolve);
        }
      }, 10);
      const cut = setTimeout(() => {
        clearInterval(check);
        void this.terminate().then(resolve);
      }, graceMs);
    });
  }

  private async terminate(): Promise<void> {
    if (!this.isDead) this.die('worker-exited', 'the worker was closed');
    await this.worker.terminate().catch(() => undefined);
  }

  private onMessage(message: FromWorker): void {
    switch (message.t) {
      case 'decided':
        return this.answer(message.id, { ok: true, decision: message.decision });
      case 'threw':
        return this.answer(message.id, { ok: false, reason: 'threw', message: `${message.name}: ${message.message}` });
      case 'ready': {
        this.isReady = true;
        clearTimeout(this.loadTimer);
        // Requests queued while the script loaded start their budget now.
        const now = performance.now();
        for (const p of this.pending.values()) p.sentAt = now;
        if (this.pending.size !== 0) this.arm(this.budgetMs);
        this.settleReady.resolve(message.events);
        return;
      }
      case 'load-failed':
        this.settleReady.reject(new Error(message.message));
        this.onDeath = undefined;
        void this.terminate();
        return;
      case 'event-failed':
        this.handlers.onEventFailed?.(message.type, message.message);
        return;
      case 'log':
        this.handlers.onLog?.(message.level, message.message, message.fields);
        return;
      case 'metrics':
        this.handlers.onMetrics?.(message.values);
        return;
    }
  }

  private answer(id: number, answer: WorkerAnswer): void {
    const entry = this.pending.get(id);
    if (entry === undefined) return;
    this.pending.delete(id);
    if (this.pending.size === 0 && this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    entry.resolve(answer);
  }

  private arm(ms: number): void {
    this.timer = setTimeout(this.onTimerBound, Math.max(1, Math.ceil(ms)));
  }

  private onTimer(): void {
    this.timer = undefined;
    const head = this.pending.values().next().value;
    if (head === undefined) return;
    const waited = performance.now() - head.sentAt;
    if (waited < this.budgetMs) return this.arm(this.budgetMs - waited);
    this.die('timeout', `the script ran past its ${this.budgetMs} ms budget; the worker was terminated`);
  }

  private die(reason: WorkerDeathReason, message: string): void {
    if (this.isDead) return;
    this.isDead = true;
    clearTimeout(this.timer);
    clearTimeout(this.loadTimer);
    this.timer = undefined;
    if (reason === 'timeout') void this.worker.terminate().catch(() => undefined);
    this.settleReady.reject(new Error(message));
    const answers = [...this.pending.values()];
    this.pending.clear();
    for (const p of answers) p.resolve({ ok: false, reason, message });
    const onDeath = this.onDeath;
    this.onDeath = undefined;
    if (!this.isClosing) onDeath?.(reason, message);
  }
}
