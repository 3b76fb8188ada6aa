// Carries chosen message types between a system's bus and a Transport, validating what comes in.
import type { Subscription } from 'rxjs';
import type { Bus } from '../bus/bus.js';
import type { Clock } from '../clock/clock.js';
import type { Message, MessageType } from '../messages/define-message.js';
import { Envelope, PROTOCOL_VERSION } from '../messages/envelope.js';
import { FrameRejected } from '../messages/runtime.messages.js';
import { nextId } from '../util/ids.js';
import { jsonCodec } from './json-codec.js';
import { clusterWildcard, subjectFor, type Codec, type Transport, type Unsubscribe } from './transport.js';

export interface BridgeHost {
  readonly bus: Bus;
  readonly clock: Clock;
  readonly node: string;
}

export interface BridgeOptions {
  /** Nodes of one cluster share it; it is part of every subject. */
  cluster: string;
  /** Message types carried both ways (unless `outbound`/`inbound` narrow it). */
  types: readonly MessageType[];
  /** Types published to the transport; default `types`. */
  outbound?: readonly MessageType[];
  /** Types accepted from the transport; default `types`. */
  inbound?: readonly MessageType[];
  codec?: Codec;
  subjectPrefix?: string;
  /** The protocol version this node speaks; only tests set it. */
  protocolVersion?: number;
}

export interface BridgeStats {
  sent: number;
  received: number;
  rejected: number;
}

/** Which node a message that arrived over a transport came from. */
const origins = new WeakMap<object, string>();

/** The node a message came from, or undefined when it was made in this process. */
export function originNodeOf(message: Message): string | undefined {
  return origins.get(message);
}

/**
 * Joins a bus to a transport for the given types. Outbound messages travel in an `Envelope`
 * stamped with the protocol version and node; inbound frames are decoded, checked against the
 * envelope schema, the version and the message type's own schema, and only then published on the
 * local bus. A frame that fails any check is dropped, counted and reported as
 * `transport.frame-rejected`: it never reaches an actor and never throws.
 */
export class TransportBridge {
  readonly stats: BridgeStats = { sent: 0, received: 0, rejected: 0 };
  private readonly codec: Codec;
  private readonly prefix: string;
  private readonly version: number;
  private readonly inbound = new Map<string, MessageType>();
  private readonly subscriptions: Subscription[] = [];
  private readonly unsubscribe: Unsubscribe;
  /** Messages this bridge put on the bus, so they are not sent straight back out. */
  private readonly injected = new WeakSet<object>();

  constructor(
    private readonly host: BridgeHost,
    private readonly transport: Transport,
    private readonly options: BridgeOptions,
  ) {
    this.codec = options.codec ?? jsonCodec;
    this.prefix = options.subjectPrefix ?? 'switchyard';
    this.version = options.protocolVersion ?? PROTOCOL_VERSION;
    for (const type of options.inbound ?? options.types) this.inbound.set(type.type, type);
    for (const type of options.outbound ?? options.types) {
      const subject = subjectFor(options.cluster, type.type, this.prefix);
      this.subscriptions.push(host.bus.on(type).subscribe((message) => this.send(subject, message)));
    }
    this.unsubscribe = transport.subscribe(clusterWildcard(options.cluster, this.prefix), (frame, subject) =>
      this.receive(frame, subject),
    );
  }

  /**
   * Sends one message over this bridge's transport only, not through the bus, so another bridge on
   * the same bus does not carry it too (a primary tells its workers what other nodes must not hear).
   */
  sendHere(message: Message): void {
    this.send(subjectFor(this.options.cluster, message.type, this.prefix), message);
  }

  close(): void {
    for (const subscription of this.subscriptions) subscription.unsubscribe();
    this.unsubscribe();
  }

  private send(subject: string, message: Message): void {
    if (this.injected.has(message)) return;
    const envelope: Envelope = {
      id: nextId(),
      type: message.type,
      v: this.version,
      ts: this.host.clock.now(),
      node: this.host.node,
      payload: message,
    };
    try {
      this.transport.publish(subject, this.codec.encode(envelope));
      this.stats.sent++;
    } catch {
      // At-most-once: a closed or failing transport loses the message; the adapter reports why.
    }
  }

  private receive(frame: Uint8Array, subject: string): void {
    let decoded: unknown;
    try {
      decoded = this.codec.decode(frame);
    } catch (error) {
      this.reject(subject, 'ERR_TRANSPORT_FRAME_REJECTED', `undecodable frame: ${(error as Error).message}`, undefined);
      return;
    }
    const envelope = Envelope.safeParse(decoded);
    if (!envelope.success) {
      const issue = envelope.error.issues[0];
      this.reject(subject, 'ERR_TRANSPORT_FRAME_REJECTED', `bad envelope: ${issue?.path.join('.') ?? ''} ${issue?.message ?? ''}`.trim(), undefined);
      return;
    }
    const { v, node, type, payload } = envelope.data;
    if (node === this.host.node) return;
    if (v !== this.version) {
      this.reject(subject, 'ERR_TRANSPORT_VERSION_MISMATCH', `protocol version ${v}, this node speaks ${this.version}`, node);
      return;
    }
    const messageType = this.inbound.get(type);
    if (messageType === undefined || subject !== subjectFor(this.options.cluster, type, this.prefix)) {
      this.reject(subject, 'ERR_TRANSPORT_FRAME_REJECTED', `message type "${type}" is not carried on ${subject}`, node);
      return;
    }
    const parsed = messageType.parse(payload);
    if (!parsed.ok) {
      const issues = parsed.issues.map((i) => `${i.path}: ${i.message}`).join('; ');
      this.reject(subject, 'ERR_MESSAGE_INVALID', `"${type}" failed its schema: ${issues}`, node);
      return;
    }
    this.stats.received++;
    this.injected.add(parsed.value);
    origins.set(parsed.value, node);
    this.host.bus.publish(parsed.value);
  }

  private reject(subject: string, code: FrameRejected['code'], reason: string, node: string | undefined): void {
    this.stats.rejected++;
    if (this.host.bus.hasSubscribers(FrameRejected)) {
      this.host.bus.publish(
        FrameRejected.make({ subject, code, reason, ...(node === undefined ? {} : { node }), rejectedTotal: this.stats.rejected }),
      );
    }
  }
}

/** Joins a system (or anything with a bus, clock and node) to a transport. */
export function bridgeTransport(host: BridgeHost, transport: Transport, options: BridgeOptions): TransportBridge {
  return new TransportBridge(host, transport, options);
}
