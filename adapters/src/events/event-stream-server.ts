// The live event stream: WebSocket clients subscribe to the bus with filters, and a slow one loses events, not memory.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import * as core from '@switchyard/core';
import { ClusterEventsInterest, ClusterEventsRelayed, NodeEventsInterest, silentLogger, type Bus, type Logger, type Message, type MessageType } from '@switchyard/core';
import { WebSocketServer, type WebSocket } from 'ws';
import { EventCorrelator, typesFor } from './event-correlator.js';
import { EncodingLane } from './encoding-lane.js';
import { FrameEncoding, MSGPACK_SUBPROTOCOL } from './event-frame.js';
import { EventFilter, type EventFacts, type FilterProblem } from './event-filter.js';
import { DEFAULT_STREAM_LIMITS, EventSubscriber, type StreamLimits, type SubscriberStats } from './event-subscriber.js';

/** A bus subscription, as `Observable.subscribe` returns it. */
interface Subscription {
  unsubscribe(): void;
}

export interface EventStreamOptions {
  bus: Bus;
  /** The `node` field of every frame of this node's own events. */
  nodeName: string;
  /**
   * This node's member id in its cluster (default `nodeName`): relayed batches from it are its own
   * events coming back, already sent from the bus.
   */
  nodeId?: string;
  logger?: Logger;
  limits?: Partial<StreamLimits>;
  /** Clients at once; more are refused with 503. Default 64. */
  maxClients?: number;
  /** A client that does not answer a ping within this long is dropped. Default 30 s; 0 disables. */
  pingIntervalMs?: number;
  /** Epoch milliseconds for `ts` (tests). */
  now?: () => number;
  /**
   * A primary of worker processes: its workers' member names. Their relayed batches are this node's
   * own events, for node-scope clients too (tagged with the worker), and what the node-scope clients
   * want is published as `node.events-interest` (told to the workers only, never to other nodes).
   */
  ownWorkers?: ReadonlySet<string>;
}

/** What some clients' filters want from relayed batches. */
interface Interest {
  types: Set<string>;
  prefixes: Set<string>;
  isTracking: boolean;
}

/** Every message type core declares, by name, so exact subscriptions go through `bus.on`. */
const DECLARED_TYPES: ReadonlyMap<string, MessageType> = new Map(
  (Object.values(core) as unknown[])
    .filter((v): v is MessageType => typeof v === 'object' && v !== null && typeof (v as { type?: unknown }).type === 'string' && typeof (v as { make?: unknown }).make === 'function')
    .map((t) => [t.type, t]),
);

/**
 * Serves `GET /events` upgrades on an HTTP server it does not own (the admin server routes and
 * authenticates, then hands over the upgrade).
 *
 * Bus subscriptions follow the clients: with none connected the stream subscribes to nothing, so the
 * proxy builds no per-request events for it (it checks `bus.hasSubscribers` before building one).
 * With clients, it subscribes once per exact type or prefix asked for (plus the lifecycle types a
 * field filter needs to judge events that do not carry the field), and fans each event out to the
 * clients whose filter keeps it, encoding it at most once per encoding.
 *
 * Query: `type` (exact or `prefix.*`, list), `listener`, `route`, `upstream`, `target`, `status`
 * (`5xx`, `404`), `client` (CIDR), `sample` (0..1, per request). Each WebSocket frame carries the
 * events of one turn of the event loop: newline-delimited JSON in a text frame, or, when the client
 * asks for the `switchyard.msgpack` subprotocol, msgpack maps back to back in a binary frame
 * (`decodeEventFrame` reads both).
 * @example
 * const stream = new EventStreamServer({ bus: node.bus, nodeName: node.system.name });
 * server.on('upgrade', (req, socket, head) => stream.handleUpgrade(req, socket, head, new URL(req.url ?? '/', 'http://x').searchParams));
 * // ws://127.0.0.1:9901/events?type=request.completed&status=5xx
 */
export class EventStreamServer {
  private readonly wss: WebSocketServer;
  private readonly subscribers = new Set<EventSubscriber>();
  /** Live bus subscriptions by key: `=type` (exact) or `*prefix`. */
  private readonly subscriptions = new Map<string, Subscription>();
  private readonly correlator = new EventCorrelator();
  private readonly limits: StreamLimits;
  private readonly logger: Logger;
  private readonly now: () => number;
  private readonly pingTimer: NodeJS.Timeout | undefined;
  private readonly onMessageBound = (message: Message): void => this.onMessage(message);
  /** Each encoding's clients, and where an event is encoded once for them. */
  private readonly json: EncodingLane;
  private readonly msgpack: EncodingLane;
  /** Relayed batches while some client wants them (cluster scope, or node scope with workers), and the interests last announced. */
  private relayedSubscription: Subscription | undefined;
  private clusterInterestKey = '';
  private nodeInterestKey = '';
  /** One correlator per peer node: connection and request ids are only unique within a node. */
  private readonly remoteCorrelators = new Map<string, EventCorrelator>();
  private isTrackingRemote = false;
  /** Reads an event's own fields only (never tracks): for peers' events when no filter needs correlation. */
  private readonly ownFieldsOnly = new EventCorrelator();
  private nextId = 0;
  private isClosed = false;
  /** Events dropped for slow clients since the server started. */
  droppedTotal = 0;

  constructor(private readonly options: EventStreamOptions) {
    this.limits = { ...DEFAULT_STREAM_LIMITS, ...options.limits };
    this.logger = (options.logger ?? silentLogger).child({ component: 'event-stream' });
    this.now = options.now ?? Date.now;
    this.json = new EncodingLane(FrameEncoding.json, options.nodeName);
    this.msgpack = new EncodingLane(FrameEncoding.msgpack, options.nodeName);
    this.wss = new WebSocketServer({
      noServer: true,
      // Clients only listen; anything they send is ignored, so keep what they may send tiny.
      maxPayload: 4096,
      perMessageDeflate: false,
      handleProtocols: (protocols) => (protocols.has(MSGPACK_SUBPROTOCOL) ? MSGPACK_SUBPROTOCOL : false),
    });
    const pingMs = options.pingIntervalMs ?? 30_000;
    if (pingMs > 0) {
      this.pingTimer = setInterval(() => this.pingAll(), pingMs);
      this.pingTimer.unref();
    }
  }

  get clientCount(): number {
    return this.subscribers.size;
  }

  /** The bus subscriptions held now (`=type` exact, `*prefix`), for tests and diagnostics. */
  get subscribedKeys(): string[] {
    return [...this.subscriptions.keys()].sort();
  }

  /** Each client's queue, socket buffer and drop counts. */
  stats(): SubscriberStats[] {
    return [...this.subscribers].map((s) => s.stats());
  }

  /**
   * Completes a WebSocket upgrade for `/events`, or answers 400 (bad filter: every problem listed)
   * or 503 (too many clients, or closing). Authentication is the caller's job. Never throws.
   */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, query: URLSearchParams): void {
    if (this.isClosed) return rejectUpgrade(socket, 503, { code: 'ERR_ADMIN_CLOSING', message: 'the event stream is closing' });
    const parsed = EventFilter.parse(query);
    if (!parsed.ok) return rejectUpgrade(socket, 400, { code: 'ERR_EVENT_FILTER_INVALID', message: 'invalid event stream query', problems: parsed.problems });
    const maxClients = this.options.maxClients ?? 64;
    if (this.subscribers.size >= maxClients) {
      return rejectUpgrade(socket, 503, { code: 'ERR_EVENT_STREAM_FULL', message: `the event stream serves at most ${maxClients} clients` });
    }
    try {
      this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws, parsed.filter));
    } catch (err) {
      this.logger.warn({ err }, 'event stream upgrade failed');
      socket.destroy();
    }
  }

  /** Closes every client (1001 going away) and drops every bus subscription. */
  async close(): Promise<void> {
    if (this.isClosed) return;
    this.isClosed = true;
    clearInterval(this.pingTimer);
    for (const sub of this.subscribers) {
      sub.close();
      sub.ws.close(1001, 'server closing');
    }
    // A client that does not answer the close handshake in time is cut.
    const sockets = [...this.subscribers].map((s) => s.ws);
    await Promise.race([
      Promise.all(sockets.map((ws) => (ws.readyState === ws.CLOSED ? undefined : new Promise((resolve) => ws.once('close', resolve))))),
      new Promise((resolve) => setTimeout(resolve, 1000).unref()),
    ]);
    for (const ws of sockets) ws.terminate();
    this.subscribers.clear();
    this.json.clients = 0;
    this.msgpack.clients = 0;
    this.resubscribe();
    this.wss.close();
  }

  private accept(ws: WebSocket, filter: EventFilter): void {
    const encoding = ws.protocol === MSGPACK_SUBPROTOCOL ? FrameEncoding.msgpack : FrameEncoding.json;
    const sub = new EventSubscriber(++this.nextId, ws, filter, encoding, this.limits, this.options.nodeName, this.now, () => this.droppedTotal++);
    if (this.isClosed) {
      ws.terminate();
      return;
    }
    this.subscribers.add(sub);
    this.laneOf(sub).clients++;
    ws.on('pong', () => {
      sub.isAlive = true;
    });
    ws.on('error', (err) => this.logger.debug({ err, client: sub.id }, 'event stream client error'));
    ws.on('close', () => {
      sub.close();
      if (!this.subscribers.delete(sub)) return;
      this.laneOf(sub).clients--;
      this.resubscribe();
    });
    this.resubscribe();
    this.logger.debug({ client: sub.id, encoding, clients: this.subscribers.size }, 'event stream client connected');
  }

  /** Brings the bus subscriptions in line with what the clients' filters need. */
  private resubscribe(): void {
    const exact = new Set<string>();
    const prefixes = new Set<string>();
    let isTracking = false;
    for (const sub of this.subscribers) {
      const f = sub.filter;
      for (const t of f.exactTypes) exact.add(t);
      for (const p of f.prefixes) prefixes.add(p);
      if (needsCorrelation(f)) {
        isTracking = true;
        for (const t of typesFor(f)) exact.add(t);
      }
    }
    // Each message must arrive once: drop a prefix inside a shorter one, and an exact type a prefix covers.
    const wanted = new Set<string>();
    for (const p of prefixes) if (![...prefixes].some((q) => q !== p && p.startsWith(q))) wanted.add(`*${p}`);
    for (const t of exact) if (![...prefixes].some((p) => t.startsWith(p))) wanted.add(`=${t}`);

    for (const [key, subscription] of this.subscriptions) {
      if (wanted.has(key)) continue;
      subscription.unsubscribe();
      this.subscriptions.delete(key);
    }
    for (const key of wanted) {
      if (this.subscriptions.has(key)) continue;
      this.subscriptions.set(key, this.subscribe(key));
    }
    if (this.correlator.isTracking && !isTracking) this.correlator.clear();
    this.correlator.isTracking = isTracking;
    this.followRelayed();
  }

  /**
   * Relayed batches. Cluster scope: tells the node's event relay (`cluster.events-interest`) which
   * types the cluster-scope clients want, so peers start (or stop) relaying them. Node scope, in a
   * primary of workers: tells the workers what the node-scope clients want (`node.events-interest`).
   * Follows the batches while either wants something; with neither it holds nothing and says once
   * that it wants nothing.
   */
  private followRelayed(): void {
    const cluster = this.interestOf('cluster');
    const key = interestKey(cluster);
    if (key !== this.clusterInterestKey) {
      this.clusterInterestKey = key;
      this.options.bus.publish(ClusterEventsInterest.make({ types: [...cluster.types].sort(), prefixes: [...cluster.prefixes].sort() }));
    }
    const node = this.options.ownWorkers === undefined ? undefined : this.interestOf('node');
    if (node !== undefined) {
      const nodeKey = interestKey(node);
      if (nodeKey !== this.nodeInterestKey) {
        this.nodeInterestKey = nodeKey;
        this.options.bus.publish(NodeEventsInterest.make({ types: [...node.types].sort(), prefixes: [...node.prefixes].sort() }));
      }
    }
    const isFollowing = isWanting(cluster) || (node !== undefined && isWanting(node));
    if (isFollowing && this.relayedSubscription === undefined) {
      this.relayedSubscription = this.options.bus.on(ClusterEventsRelayed).subscribe((batch) => this.onRelayed(batch));
    } else if (!isFollowing && this.relayedSubscription !== undefined) {
      this.relayedSubscription.unsubscribe();
      this.relayedSubscription = undefined;
    }
    const isTracking = cluster.isTracking || node?.isTracking === true;
    if (!isTracking) this.remoteCorrelators.clear();
    this.isTrackingRemote = isTracking;
  }

  /** The union of what the clients of one scope want, plus the lifecycle types a field filter needs. */
  private interestOf(scope: EventFilter['scope']): Interest {
    const interest: Interest = { types: new Set(), prefixes: new Set(), isTracking: false };
    for (const sub of this.subscribers) {
      const f = sub.filter;
      if (f.scope !== scope) continue;
      for (const t of f.exactTypes) interest.types.add(t);
      for (const p of f.prefixes) interest.prefixes.add(p);
      if (needsCorrelation(f)) {
        interest.isTracking = true;
        for (const t of typesFor(f)) interest.types.add(t);
      }
    }
    return interest;
  }

  /**
   * A peer's batch of events: each goes to the cluster-scope clients whose filter keeps it, tagged
   * with its node (and worker). A batch from one of this node's workers is this node's own: it goes
   * to node-scope clients as well.
   */
  private onRelayed(batch: ClusterEventsRelayed): void {
    if (batch.node === (this.options.nodeId ?? this.options.nodeName)) return;
    try {
      const isOwn = this.options.ownWorkers?.has(batch.node) === true;
      let correlator = this.remoteCorrelators.get(batch.node);
      if (correlator === undefined && this.isTrackingRemote) {
        correlator = new EventCorrelator();
        correlator.isTracking = true;
        this.remoteCorrelators.set(batch.node, correlator);
      }
      for (const event of batch.events) {
        const message = event as unknown as Message;
        correlator?.observe(message);
        const facts = (correlator ?? this.ownFieldsOnly).factsOf(message);
        this.json.nextEvent();
        this.msgpack.nextEvent();
        for (const sub of this.subscribers) {
          if ((sub.filter.scope !== 'cluster' && !isOwn) || !sub.filter.matches(facts)) continue;
          this.laneOf(sub).deliverRelayed(sub, message, batch.node, event.ts, batch.worker);
        }
        correlator?.forget(message);
      }
      if (batch.dropped > 0) {
        const frame = { type: 'cluster.events-dropped', node: batch.node, ts: this.now(), count: batch.dropped };
        for (const sub of this.subscribers) {
          if (sub.filter.scope !== 'cluster' && !isOwn) continue;
          this.laneOf(sub).deliverFrame(sub, frame);
        }
      }
    } catch (err) {
      this.options.bus.reportSubscriberFailure(err, batch.type);
    }
  }

  private subscribe(key: string): Subscription {
    const bus = this.options.bus;
    const name = key.slice(1);
    if (key.startsWith('*')) return bus.onPrefix(name).subscribe(this.onMessageBound);
    const declared = DECLARED_TYPES.get(name);
    if (declared !== undefined) return bus.on(declared).subscribe(this.onMessageBound);
    // A type core does not declare (yet): a prefix tap that keeps only the exact name.
    return bus.onPrefix(name).subscribe((message) => {
      if (message.type === name) this.onMessage(message);
    });
  }

  /**
   * Runs inside the publisher's call: cheap, and never throws back into the proxy. An event is
   * encoded at most once per encoding, whatever the number of clients, and its facts (which may
   * need the correlator) are read only for a client whose filter asks more than the type.
   */
  private onMessage(message: Message): void {
    try {
      this.correlator.observe(message);
      if (this.subscribers.size !== 0) {
        let facts: EventFacts | undefined;
        let ts: number | undefined;
        this.json.nextEvent();
        this.msgpack.nextEvent();
        for (const sub of this.subscribers) {
          const filter = sub.filter;
          if (filter.isTypeOnly ? !filter.wantsType(message.type) : !filter.matches((facts ??= this.correlator.factsOf(message)))) continue;
          ts ??= this.now();
          this.laneOf(sub).deliverOwn(sub, message, ts);
        }
      }
      if (this.correlator.isTracking) this.correlator.forget(message);
    } catch (err) {
      this.options.bus.reportSubscriberFailure(err, message.type);
    }
  }

  private laneOf(sub: EventSubscriber): EncodingLane {
    return sub.encoding === FrameEncoding.json ? this.json : this.msgpack;
  }

  private pingAll(): void {
    for (const sub of this.subscribers) {
      if (!sub.isAlive) {
        sub.ws.terminate();
        continue;
      }
      sub.isAlive = false;
      sub.ws.ping();
    }
  }
}

function isWanting(interest: Interest): boolean {
  return interest.types.size + interest.prefixes.size > 0;
}

function interestKey(interest: Interest): string {
  return JSON.stringify([[...interest.types].sort(), [...interest.prefixes].sort()]);
}

/**
 * True when some events this filter wants may lack a filtered field, so earlier events of the same
 * request or connection must be remembered. `request.completed` alone carries every field itself.
 */
function needsCorrelation(filter: EventFilter): boolean {
  if (filter.fields.size === 0) return false;
  if (filter.prefixes.length !== 0) return true;
  for (const t of filter.exactTypes) if (t !== 'request.completed') return true;
  return false;
}

/** Answers an upgrade request with a JSON error and closes the socket. */
export function rejectUpgrade(socket: Duplex, status: number, error: { code: string; message: string; problems?: FilterProblem[] }, extraHeaders: Record<string, string> = {}): void {
  const { problems, ...rest } = error;
  const body = JSON.stringify({ error: rest, ...(problems === undefined ? {} : { problems }) });
  const reason = STATUS_TEXT[status] ?? 'Error';
  const headers = Object.entries({ ...extraHeaders, 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)), Connection: 'close' })
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('');
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  socket.once('finish', () => socket.destroy());
  socket.end(`HTTP/1.1 ${status} ${reason}\r\n${headers}\r\n${body}`);
}

const STATUS_TEXT: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 503: 'Service Unavailable' };
