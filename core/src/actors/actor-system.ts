// An actor system: the root guardian of a tree of actors, with its bus, clock and dead letters.
import { Bus } from '../bus/bus.js';
import type { Clock } from '../clock/clock.js';
import { realClock } from '../clock/real-clock.js';
import type { Message } from '../messages/define-message.js';
import { DeadLetter, type ActorTerminated, type DeadLetterReason } from '../messages/runtime.messages.js';
import { nextId } from '../util/ids.js';
import { ActorCell, cellOf, spawnUnder, superviseChild, type Supervisor, type SystemServices } from './actor-cell.js';
import type { ActorDefinition, ActorRef, SpawnOptions } from './define-actor.js';
import { DEFAULT_STRATEGY, type SupervisorStrategy } from './supervision.js';

export interface ActorSystemOptions {
  /** Names the system in actor addresses. Default `system`. */
  name?: string;
  /** The node this system runs on, stamped on what it sends across nodes. Default: a random id. */
  node?: string;
  clock?: Clock;
  bus?: Bus;
  /** How the root guardian supervises top-level actors. */
  supervision?: SupervisorStrategy;
  /** Messages an actor handles per turn before yielding to I/O. Default 1000. */
  throughput?: number;
}

export interface MailboxDepth {
  address: string;
  size: number;
}

/**
 * The root of an actor tree.
 * @example
 * const system = createActorSystem({ name: 'edge-1' });
 * const ref = system.spawn(counter, 0);
 * ref.tell(Increment.make({ by: 2 }));
 * const total = await ref.ask(GetCount, {});
 * await system.terminate();
 */
export class ActorSystem implements Supervisor {
  readonly name: string;
  readonly node: string;
  readonly bus: Bus;
  readonly clock: Clock;
  readonly address: string;
  readonly path = '';
  readonly children = new Map<string, ActorCell>();
  private readonly services: SystemServices;
  private readonly strategy: SupervisorStrategy;
  private readonly cells = new Set<ActorCell>();
  private readonly ownsBus: boolean;
  private incarnations = 0;
  private seq = 0;
  private deadLetters = 0;
  private isTerminated = false;

  constructor(options: ActorSystemOptions = {}) {
    this.name = options.name ?? 'system';
    this.node = options.node ?? nextId();
    this.clock = options.clock ?? realClock;
    this.ownsBus = options.bus === undefined;
    this.bus = options.bus ?? new Bus({ clock: this.clock });
    this.address = `${this.name}/`;
    this.strategy = options.supervision ?? DEFAULT_STRATEGY;
    const throughput = Math.max(1, options.throughput ?? 1000);
    this.services = {
      name: this.name,
      node: this.node,
      bus: this.bus,
      clock: this.clock,
      throughput,
      nextIncarnation: () => ++this.incarnations,
      deadLetter: (recipient, message, reason) => this.deadLetter(recipient, message, reason),
      register: (cell) => this.cells.add(cell),
      unregister: (cell) => this.cells.delete(cell),
    };
  }

  /** Starts a top-level actor under the root guardian. */
  spawn<S, M extends Message, A>(definition: ActorDefinition<S, M, A>, args: A, options: SpawnOptions = {}): ActorRef<M> {
    const cell = spawnUnder(this.services, this, definition as ActorDefinition<unknown, Message, unknown>, args, options, () => ++this.seq);
    return cell.ref as unknown as ActorRef<M>;
  }

  /** Stops an actor (and its children); resolves once its `stopped` hook has finished. */
  stop(ref: ActorRef<Message>): Promise<void> {
    return cellOf(ref)?.stop('requested') ?? Promise.resolve();
  }

  /** Resolves when the actor stops, for code outside any actor (tests, adapters). */
  watch(ref: ActorRef<Message>): Promise<ActorTerminated> {
    const cell = cellOf(ref);
    if (cell === undefined) return Promise.reject(new TypeError(`${ref.address} is not an actor of this process`));
    return cell.whenTerminated();
  }

  /** The current incarnation at a path such as `/proxy/router`, if it runs. */
  lookup<M extends Message = Message>(path: string): ActorRef<M> | undefined {
    let level: Map<string, ActorCell> = this.children;
    let cell: ActorCell | undefined;
    for (const segment of path.split('/').filter((s) => s.length > 0)) {
      cell = level.get(segment);
      if (cell === undefined) return undefined;
      level = cell.children;
    }
    return cell?.ref as ActorRef<M> | undefined;
  }

  /** Messages that could not be delivered since the system started. */
  get deadLetterCount(): number {
    return this.deadLetters;
  }

  get actorCount(): number {
    return this.cells.size;
  }

  /** Each live actor's queued message count, for metrics. */
  mailboxDepths(): MailboxDepth[] {
    return [...this.cells].map((cell) => ({ address: cell.address, size: cell.mailboxSize }));
  }

  /** Stops every actor, children before parents, then closes the bus if the system made it. */
  async terminate(): Promise<void> {
    if (this.isTerminated) return;
    this.isTerminated = true;
    await Promise.all([...this.children.values()].map((cell) => cell.stop('system-stopped')));
    if (this.ownsBus) this.bus.close();
  }

  supervise(child: ActorCell, error: unknown): void {
    superviseChild(this.services, this, child, error, undefined);
  }

  childStopped(child: ActorCell): void {
    if (this.children.get(child.name) === child) this.children.delete(child.name);
  }

  strategyFor(child: ActorCell): SupervisorStrategy {
    return child.supervisionOverride ?? this.strategy;
  }

  private deadLetter(recipient: string, message: Message, reason: DeadLetterReason): void {
    this.deadLetters++;
    if (this.bus.hasSubscribers(DeadLetter)) {
      this.bus.publish(DeadLetter.make({ recipient, messageType: message.type, reason, message }));
    }
  }
}

export function createActorSystem(options: ActorSystemOptions = {}): ActorSystem {
  return new ActorSystem(options);
}
