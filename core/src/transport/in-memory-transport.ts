// An in-process Transport: several actor systems in one process talk through a shared hub.
import { SwitchyardError } from '../errors.js';
import { subjectMatches, type Transport, type Unsubscribe } from './transport.js';

interface Subscription {
  pattern: string;
  onFrame: (frame: Uint8Array, subject: string) => void;
}

/**
 * The shared medium. Delivery is asynchronous (a microtask later) and each subscriber gets its own
 * copy of the bytes, as over a network, so no system can see another's buffers.
 * @example
 * const hub = new InMemoryHub();
 * const a = createActorSystem({ node: 'a' }); const b = createActorSystem({ node: 'b' });
 * bridgeTransport(a, hub.connect(), { cluster: 'test', types: [TargetMarkedDown] });
 * bridgeTransport(b, hub.connect(), { cluster: 'test', types: [TargetMarkedDown] });
 */
export class InMemoryHub {
  private readonly connections = new Set<InMemoryTransport>();
  /** Frames published through the hub so far. */
  published = 0;

  connect(): InMemoryTransport {
    const transport = new InMemoryTransport(this);
    this.connections.add(transport);
    return transport;
  }

  /** @internal */
  route(subject: string, frame: Uint8Array): void {
    this.published++;
    for (const connection of this.connections) connection.deliver(subject, frame);
  }

  /** @internal */
  disconnect(transport: InMemoryTransport): void {
    this.connections.delete(transport);
  }
}

export class InMemoryTransport implements Transport {
  private readonly subscriptions = new Set<Subscription>();
  private isClosed = false;
  /** Errors thrown by this transport's subscribers, caught so the hub keeps going. */
  subscriberErrors = 0;

  constructor(private readonly hub: InMemoryHub) {}

  publish(subject: string, frame: Uint8Array): void {
    if (this.isClosed) throw new SwitchyardError('ERR_TRANSPORT_CLOSED', 'in-memory transport is closed');
    const copy = frame.slice();
    queueMicrotask(() => this.hub.route(subject, copy));
  }

  subscribe(pattern: string, onFrame: (frame: Uint8Array, subject: string) => void): Unsubscribe {
    const subscription: Subscription = { pattern, onFrame };
    this.subscriptions.add(subscription);
    return () => this.subscriptions.delete(subscription);
  }

  /** @internal */
  deliver(subject: string, frame: Uint8Array): void {
    if (this.isClosed) return;
    for (const subscription of this.subscriptions) {
      if (!subjectMatches(subscription.pattern, subject)) continue;
      try {
        subscription.onFrame(frame.slice(), subject);
      } catch {
        this.subscriberErrors++;
      }
    }
  }

  async close(): Promise<void> {
    this.isClosed = true;
    this.subscriptions.clear();
    this.hub.disconnect(this);
  }
}
