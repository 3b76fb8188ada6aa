// The runtime of one actor: its mailbox, its state, its children, and the one-at-a-time run loop.
import type { Observable, Subscription } from 'rxjs';
import type { Bus } from '../bus/bus.js';
import type { Cancellable, Clock } from '../clock/clock.js';
import { ActorStoppedError, AskAbortedError, AskTimeoutError, MailboxFullError, SwitchyardError } from '../errors.js';
import type { Message, MessageType } from '../messages/define-message.js';
import {
  ActorFailed,
  ActorRestarted,
  ActorStarted,
  ActorStopped,
  ActorTerminated,
  SupervisionDecided,
  errorInfo,
  type DeadLetterReason,
  type Directive,
  type StopReason,
} from '../messages/runtime.messages.js';
import type { ActorContext, ActorDefinition, ActorRef, AskOptions, Signal, SpawnOptions } from './define-actor.js';
import { Mailbox, OverflowPolicy } from './mailbox.js';
import { ReplySlot } from './reply-slot.js';
import type { Snapshot } from './snapshot.js';
import { DEFAULT_STRATEGY, RestartWindow, backoffDelayMs, decideDirective, type SupervisorStrategy } from './supervision.js';

/** What a cell needs from its actor system. */
export interface SystemServices {
  readonly name: string;
  readonly node: string;
  readonly bus: Bus;
  readonly clock: Clock;
  /** Messages handled per run before yielding a macrotask turn to I/O. */
  readonly throughput: number;
  nextIncarnation(): number;
  deadLetter(recipient: string, message: Message, reason: DeadLetterReason): void;
  register(cell: ActorCell): void;
  unregister(cell: ActorCell): void;
}

/** A supervisor: an actor cell, or the system's root guardian. */
export interface Supervisor {
  readonly address: string;
  readonly path: string;
  readonly children: Map<string, ActorCell>;
  supervise(child: ActorCell, error: unknown): void;
  childStopped(child: ActorCell): void;
  strategyFor(child: ActorCell): SupervisorStrategy;
}

type Status = 'starting' | 'running' | 'suspended' | 'restarting' | 'stopping' | 'stopped';

const DEFAULT_ASK_TIMEOUT_MS = 5000;

const yieldToHost: (fn: () => void) => void =
  typeof setImmediate === 'function' ? (fn) => setImmediate(fn) : (fn) => setTimeout(fn, 0);

/** The handle others hold: it reaches the cell while this incarnation lives, dead letters after. */
class LocalActorRef<M extends Message> implements ActorRef<M> {
  constructor(private readonly cell: ActorCell) {}

  get address(): string {
    return this.cell.address;
  }
  get path(): string {
    return this.cell.path;
  }
  get name(): string {
    return this.cell.name;
  }
  get incarnation(): number {
    return this.cell.incarnation;
  }
  get isAlive(): boolean {
    return this.cell.isAlive;
  }

  tell(message: M): boolean {
    return this.cell.enqueue(message, undefined);
  }

  ask<T extends MessageType>(type: T, payload: Parameters<T['make']>[0], options?: AskOptions): Promise<never> {
    return this.cell.ask(type.make(payload), options) as Promise<never>;
  }

  tellUntrusted(input: unknown): { ok: true } | { ok: false; issues: { path: string; message: string }[] } {
    return this.cell.tellUntrusted(input);
  }

  /** @internal */
  get internalCell(): ActorCell {
    return this.cell;
  }
}

/** The cell behind a ref, or undefined for a ref this process did not make. */
export function cellOf(ref: ActorRef<Message>): ActorCell | undefined {
  return ref instanceof LocalActorRef ? ref.internalCell : undefined;
}

export class ActorCell implements Supervisor {
  readonly ref: LocalActorRef<Message>;
  readonly address: string;
  readonly path: string;
  readonly incarnation: number;
  readonly children = new Map<string, ActorCell>();
  readonly restartWindow = new RestartWindow();
  private readonly mailbox: Mailbox<Message, ReplySlot>;
  private readonly ctx: ActorContext<Message>;
  private readonly runBound = (): void => this.run();
  private state: unknown = undefined;
  private hasState = false;
  private status: Status = 'starting';
  private isScheduled = false;
  private isHandling = false;
  private stopAfterHandle: StopReason | undefined = undefined;
  private resolveDeferredStop: (() => void) | undefined = undefined;
  private currentReply: ReplySlot | undefined = undefined;
  private readonly pendingEmits: Message[] = [];
  private readonly signals: Signal[] = [];
  private readonly timers = new Set<Cancellable>();
  private readonly subscriptions = new Set<Subscription>();
  private readonly watchers = new Set<ActorCell>();
  private readonly terminationWaiters: ((t: ActorTerminated) => void)[] = [];
  private restartTimer: Cancellable | undefined = undefined;
  private stopPromise: Promise<void> | undefined = undefined;
  private restarts = 0;
  private childSeq = 0;

  constructor(
    private readonly sys: SystemServices,
    readonly parent: Supervisor,
    readonly name: string,
    private readonly definition: ActorDefinition<unknown, Message, unknown>,
    private readonly args: unknown,
    readonly supervisionOverride: SupervisorStrategy | undefined,
    mailboxOptions: SpawnOptions['mailbox'],
  ) {
    this.path = `${parent.path}/${name}`;
    this.incarnation = sys.nextIncarnation();
    this.address = `${sys.name}${this.path}#${this.incarnation}`;
    this.mailbox = new Mailbox(mailboxOptions ?? definition.mailbox);
    this.ref = new LocalActorRef(this);
    this.ctx = this.makeContext();
  }

  get isAlive(): boolean {
    return this.status !== 'stopped' && this.status !== 'stopping';
  }

  get mailboxSize(): number {
    return this.mailbox.size;
  }

  get restartCount(): number {
    return this.restarts;
  }

  /** Runs `init` and starts taking messages; a throwing init goes to the supervisor. */
  start(): void {
    this.sys.register(this);
    if (!this.runInit()) return;
    this.status = 'running';
    if (this.sys.bus.hasSubscribers(ActorStarted)) {
      this.sys.bus.publish(ActorStarted.make({ address: this.address, parent: this.parent.address }));
    }
    this.afterHandle();
    this.scheduleRun();
  }

  enqueue(message: Message, reply: ReplySlot | undefined): boolean {
    if (this.status === 'stopped' || this.status === 'stopping') {
      this.sys.deadLetter(this.address, message, 'recipient-stopped');
      reply?.reject(new ActorStoppedError(this.address));
      return false;
    }
    if (this.mailbox.isFull && !this.makeRoom(message, reply)) return false;
    this.mailbox.push(message, reply);
    if (!this.isScheduled && this.status === 'running') {
      this.isScheduled = true;
      queueMicrotask(this.runBound);
    }
    return true;
  }

  ask(message: Message, options: AskOptions = {}): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const slot = new ReplySlot(resolve, reject);
      const signal = options.signal;
      if (signal !== undefined) {
        if (signal.aborted) {
          slot.reject(new AskAbortedError(this.address, { cause: signal.reason }));
          return;
        }
        slot.listenForAbort(signal, () => slot.reject(new AskAbortedError(this.address, { cause: signal.reason })));
      }
      const timeoutMs = options.timeoutMs ?? DEFAULT_ASK_TIMEOUT_MS;
      slot.timer = this.sys.clock.setTimer(timeoutMs, () => slot.reject(new AskTimeoutError(this.address, timeoutMs)));
      try {
        this.enqueue(message, slot);
      } catch (error) {
        slot.reject(error);
      }
    });
  }

  tellUntrusted(input: unknown): { ok: true } | { ok: false; issues: { path: string; message: string }[] } {
    const schema = this.definition.inbox;
    if (schema === undefined) {
      return { ok: false, issues: [{ path: '(root)', message: `actor ${this.name} declares no inbox schema` }] };
    }
    const result = schema.safeParse(input);
    if (!result.success) {
      return { ok: false, issues: result.error.issues.map((i) => ({ path: i.path.map(String).join('.') || '(root)', message: i.message })) };
    }
    this.enqueue(result.data, undefined);
    return { ok: true };
  }

  /** Applies the overflow policy to a full mailbox; returns whether the new message may go in. */
  private makeRoom(message: Message, reply: ReplySlot | undefined): boolean {
    switch (this.mailbox.overflow) {
      case OverflowPolicy.DropOldest: {
        const oldReply = this.mailbox.peekReply();
        const oldest = this.mailbox.shift() as Message;
        this.sys.deadLetter(this.address, oldest, 'mailbox-dropped-oldest');
        oldReply?.reject(new MailboxFullError(this.address, this.mailbox.capacity));
        return true;
      }
      case OverflowPolicy.Reject: {
        this.sys.deadLetter(this.address, message, 'mailbox-rejected');
        const error = new MailboxFullError(this.address, this.mailbox.capacity);
        if (reply !== undefined) {
          reply.reject(error);
          return false;
        }
        throw error;
      }
      default:
        this.sys.deadLetter(this.address, message, 'mailbox-full');
        reply?.reject(new MailboxFullError(this.address, this.mailbox.capacity));
        return false;
    }
  }

  private scheduleRun(): void {
    if (this.isScheduled || this.status !== 'running') return;
    if (this.mailbox.size === 0 && this.signals.length === 0) return;
    this.isScheduled = true;
    queueMicrotask(this.runBound);
  }

  /** Drains the mailbox one message at a time, up to the throughput budget, then yields. */
  private run(): void {
    this.isScheduled = false;
    let budget = this.sys.throughput;
    while (this.status === 'running') {
      if (this.signals.length !== 0) {
        if (!this.handleSignal(this.signals.shift() as Signal)) return;
        continue;
      }
      if (this.mailbox.size === 0) return;
      if (budget-- === 0) {
        // A long burst must not starve sockets: let one macrotask turn pass, then go on.
        this.isScheduled = true;
        yieldToHost(this.runBound);
        return;
      }
      const reply = this.mailbox.peekReply();
      const message = this.mailbox.shift() as Message;
      if (!this.handle(message, reply)) return;
    }
  }

  private handle(message: Message, reply: ReplySlot | undefined): boolean {
    this.currentReply = reply;
    this.isHandling = true;
    try {
      const next = this.definition.receive(this.state, message, this.ctx);
      if (next !== undefined) this.state = next;
    } catch (error) {
      this.isHandling = false;
      this.currentReply = undefined;
      this.pendingEmits.length = 0;
      reply?.reject(error);
      this.fail(error, 'receive', message.type);
      return false;
    }
    this.isHandling = false;
    this.currentReply = undefined;
    this.afterHandle();
    return this.status === 'running';
  }

  private handleSignal(signal: Signal): boolean {
    const handler = this.definition.signal;
    if (handler === undefined) return true;
    this.isHandling = true;
    try {
      const next = handler(this.state, signal, this.ctx);
      if (next !== undefined) this.state = next;
    } catch (error) {
      this.isHandling = false;
      this.pendingEmits.length = 0;
      this.fail(error, 'signal', signal.type);
      return false;
    }
    this.isHandling = false;
    this.afterHandle();
    return this.status === 'running';
  }

  private afterHandle(): void {
    if (this.pendingEmits.length !== 0) {
      const bus = this.sys.bus;
      for (let i = 0; i < this.pendingEmits.length; i++) bus.publish(this.pendingEmits[i] as Message);
      this.pendingEmits.length = 0;
    }
    if (this.stopAfterHandle !== undefined) {
      const reason = this.stopAfterHandle;
      const resolve = this.resolveDeferredStop;
      this.stopAfterHandle = undefined;
      this.resolveDeferredStop = undefined;
      void this.doStop(reason).then(resolve);
    }
  }

  /** Suspends the actor, reports the failure and hands the decision to the supervisor. */
  fail(error: unknown, phase: 'init' | 'receive' | 'signal' | 'stop', messageType: string | undefined): void {
    if (this.status === 'stopped' || this.status === 'stopping') return;
    this.status = 'suspended';
    if (this.sys.bus.hasSubscribers(ActorFailed)) {
      const code = phase === 'init' ? 'ERR_ACTOR_INIT_FAILED' : 'ERR_ACTOR_RECEIVE_FAILED';
      this.sys.bus.publish(
        ActorFailed.make({ address: this.address, phase, ...(messageType === undefined ? {} : { messageType }), error: errorInfo(error, code) }),
      );
    }
    this.parent.supervise(this, error);
  }

  resume(): void {
    if (this.status !== 'suspended') return;
    if (!this.hasState) {
      // Nothing to resume when init itself failed: that needs a restart.
      this.scheduleRestart(0);
      return;
    }
    this.status = 'running';
    this.scheduleRun();
  }

  scheduleRestart(delayMs: number): void {
    if (this.status === 'stopped' || this.status === 'stopping') return;
    this.status = 'restarting';
    this.restartTimer = this.sys.clock.setTimer(delayMs, () => {
      this.restartTimer = undefined;
      void this.restart();
    });
  }

  /** Runs `init`; a throw suspends the actor and goes to the supervisor. Returns whether it succeeded. */
  private runInit(): boolean {
    this.isHandling = true;
    try {
      this.state = this.definition.init(this.args, this.ctx);
      this.hasState = true;
    } catch (error) {
      this.isHandling = false;
      this.pendingEmits.length = 0;
      this.status = 'suspended';
      this.fail(error, 'init', undefined);
      return false;
    }
    this.isHandling = false;
    return true;
  }

  /** Stops the children, releases the old state, and runs `init` again with the same arguments. */
  private async restart(): Promise<void> {
    if (this.status !== 'restarting') return;
    this.cancelEffects();
    await Promise.all([...this.children.values()].map((child) => child.stop('parent-stopped')));
    await this.runStoppedHook();
    if (this.status !== 'restarting') return;
    this.hasState = false;
    if (!this.runInit()) return;
    this.restarts++;
    this.status = 'running';
    if (this.sys.bus.hasSubscribers(ActorRestarted)) {
      this.sys.bus.publish(ActorRestarted.make({ address: this.address, restarts: this.restarts }));
    }
    this.afterHandle();
    this.scheduleRun();
  }

  /** Stops children first, then this actor: dead-letters its mailbox and tells its watchers. */
  stop(reason: StopReason): Promise<void> {
    if (this.stopPromise !== undefined) return this.stopPromise;
    if (this.isHandling) {
      // Stopping from inside its own receive: finish the message, then stop.
      this.stopAfterHandle = reason;
      this.status = 'stopping';
      this.stopPromise = new Promise((resolve) => {
        this.resolveDeferredStop = resolve;
      });
      return this.stopPromise;
    }
    this.stopPromise = this.doStop(reason);
    return this.stopPromise;
  }

  private async doStop(reason: StopReason): Promise<void> {
    this.status = 'stopping';
    this.restartTimer?.cancel();
    this.cancelEffects();
    this.mailbox.drain((message, reply) => {
      this.sys.deadLetter(this.address, message, 'recipient-stopped');
      reply?.reject(new ActorStoppedError(this.address));
    });
    await Promise.all([...this.children.values()].map((child) => child.stop('parent-stopped')));
    await this.runStoppedHook();
    this.status = 'stopped';
    this.parent.childStopped(this);
    this.sys.unregister(this);
    const terminated = ActorTerminated.make({ address: this.address, reason });
    for (const watcher of this.watchers) watcher.deliverSignal(terminated);
    this.watchers.clear();
    for (const waiter of this.terminationWaiters.splice(0)) waiter(terminated);
    if (this.sys.bus.hasSubscribers(ActorStopped)) this.sys.bus.publish(ActorStopped.make({ address: this.address, reason }));
  }

  private async runStoppedHook(): Promise<void> {
    const hook = this.definition.stopped;
    if (hook === undefined || !this.hasState) return;
    try {
      await hook(this.state, this.ctx);
    } catch (error) {
      if (this.sys.bus.hasSubscribers(ActorFailed)) {
        this.sys.bus.publish(ActorFailed.make({ address: this.address, phase: 'stop', error: errorInfo(error, 'ERR_ACTOR_RECEIVE_FAILED') }));
      }
    }
  }

  private cancelEffects(): void {
    for (const timer of this.timers) timer.cancel();
    this.timers.clear();
    for (const subscription of this.subscriptions) subscription.unsubscribe();
    this.subscriptions.clear();
  }

  deliverSignal(signal: Signal): void {
    if (!this.isAlive) return;
    this.signals.push(signal);
    this.scheduleRun();
  }

  /** Resolves when this incarnation has stopped. */
  whenTerminated(): Promise<ActorTerminated> {
    return new Promise((resolve) => {
      if (this.status === 'stopped') resolve(ActorTerminated.make({ address: this.address, reason: 'requested' }));
      else this.terminationWaiters.push(resolve);
    });
  }

  addWatcher(watcher: ActorCell): void {
    if (this.status === 'stopped') watcher.deliverSignal(ActorTerminated.make({ address: this.address, reason: 'requested' }));
    else this.watchers.add(watcher);
  }

  removeWatcher(watcher: ActorCell): void {
    this.watchers.delete(watcher);
  }

  // ---- as a supervisor of its own children ----

  spawnChild(definition: ActorDefinition<unknown, Message, unknown>, args: unknown, options: SpawnOptions = {}): ActorCell {
    return spawnUnder(this.sys, this, definition, args, options, () => ++this.childSeq);
  }

  supervise(child: ActorCell, error: unknown): void {
    superviseChild(this.sys, this, child, error, (escalated) => this.fail(escalated, 'receive', undefined));
  }

  childStopped(child: ActorCell): void {
    if (this.children.get(child.name) === child) this.children.delete(child.name);
  }

  strategyFor(child: ActorCell): SupervisorStrategy {
    return child.supervisionOverride ?? this.definition.supervision ?? DEFAULT_STRATEGY;
  }

  private makeContext(): ActorContext<Message> {
    const cell = this;
    const sys = this.sys;
    return {
      get self() {
        return cell.ref;
      },
      parent: this.parent.address,
      clock: sys.clock,
      bus: sys.bus,
      node: sys.node,
      emit(message: Message): void {
        if (cell.isHandling) cell.pendingEmits.push(message);
        else sys.bus.publish(message);
      },
      isObserved(type: MessageType): boolean {
        return sys.bus.hasSubscribers(type);
      },
      reply(_type, value): void {
        cell.currentReply?.resolve(value);
      },
      deferReply(_type) {
        const slot = cell.currentReply;
        if (slot === undefined) return undefined;
        cell.currentReply = undefined;
        return (value: unknown) => slot.resolve(value);
      },
      spawn(definition, args, options) {
        const child = cell.spawnChild(definition as ActorDefinition<unknown, Message, unknown>, args, options);
        return child.ref as never;
      },
      stop(ref): Promise<void> {
        if (ref === undefined) return cell.stop('requested');
        const target = cellOf(ref);
        if (target === undefined || target.parent !== cell) {
          return Promise.reject(new SwitchyardError('ERR_ACTOR_STOPPED', `${ref.address} is not a child of ${cell.address}`));
        }
        return target.stop('requested');
      },
      watch(ref): void {
        cellOf(ref)?.addWatcher(cell);
      },
      unwatch(ref): void {
        cellOf(ref)?.removeWatcher(cell);
      },
      schedule(delayMs, message): Cancellable {
        const timer = sys.clock.setTimer(delayMs, () => {
          cell.timers.delete(timer);
          cell.enqueue(message, undefined);
        });
        cell.timers.add(timer);
        return timer;
      },
      scheduleRepeat(intervalMs, message): Cancellable {
        const timer = sys.clock.setInterval(intervalMs, () => cell.enqueue(message, undefined));
        cell.timers.add(timer);
        return timer;
      },
      pipeToSelf(work, onValue, onError): void {
        work.then(
          (value) => cell.enqueue(safeMap(() => onValue(value), onError), undefined),
          (error: unknown) => cell.enqueue(onError(error), undefined),
        );
      },
      subscribeToSelf<T>(source: Observable<T>, toMessage: (value: T) => Message | undefined): void {
        const subscription = source.subscribe((value) => {
          const message = toMessage(value);
          if (message !== undefined) cell.enqueue(message, undefined);
        });
        cell.subscriptions.add(subscription);
      },
      publishSnapshot<T>(snapshot: Snapshot<T>, value: T): void {
        snapshot.replace(value);
        if (sys.bus.hasSubscribers('snapshot.replaced')) {
          const event = { type: 'snapshot.replaced' as const, name: snapshot.name, version: snapshot.version, by: cell.address };
          if (cell.isHandling) cell.pendingEmits.push(event);
          else sys.bus.publish(event);
        }
      },
    };
  }
}

function safeMap<M>(map: () => M, onError: (error: unknown) => M): M {
  try {
    return map();
  } catch (error) {
    return onError(error);
  }
}

/** Creates, registers and starts a child under a supervisor. Shared by cells and the root guardian. */
export function spawnUnder(
  sys: SystemServices,
  parent: Supervisor,
  definition: ActorDefinition<unknown, Message, unknown>,
  args: unknown,
  options: SpawnOptions,
  nextSeq: () => number,
): ActorCell {
  let name = options.name;
  if (name !== undefined) {
    if (!/^[A-Za-z0-9][A-Za-z0-9._:-]*$/.test(name)) throw new SwitchyardError('ERR_ACTOR_NAME_TAKEN', `invalid actor name "${name}"`);
    if (parent.children.has(name)) {
      throw new SwitchyardError('ERR_ACTOR_NAME_TAKEN', `an actor named "${name}" already runs under ${parent.address}`);
    }
  } else {
    name = definition.name;
    while (parent.children.has(name)) name = `${definition.name}-${nextSeq()}`;
  }
  const cell = new ActorCell(sys, parent, name, definition, args, options.supervision, options.mailbox);
  parent.children.set(name, cell);
  cell.start();
  return cell;
}

/** Applies a supervisor strategy to a failed child and reports the decision. */
export function superviseChild(
  sys: SystemServices,
  parent: Supervisor,
  child: ActorCell,
  error: unknown,
  escalate: ((error: unknown) => void) | undefined,
): void {
  const strategy = parent.strategyFor(child);
  let directive: Directive = decideDirective(strategy, error, child.address);
  let restartsInWindow = 0;
  let delayMs = 0;
  let note: string | undefined;
  if (directive === 'restart') {
    restartsInWindow = child.restartWindow.record(sys.clock.monotonic(), strategy.windowMs);
    if (restartsInWindow > strategy.maxRestarts) {
      directive = 'stop';
      note = `more than ${strategy.maxRestarts} restarts within ${strategy.windowMs} ms`;
    } else {
      delayMs = backoffDelayMs(strategy.backoff, restartsInWindow);
    }
  }
  if (directive === 'escalate' && escalate === undefined) {
    directive = 'stop';
    note = 'escalated past the root guardian';
  }
  if (sys.bus.hasSubscribers(SupervisionDecided)) {
    sys.bus.publish(
      SupervisionDecided.make({
        parent: parent.address,
        child: child.address,
        directive,
        restartsInWindow,
        delayMs,
        ...(note === undefined ? {} : { note }),
        error: errorInfo(error, 'ERR_ACTOR_RECEIVE_FAILED'),
      }),
    );
  }
  switch (directive) {
    case 'resume':
      child.resume();
      return;
    case 'restart':
      child.scheduleRestart(delayMs);
      return;
    case 'stop':
      void child.stop(note === undefined ? 'failed' : 'restarts-exceeded');
      return;
    case 'escalate':
      void child.stop('failed');
      escalate?.(new SwitchyardError('ERR_SUPERVISION_ESCALATED', `${child.address} failed and escalated`, { cause: error }));
      return;
  }
}
