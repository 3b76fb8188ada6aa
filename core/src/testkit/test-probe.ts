// A probe for tests: records messages sent to it (as an actor) or seen on a bus, and awaits them.
import type { Subscription } from 'rxjs';
import type { ActorRef } from '../actors/define-actor.js';
import { defineActor } from '../actors/define-actor.js';
import type { ActorSystem } from '../actors/actor-system.js';
import type { Bus } from '../bus/bus.js';
import type { Message, MessageOf, MessageType } from '../messages/define-message.js';

type Matcher<M extends Message> = MessageType | ((message: M) => boolean);

interface Waiter<M extends Message> {
  matches: (message: M) => boolean;
  resolve: (message: M) => void;
}

const probeActor = defineActor<{ probe: TestProbe<Message> }, Message, TestProbe<Message>>({
  name: 'probe',
  init: (probe) => ({ probe }),
  receive(state, message) {
    state.probe.record(message);
  },
});

/**
 * Records messages and lets a test wait for them. Waits use real time (a probe guards a test
 * against hanging), independent of the system's clock.
 * @example
 * const probe = TestProbe.onBus(system.bus, ActorRestarted);
 * await clock.advance(1000);
 * await probe.expectMessage(ActorRestarted, 500);
 */
export class TestProbe<M extends Message = Message> {
  /** Every message recorded so far, including those already taken by an expectation. */
  readonly received: M[] = [];
  private readonly unread: M[] = [];
  private readonly waiters = new Set<Waiter<M>>();
  private readonly subscriptions: Subscription[] = [];
  private actorRef: ActorRef<M> | undefined;

  /** A probe that is an actor: pass `probe.ref` where an ActorRef is expected. */
  static asActor<M extends Message = Message>(system: ActorSystem, name?: string): TestProbe<M> {
    const probe = new TestProbe<M>();
    probe.actorRef = system.spawn(probeActor, probe as unknown as TestProbe<Message>, name === undefined ? {} : { name }) as ActorRef<M>;
    return probe;
  }

  /** A probe that records every bus message of the given types, or with the given type prefix. */
  static onBus<M extends Message = Message>(bus: Bus, ...sources: (MessageType | string)[]): TestProbe<M> {
    const probe = new TestProbe<M>();
    for (const source of sources) {
      const observable = typeof source === 'string' ? bus.onPrefix(source) : bus.on(source);
      probe.subscriptions.push(observable.subscribe((message) => probe.record(message as M)));
    }
    return probe;
  }

  get ref(): ActorRef<M> {
    if (this.actorRef === undefined) throw new Error('this probe was made with onBus; use TestProbe.asActor for a ref');
    return this.actorRef;
  }

  /** @internal */
  record(message: M): void {
    this.received.push(message);
    for (const waiter of this.waiters) {
      if (waiter.matches(message)) {
        this.waiters.delete(waiter);
        waiter.resolve(message);
        return;
      }
    }
    this.unread.push(message);
  }

  /** Resolves with the first unread message that matches, or rejects after `withinMs`. */
  expectMessage<T extends MessageType>(matcher: T, withinMs?: number): Promise<MessageOf<T>>;
  expectMessage(matcher?: (message: M) => boolean, withinMs?: number): Promise<M>;
  expectMessage(matcher?: Matcher<M>, withinMs = 1000): Promise<unknown> {
    const matches = toPredicate(matcher);
    const index = this.unread.findIndex(matches);
    if (index >= 0) return Promise.resolve(this.unread.splice(index, 1)[0] as M);
    return new Promise<M>((resolve, reject) => {
      const waiter: Waiter<M> = {
        matches,
        resolve: (message) => {
          clearTimeout(timer);
          resolve(message);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        const seen = this.unread.map((m) => m.type).join(', ') || 'nothing';
        reject(new Error(`expected ${describe(matcher)} within ${withinMs} ms; unread: ${seen}`));
      }, withinMs);
      this.waiters.add(waiter);
    });
  }

  /** Resolves after `forMs` if no matching message arrived; rejects naming the one that did. */
  async expectNoMessage(forMs = 100, matcher?: Matcher<M>): Promise<void> {
    const matches = toPredicate(matcher);
    const early = this.unread.find(matches);
    if (early !== undefined) throw new Error(`expected no ${describe(matcher)}, got ${JSON.stringify(early.type)}`);
    await new Promise((resolve) => setTimeout(resolve, forMs));
    const late = this.unread.find(matches);
    if (late !== undefined) throw new Error(`expected no ${describe(matcher)} for ${forMs} ms, got ${JSON.stringify(late.type)}`);
  }

  /** Waits for `count` matching messages and returns them in order. */
  async receiveN(count: number, matcher?: Matcher<M>, withinMs = 1000): Promise<M[]> {
    const out: M[] = [];
    const deadline = Date.now() + withinMs;
    for (let i = 0; i < count; i++) out.push(await this.expectMessage(toPredicate(matcher), Math.max(1, deadline - Date.now())));
    return out;
  }

  stop(): void {
    for (const subscription of this.subscriptions) subscription.unsubscribe();
  }
}

function toPredicate<M extends Message>(matcher: Matcher<M> | undefined): (message: M) => boolean {
  if (matcher === undefined) return () => true;
  if (typeof matcher === 'function') return matcher;
  return (message) => message.type === matcher.type;
}

function describe<M extends Message>(matcher: Matcher<M> | undefined): string {
  if (matcher === undefined) return 'a message';
  if (typeof matcher === 'function') return 'a matching message';
  return `"${matcher.type}"`;
}
