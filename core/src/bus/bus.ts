// The control-plane bus: typed channels by message type, prefix taps for observers, failure isolation.
import { Observable, Subject, type Subscription } from 'rxjs';
import type { Clock } from '../clock/clock.js';
import { realClock } from '../clock/real-clock.js';
import type { Message, MessageOf, MessageType } from '../messages/define-message.js';
import { SubscriberFailed, errorInfo } from '../messages/runtime.messages.js';
import { registerBus, unregisterBus } from './unhandled-errors.js';

/** One channel per message type: its subject, and the prefix taps whose prefix matches the type. */
class Channel {
  readonly subject = new Subject<Message>();
  readonly observable: Observable<Message> = this.subject.asObservable();
  taps: Subject<Message>[] = [];

  constructor(readonly type: string) {}

  isObserved(): boolean {
    if (this.subject.observed) return true;
    for (const tap of this.taps) if (tap.observed) return true;
    return false;
  }
}

export interface BusOptions {
  /** Used to budget failure reports per second. */
  clock?: Clock;
  /** At most this many `bus.subscriber-failed` events a second; the rest are counted. */
  maxFailureReportsPerSecond?: number;
}

/**
 * Typed publish/subscribe on RxJS subjects held in a `Map` by message type, so publishing costs one
 * lookup whatever the number of types, and next to nothing when nobody listens.
 *
 * A subscriber that throws never stops delivery to the others and never crashes the process: the
 * failure becomes a `bus.subscriber-failed` event (see unhandled-errors.ts for the RxJS hook).
 * @example
 * bus.on(TargetMarkedDown).subscribe((m) => log.warn(m));
 * if (bus.hasSubscribers(RequestCompleted)) bus.publish(RequestCompleted.make({...}));
 */
export class Bus {
  private readonly channels = new Map<string, Channel>();
  private readonly taps = new Map<string, Subject<Message>>();
  private readonly clock: Clock;
  private readonly maxReports: number;
  private reportWindowStart = 0;
  private reportsInWindow = 0;
  private suppressed = 0;
  private isReporting = false;
  private isClosed = false;
  /** Subscriber failures seen since the bus was made. */
  failures = 0;

  constructor(options: BusOptions = {}) {
    this.clock = options.clock ?? realClock;
    this.maxReports = options.maxFailureReportsPerSecond ?? 100;
    registerBus(this);
  }

  /** Delivers a message to the subscribers of its type and to matching prefix taps. */
  publish<M extends Message>(message: M): void {
    const channel = this.channels.get(message.type);
    if (channel === undefined) {
      // A tap may want a type nobody has asked for by name yet; without taps this is the whole cost.
      if (this.taps.size === 0) return;
      const created = this.channelFor(message.type);
      if (created.taps.length !== 0) this.deliverToTaps(created, message);
      return;
    }
    channel.subject.next(message);
    if (channel.taps.length !== 0) this.deliverToTaps(channel, message);
  }

  /** An Observable of one message type. */
  on<M extends MessageType>(type: M): Observable<MessageOf<M>> {
    return this.channelFor(type.type).observable as Observable<MessageOf<M>>;
  }

  /** An Observable of every message whose type starts with `prefix` (`'conn.'`; `''` for all). */
  onPrefix(prefix: string): Observable<Message> {
    let tap = this.taps.get(prefix);
    if (tap === undefined) {
      tap = new Subject<Message>();
      this.taps.set(prefix, tap);
      for (const channel of this.channels.values()) if (channel.type.startsWith(prefix)) channel.taps.push(tap);
    }
    return tap.asObservable();
  }

  /**
   * Subscribes a plain handler. Unlike a bare `on(T).subscribe`, a throw here is reported with the
   * message type it failed on.
   */
  subscribe<M extends MessageType>(type: M, handler: (message: MessageOf<M>) => void): Subscription {
    return this.on(type).subscribe((message) => {
      try {
        handler(message);
      } catch (error) {
        this.reportSubscriberFailure(error, type.type);
      }
    });
  }

  /** True when publishing this type would reach anyone: check before building an event. */
  hasSubscribers(type: MessageType | string): boolean {
    const name = typeof type === 'string' ? type : type.type;
    const channel = this.channels.get(name);
    if (channel !== undefined) return channel.isObserved();
    // With a prefix tap, the type gets its channel now (taps attached once) rather than matching
    // every tap's prefix on each call: this runs per lifecycle event per request.
    return this.taps.size !== 0 && this.channelFor(name).isObserved();
  }

  /** Reports a subscriber's throw as an event, within a per-second budget, never recursively. */
  reportSubscriberFailure(error: unknown, messageType: string | undefined): void {
    this.failures++;
    if (this.isClosed) return;
    const now = this.clock.monotonic();
    if (now - this.reportWindowStart >= 1000) {
      this.reportWindowStart = now;
      this.reportsInWindow = 0;
    }
    // A failing subscriber of the failure event itself must not loop forever.
    if (this.isReporting || this.reportsInWindow >= this.maxReports) {
      this.suppressed++;
      return;
    }
    this.reportsInWindow++;
    const suppressed = this.suppressed;
    this.suppressed = 0;
    this.isReporting = true;
    try {
      this.publish(
        SubscriberFailed.make({
          ...(messageType === undefined ? {} : { messageType }),
          error: errorInfo(error, 'ERR_BUS_SUBSCRIBER_FAILED'),
          suppressed,
        }),
      );
    } finally {
      this.isReporting = false;
    }
  }

  /** Completes every channel and detaches the bus from the process-wide failure hook. */
  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    unregisterBus(this);
    for (const channel of this.channels.values()) channel.subject.complete();
    for (const tap of this.taps.values()) tap.complete();
  }

  private channelFor(type: string): Channel {
    let channel = this.channels.get(type);
    if (channel === undefined) {
      channel = new Channel(type);
      for (const [prefix, tap] of this.taps) if (type.startsWith(prefix)) channel.taps.push(tap);
      this.channels.set(type, channel);
    }
    return channel;
  }

  private deliverToTaps(channel: Channel, message: Message): void {
    const taps = channel.taps;
    for (let i = 0; i < taps.length; i++) (taps[i] as Subject<Message>).next(message);
  }

}
