// The Transport port over Node IPC: workers publish to their primary, whose hub hands every frame to every endpoint.
import { SwitchyardError, subjectMatches, type Transport, type Unsubscribe } from '@switchyard/core';
import { isIpcMessage, type FrameMessage } from './ipc-protocol.js';
import type { IpcPort } from './ipc-port.js';

interface Subscription {
  readonly pattern: string;
  readonly onFrame: (frame: Uint8Array, subject: string) => void;
}

/** Subscriptions of one endpoint, matched NATS-style; a throwing subscriber is counted, never propagated. */
class Subscriptions {
  private readonly entries = new Set<Subscription>();
  subscriberErrors = 0;

  add(pattern: string, onFrame: (frame: Uint8Array, subject: string) => void): Unsubscribe {
    const entry: Subscription = { pattern, onFrame };
    this.entries.add(entry);
    return () => void this.entries.delete(entry);
  }

  deliver(subject: string, frame: Uint8Array): void {
    for (const entry of this.entries) {
      if (!subjectMatches(entry.pattern, subject)) continue;
      try {
        // Each subscriber gets its own copy: one that scribbles on its frame changes nothing else.
        entry.onFrame(frame.slice(), subject);
      } catch {
        this.subscriberErrors++;
      }
    }
  }

  clear(): void {
    this.entries.clear();
  }
}

function closed(what: string): SwitchyardError {
  return new SwitchyardError('ERR_TRANSPORT_CLOSED', `${what} is closed`);
}

/**
 * A worker's side of the IPC transport. Every frame goes to the primary's hub, which sends it to
 * every endpoint, this one included (so a process hears its own publications, as over NATS, and
 * in the same order as everyone else). Frames are control-plane messages only: bytes of the
 * data plane never cross IPC.
 * @example
 * const transport = new IpcTransport(ipcPortOf(process));
 * startProxyNode(config, { cluster: { transport, name: 'workers' } });
 */
export class IpcTransport implements Transport {
  private readonly subscriptions = new Subscriptions();
  private readonly stopListening: () => void;
  private isClosed = false;
  /** Frames sent and received; sends dropped because the channel was gone. */
  readonly stats = { sent: 0, received: 0, dropped: 0 };

  constructor(private readonly port: IpcPort) {
    this.stopListening = port.listen((message) => {
      if (this.isClosed || !isIpcMessage(message) || message.sy !== 'frame') return;
      this.stats.received++;
      this.subscriptions.deliver(message.subject, message.frame);
    });
  }

  get subscriberErrors(): number {
    return this.subscriptions.subscriberErrors;
  }

  publish(subject: string, frame: Uint8Array): void {
    if (this.isClosed) throw closed('the IPC transport');
    // Copied now: the caller may reuse its buffer before the channel serializes the message.
    const message: FrameMessage = { sy: 'frame', subject, frame: frame.slice() };
    if (this.port.send(message)) this.stats.sent++;
    else this.stats.dropped++;
  }

  subscribe(subject: string, onFrame: (frame: Uint8Array, subject: string) => void): Unsubscribe {
    return this.subscriptions.add(subject, onFrame);
  }

  async close(): Promise<void> {
    if (this.isClosed) return;
    this.isClosed = true;
    this.subscriptions.clear();
    this.stopListening();
  }
}

/** An endpoint of the hub inside the primary itself (its own actor system joins through one). */
export class IpcHubEndpoint implements Transport {
  private readonly subscriptions = new Subscriptions();
  private isClosed = false;

  constructor(private readonly hub: IpcHub) {}

  get subscriberErrors(): number {
    return this.subscriptions.subscriberErrors;
  }

  publish(subject: string, frame: Uint8Array): void {
    if (this.isClosed) throw closed('the IPC hub endpoint');
    const copy = frame.slice();
    // Asynchronous, as for the workers: a publisher never runs its subscribers on its own stack.
    queueMicrotask(() => this.hub.route(subject, copy));
  }

  subscribe(subject: string, onFrame: (frame: Uint8Array, subject: string) => void): Unsubscribe {
    return this.subscriptions.add(subject, onFrame);
  }

  /** @internal */
  deliver(subject: string, frame: Uint8Array): void {
    if (!this.isClosed) this.subscriptions.deliver(subject, frame);
  }

  async close(): Promise<void> {
    if (this.isClosed) return;
    this.isClosed = true;
    this.subscriptions.clear();
    this.hub.disconnect(this);
  }
}

/**
 * The primary's switchboard: a frame from any worker (or from an endpoint in the primary) goes to
 * every attached worker and every local endpoint. Fan-out at the hub costs one IPC message per
 * worker per frame, which is fine for the control plane it carries (heartbeats, verdicts,
 * config votes, event batches for a watching admin client).
 * @example
 * const hub = new IpcHub();
 * cluster.on('fork', (worker) => hub.attach(ipcPortOf(worker)));
 * bridgeTransport(system, hub.connect(), { cluster: 'workers', types });
 */
export class IpcHub {
  private readonly ports = new Map<IpcPort, () => void>();
  private readonly endpoints = new Set<IpcHubEndpoint>();
  /** Frames routed so far. */
  routed = 0;

  /** Starts routing a worker's frames; returns how to detach it (also done by `detach`). */
  attach(port: IpcPort): () => void {
    const stop = port.listen((message) => {
      if (isIpcMessage(message) && message.sy === 'frame') this.route(message.subject, message.frame);
    });
    this.ports.set(port, stop);
    return () => this.detach(port);
  }

  detach(port: IpcPort): void {
    this.ports.get(port)?.();
    this.ports.delete(port);
  }

  /** A transport for the primary's own use. */
  connect(): IpcHubEndpoint {
    const endpoint = new IpcHubEndpoint(this);
    this.endpoints.add(endpoint);
    return endpoint;
  }

  /** @internal */
  disconnect(endpoint: IpcHubEndpoint): void {
    this.endpoints.delete(endpoint);
  }

  /** @internal */
  route(subject: string, frame: Uint8Array): void {
    this.routed++;
    if (this.ports.size > 0) {
      const message: FrameMessage = { sy: 'frame', subject, frame };
      for (const port of this.ports.keys()) port.send(message);
    }
    for (const endpoint of this.endpoints) endpoint.deliver(subject, frame);
  }
}
