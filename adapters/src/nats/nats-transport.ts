// The NATS adapter of core's Transport port: frames by subject over one NATS connection that reconnects for ever.
import { connect, DebugEvents, Events, type NatsConnection, type Status, type Subscription } from 'nats';
import {
  ClusterTransportStatus,
  SwitchyardError,
  realClock,
  type Bus,
  type Clock,
  type ErrorCode,
  type Transport,
  type TransportStatusKind,
  type Unsubscribe,
} from '@switchyard/core';

export interface NatsTransportOptions {
  /** `nats://host:port`, or several for a NATS cluster. */
  servers: string | readonly string[];
  user?: string;
  pass?: string;
  token?: string;
  /** The connection's name as NATS shows it (monitoring, `nats server report connections`); use the node. */
  name: string;
  /** Status events are published here as `cluster.transport-status`, when someone listens. */
  bus?: Bus;
  /** Status events are also handed to this callback; a throw from it is swallowed. */
  onStatus?: (status: ClusterTransportStatus) => void;
  /** Stamps status events. Default: the real clock. */
  clock?: Clock;
  /** How long the first connect may take before it fails. Default 5000 ms. */
  connectTimeoutMs?: number;
  /** The first wait between reconnect attempts after the link is lost. Default 250 ms. */
  reconnectInitialWaitMs?: number;
  /** The longest wait between reconnect attempts. Default 5000 ms. */
  reconnectMaxWaitMs?: number;
  /** How often the client pings the server to notice a dead link. Default 10000 ms. */
  pingIntervalMs?: number;
  /** Unanswered pings before the link counts as dead. Default 2. */
  maxPingOut?: number;
  /** How long `close()` waits for the drain before it closes hard. Default 2000 ms. */
  drainTimeoutMs?: number;
}

/** Counters a stats tick or a test can read. Plain numbers, never reset. */
export interface NatsTransportStats {
  published: number;
  /** Frames handed to the client while the link was down: at-most-once, most of these are lost. */
  publishedWhileDisconnected: number;
  /** Publishes the client refused (connection closed by the server, payload too large, ...). */
  publishFailures: number;
  received: number;
  subscriberErrors: number;
  disconnects: number;
  reconnects: number;
  /** Asynchronous errors from the server or the client library. */
  errors: number;
}

/** At most this many failure reports of one kind per second; the rest are only counted. */
const REPORTS_PER_SECOND = 5;

/**
 * Moves frames over NATS. Delivery is **at-most-once**: NATS core has no acknowledgements, and while
 * the link is down `publish` does not throw but hands the frame to the client, whose outbound buffer
 * is reset at every reconnect attempt (nats.js v2), so frames published during an outage are mostly
 * lost. Membership copes (heartbeats repeat); anything that must arrive needs its own retry.
 *
 * Subscriber callbacks run inside the client's socket reader: a throw there would kill the
 * connection, so each one is caught, counted and reported, and delivery goes on.
 * @example
 * const transport = await connectNatsTransport({ servers: 'nats://127.0.0.1:4222', name: system.node, bus: system.bus });
 * const bridge = bridgeTransport(system, transport, { cluster: 'prod', types: ClusterWireTypes, codec: msgpackCodec });
 * // on shutdown: bridge.close(); await transport.close();
 */
export class NatsTransport implements Transport {
  readonly stats: NatsTransportStats = {
    published: 0,
    publishedWhileDisconnected: 0,
    publishFailures: 0,
    received: 0,
    subscriberErrors: 0,
    disconnects: 0,
    reconnects: 0,
    errors: 0,
  };
  private isClosing = false;
  private closing: Promise<void> | undefined;
  private connected = true;
  private reconnectAttempts = 0;
  private disconnectedAt: number | undefined;
  /** Fixed per outage, so nodes that lost the same server do not retry in step. */
  private jitterFactor = 1;
  private readonly reportBudget = new Map<string, { windowStart: number; count: number }>();
  private readonly subscriptions = new Set<Subscription>();

  /** @internal Use `connectNatsTransport`. */
  constructor(
    private readonly nc: NatsConnection,
    private readonly options: NatsTransportOptions,
    private readonly clock: Clock,
  ) {
    void this.watchStatus();
    void nc.closed().then((error) => this.onClosed(error));
    this.emitStatus({ status: 'connected', server: nc.getServer() });
  }

  /** Whether the link is up, as of the client's last status event. */
  get isConnected(): boolean {
    return this.connected && !this.isClosing;
  }

  /** The server currently connected to (`host:port`). */
  get server(): string {
    return this.nc.getServer();
  }

  publish(subject: string, frame: Uint8Array): void {
    if (this.isClosing) throw new SwitchyardError('ERR_TRANSPORT_CLOSED', `NATS transport "${this.options.name}" is closed`);
    try {
      // The client keeps a reference until its next flush: a copy makes the frame ours alone.
      this.nc.publish(subject, frame.slice());
      this.stats.published++;
      if (!this.connected) this.stats.publishedWhileDisconnected++;
    } catch (error) {
      this.stats.publishFailures++;
      this.reportError('publish', error, `publish on ${subject} failed`);
    }
  }

  subscribe(subject: string, onFrame: (frame: Uint8Array, subject: string) => void): Unsubscribe {
    if (this.isClosing) throw new SwitchyardError('ERR_TRANSPORT_CLOSED', `NATS transport "${this.options.name}" is closed`);
    let isActive = true;
    let sub: Subscription;
    try {
      sub = this.nc.subscribe(subject, {
        callback: (error, msg) => {
          if (!isActive || this.isClosing) return;
          if (error !== null) {
            this.reportError('subscription', error, `subscription to ${subject} failed`);
            return;
          }
          this.stats.received++;
          try {
            onFrame(msg.data, msg.subject);
          } catch (thrown) {
            this.stats.subscriberErrors++;
            this.reportError('subscriber', thrown, `a subscriber to ${subject} threw`);
          }
        },
      });
    } catch (error) {
      throw translate(error, `cannot subscribe to ${subject}`);
    }
    this.subscriptions.add(sub);
    return () => {
      if (!isActive) return;
      isActive = false;
      this.subscriptions.delete(sub);
      if (this.nc.isClosed()) return;
      try {
        sub.unsubscribe();
      } catch (error) {
        this.reportError('subscription', error, `unsubscribe from ${subject} failed`);
      }
    };
  }

  /**
   * Resolves once the server has processed everything sent so far (subscriptions included): a
   * round trip. Rejects with `ERR_TRANSPORT_CLOSED` when the link is down or closed.
   */
  async flush(): Promise<void> {
    try {
      await this.nc.flush();
    } catch (error) {
      throw translate(error, 'flush failed');
    }
  }

  /**
   * Drains (pending subscriptions delivered, pending publishes sent) within `drainTimeoutMs`, then
   * closes. Idempotent; afterwards subscribers hear nothing and `publish` throws `ERR_TRANSPORT_CLOSED`.
   */
  close(): Promise<void> {
    this.closing ??= this.shutDown();
    return this.closing;
  }

  private async shutDown(): Promise<void> {
    this.isClosing = true;
    this.subscriptions.clear();
    if (this.nc.isClosed()) return;
    const drainTimeoutMs = this.options.drainTimeoutMs ?? 2000;
    let timer: NodeJS.Timeout | undefined;
    try {
      // A drain needs the server; while the link is down it would wait for the reconnect.
      const drained = this.connected ? this.nc.drain() : Promise.reject(new Error('link down, not draining'));
      drained.catch(() => undefined);
      await Promise.race([drained, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('drain timed out')), drainTimeoutMs)))]);
    } catch {
      await this.nc.close().catch(() => undefined);
    } finally {
      if (timer !== undefined) clearTimeout(timer);
    }
    await this.nc.closed();
  }

  /** The wait before the next reconnect attempt: doubling from the initial wait up to the maximum, jittered. */
  reconnectDelay(): number {
    const initial = this.options.reconnectInitialWaitMs ?? 250;
    const max = this.options.reconnectMaxWaitMs ?? 5000;
    // Waiting about as long as the outage has lasted doubles the wait per attempt; the client
    // calls this repeatedly while it waits, so it must not change between two attempts.
    const elapsed = this.disconnectedAt === undefined ? 0 : this.clock.monotonic() - this.disconnectedAt;
    return Math.round(Math.min(max, Math.max(initial, elapsed)) * this.jitterFactor);
  }

  private async watchStatus(): Promise<void> {
    try {
      for await (const status of this.nc.status()) this.onLibraryStatus(status);
    } catch (error) {
      this.reportError('status', error, 'status stream failed');
    }
  }

  private onLibraryStatus(status: Status): void {
    const server = typeof status.data === 'string' && status.data.length > 0 ? status.data : undefined;
    switch (status.type) {
      case Events.Disconnect:
        if (this.isClosing) return;
        this.connected = false;
        this.stats.disconnects++;
        this.reconnectAttempts = 0;
        this.disconnectedAt = this.clock.monotonic();
        this.jitterFactor = 0.75 + Math.random() / 2;
        this.emitStatus({ status: 'disconnected', ...(server === undefined ? {} : { server }) });
        return;
      case DebugEvents.Reconnecting:
        if (this.isClosing || this.connected) return;
        this.reconnectAttempts++;
        this.emitStatus({ status: 'reconnecting', attempt: this.reconnectAttempts, ...(server === undefined ? {} : { server }) });
        return;
      case Events.Reconnect:
        this.connected = true;
        this.stats.reconnects++;
        this.disconnectedAt = undefined;
        this.emitStatus({ status: 'reconnected', attempt: this.reconnectAttempts, ...(server === undefined ? {} : { server }) });
        return;
      case Events.Error: {
        this.stats.errors++;
        const context = status.permissionContext;
        const detail = context === undefined ? '' : ` (${context.operation} ${context.subject})`;
        this.emitThrottled('server', {
          status: 'error',
          code: 'ERR_TRANSPORT_FAILED' satisfies ErrorCode,
          libraryCode: String(status.data),
          message: `NATS reported ${String(status.data)}${detail}`,
        });
        return;
      }
      default:
        // Cluster updates, lame-duck notices, ping timers: the client handles them itself.
        return;
    }
  }

  private onClosed(error: void | Error): void {
    this.connected = false;
    if (error instanceof Error) {
      const translated = translate(error, 'NATS connection closed');
      this.emitStatus({ status: 'closed', code: translated.code, message: translated.message, ...libraryCodeOf(error) });
    } else {
      this.emitStatus({ status: 'closed' });
    }
  }

  private reportError(kind: string, error: unknown, what: string): void {
    const translated = translate(error, what, 'ERR_TRANSPORT_FAILED');
    this.emitThrottled(kind, { status: 'error', code: translated.code, message: translated.message, ...libraryCodeOf(error) });
  }

  /** Reports at most REPORTS_PER_SECOND events of one kind a second: a failing publish loop must not flood the bus. */
  private emitThrottled(kind: string, fields: StatusFields): void {
    const now = this.clock.monotonic();
    const budget = this.reportBudget.get(kind);
    if (budget === undefined || now - budget.windowStart >= 1000) {
      this.reportBudget.set(kind, { windowStart: now, count: 1 });
    } else if (++budget.count > REPORTS_PER_SECOND) {
      return;
    }
    this.emitStatus(fields);
  }

  private emitStatus(fields: StatusFields): void {
    const { bus, onStatus } = this.options;
    const isObserved = bus?.hasSubscribers(ClusterTransportStatus) ?? false;
    if (!isObserved && onStatus === undefined) return;
    const event = ClusterTransportStatus.make({ transport: this.options.name, at: this.clock.now(), ...fields });
    if (onStatus !== undefined) {
      try {
        onStatus(event);
      } catch {
        // A status observer's bug must not reach the client's callbacks.
      }
    }
    if (isObserved) bus?.publish(event);
  }
}

interface StatusFields {
  status: TransportStatusKind;
  server?: string;
  attempt?: number;
  code?: string;
  libraryCode?: string;
  message?: string;
}

/**
 * Connects to NATS and returns the transport; rejects with `ERR_TRANSPORT_CONNECT_FAILED` when no
 * server answers within `connectTimeoutMs`. Once connected it reconnects for ever, with a doubling,
 * jittered wait, and reports each step as a status event.
 */
export async function connectNatsTransport(options: NatsTransportOptions): Promise<NatsTransport> {
  const clock = options.clock ?? realClock;
  let transport: NatsTransport | undefined;
  let nc: NatsConnection;
  try {
    nc = await connect({
      servers: typeof options.servers === 'string' ? options.servers : [...options.servers],
      name: options.name,
      ...(options.user === undefined ? {} : { user: options.user }),
      ...(options.pass === undefined ? {} : { pass: options.pass }),
      ...(options.token === undefined ? {} : { token: options.token }),
      timeout: options.connectTimeoutMs ?? 5000,
      reconnect: true,
      maxReconnectAttempts: -1,
      reconnectDelayHandler: () => transport?.reconnectDelay() ?? options.reconnectInitialWaitMs ?? 250,
      pingInterval: options.pingIntervalMs ?? 10_000,
      maxPingOut: options.maxPingOut ?? 2,
    });
  } catch (error) {
    const servers = typeof options.servers === 'string' ? options.servers : options.servers.join(', ');
    throw new SwitchyardError('ERR_TRANSPORT_CONNECT_FAILED', `cannot connect to NATS at ${servers}: ${messageOf(error)}`, { cause: error });
  }
  transport = new NatsTransport(nc, options, clock);
  return transport;
}

/** Library codes that mean "the link is closed or closing". */
const CLOSED_CODES = new Set(['CONNECTION_CLOSED', 'CONNECTION_DRAINING', 'DISCONNECT']);

/** A project error for a library error: the library's code decides the project code, the original is the cause. */
function translate(error: unknown, what: string, fallback: ErrorCode = 'ERR_TRANSPORT_FAILED'): SwitchyardError {
  if (error instanceof SwitchyardError) return error;
  const libraryCode = libraryCodeOf(error).libraryCode;
  const code: ErrorCode = libraryCode !== undefined && CLOSED_CODES.has(libraryCode) ? 'ERR_TRANSPORT_CLOSED' : fallback;
  return new SwitchyardError(code, `${what}: ${messageOf(error)}`, { cause: error });
}

function libraryCodeOf(error: unknown): { libraryCode?: string } {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? { libraryCode: code } : {};
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
