// The shape of an actor: init, receive, optional signal and stopped hooks, mailbox and supervision.
import type { z } from 'zod';
import type { Observable } from 'rxjs';
import type { Bus } from '../bus/bus.js';
import type { Cancellable, Clock } from '../clock/clock.js';
import type { Message, MessageOf, MessageType, ReplyOf } from '../messages/define-message.js';
import type { ActorTerminated } from '../messages/runtime.messages.js';
import type { MailboxOptions } from './mailbox.js';
import type { Snapshot } from './snapshot.js';
import type { SupervisorStrategy } from './supervision.js';

/** The payload a message type's `make` takes. */
export type PayloadOf<T extends MessageType> = Parameters<T['make']>[0];

export interface AskOptions {
  /** Default 5000 ms. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** A handle to a running actor: all anyone else may do with it is send it messages. */
export interface ActorRef<M extends Message = Message> {
  /** `system/path#incarnation`: a restarted actor keeps it, a re-spawned one gets a new one. */
  readonly address: string;
  readonly path: string;
  readonly name: string;
  readonly incarnation: number;
  readonly isAlive: boolean;
  /**
   * Enqueues a message. Returns false when the message was dead-lettered (actor stopped, or a full
   * drop-newest mailbox); throws MailboxFullError when a full mailbox's policy is `reject`.
   */
  tell(message: M): boolean;
  /** Sends a request and resolves with the typed reply, or rejects on timeout, abort or stop. */
  ask<T extends MessageType>(type: T, payload: PayloadOf<T>, options?: AskOptions): Promise<ReplyOf<T>>;
  /** Parses untrusted input against the actor's `inbox` schema, then tells it. */
  tellUntrusted(input: unknown): { ok: true } | { ok: false; issues: readonly { path: string; message: string }[] };
}

export type Signal = ActorTerminated;

export interface SpawnOptions {
  /** Unique among siblings; defaults to the definition's name (with a suffix if taken). */
  name?: string;
  mailbox?: MailboxOptions;
  /** Overrides how the parent supervises this one child. */
  supervision?: SupervisorStrategy;
}

/** What an actor may do while handling a message: every effect goes through here. */
export interface ActorContext<M extends Message> {
  readonly self: ActorRef<M>;
  readonly parent: string | undefined;
  readonly clock: Clock;
  readonly bus: Bus;
  /** The node this actor system runs on. */
  readonly node: string;
  /** Publishes on the bus after the current message is handled; dropped if handling throws. */
  emit(message: Message): void;
  /** True when an emit of this type would reach a subscriber: check before building it. */
  isObserved(type: MessageType): boolean;
  /** Answers the `ask` being handled. Typed by the request's message type. */
  reply<T extends MessageType>(type: T, value: ReplyOf<T>): void;
  /** Takes the reply slot of the current ask, to answer it later (after async work). */
  deferReply<T extends MessageType>(type: T): ((value: ReplyOf<T>) => void) | undefined;
  spawn<CS, CM extends Message, CA>(definition: ActorDefinition<CS, CM, CA>, args: CA, options?: SpawnOptions): ActorRef<CM>;
  /** Stops a child, or this actor when called without a ref. */
  stop(ref?: ActorRef<Message>): Promise<void>;
  /** Asks for an `actor.terminated` signal when `ref` stops. */
  watch(ref: ActorRef<Message>): void;
  unwatch(ref: ActorRef<Message>): void;
  /** Tells this actor `message` after `delayMs` (through the clock); cancelled on stop or restart. */
  schedule(delayMs: number, message: M): Cancellable;
  /** Tells this actor `message` every `intervalMs`; cancelled on stop or restart. */
  scheduleRepeat(intervalMs: number, message: M): Cancellable;
  /** Turns the outcome of async work into a message to self, keeping one message at a time. */
  pipeToSelf<T>(work: Promise<T>, onValue: (value: T) => M, onError: (error: unknown) => M): void;
  /** Follows a bus observable with messages to self; unsubscribed on stop or restart. */
  subscribeToSelf<T>(source: Observable<T>, toMessage: (value: T) => M | undefined): void;
  /** Replaces a snapshot's value and reports it. */
  publishSnapshot<T>(snapshot: Snapshot<T>, value: T): void;
}

/** An actor: a name, how to build its state, and how each message transforms it. */
export interface ActorDefinition<S, M extends Message, A = void> {
  readonly name: string;
  /** Schema for messages that come from outside the process (checked by `tellUntrusted`). */
  readonly inbox?: z.ZodType<M>;
  readonly mailbox?: MailboxOptions;
  /** How this actor supervises its own children. */
  readonly supervision?: SupervisorStrategy;
  init(args: A, ctx: ActorContext<M>): S;
  /** A near-pure transition: return the next state (or nothing to keep it). */
  receive(state: S, message: M, ctx: ActorContext<M>): S | void;
  /** System signals, such as `actor.terminated` for watched actors. */
  signal?(state: S, signal: Signal, ctx: ActorContext<M>): S | void;
  /** Releases what the state holds (sockets, servers) on stop and before a restart. */
  stopped?(state: S, ctx: ActorContext<M>): void | Promise<void>;
}

/**
 * Declares an actor.
 * @example
 * export const counter = defineActor({
 *   name: 'counter',
 *   init: (start: number) => ({ count: start }),
 *   receive(state, msg: Increment, ctx) { return { count: state.count + msg.by }; },
 * });
 */
export function defineActor<S, M extends Message, A = void>(definition: ActorDefinition<S, M, A>): ActorDefinition<S, M, A> {
  return Object.freeze({ ...definition });
}

/** The message union an actor definition accepts. */
export type InboxOf<D> = D extends ActorDefinition<infer _S, infer M, infer _A> ? M : never;
export type { MessageOf };
