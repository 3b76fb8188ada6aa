// connections$: one handle per client connection, whose events$ tells its lifecycle and completes when it closes.
import { Observable, share, Subject, type Subscription } from 'rxjs';
import {
  ConnClosed,
  ConnOpened,
  ProxyErrorResponse,
  RequestCompleted,
  RequestReceived,
  ResponseStarted,
  RouteMatched,
  TargetPicked,
  UpstreamConnected,
  type Bus,
  type MessageOf,
  type MessageType,
} from '@switchyard/core';

/** One step in the life of a client connection, as the bus tells it. */
export type ConnectionEvent =
  | MessageOf<typeof ConnOpened>
  | MessageOf<typeof RequestReceived>
  | MessageOf<typeof RouteMatched>
  | MessageOf<typeof TargetPicked>
  | MessageOf<typeof UpstreamConnected>
  | MessageOf<typeof ResponseStarted>
  | MessageOf<typeof ProxyErrorResponse>
  | MessageOf<typeof RequestCompleted>
  | MessageOf<typeof ConnClosed>;

/** The `type` of a connection event. */
export type ConnectionEventType = ConnectionEvent['type'];

/** The request steps a subscription may ask for (`conn.opened` and `conn.closed` are always heard). */
export type RequestStepType = Exclude<ConnectionEventType, 'conn.opened' | 'conn.closed'>;

const REQUEST_STEPS: Readonly<Record<RequestStepType, MessageType>> = {
  'request.received': RequestReceived,
  'request.routed': RouteMatched,
  'request.target-picked': TargetPicked,
  'request.upstream-connected': UpstreamConnected,
  'request.response-started': ResponseStarted,
  'request.failed': ProxyErrorResponse,
  'request.completed': RequestCompleted,
};

/** Every request step, in the order a request goes through them. */
export const ALL_REQUEST_STEPS: readonly RequestStepType[] = Object.keys(REQUEST_STEPS) as RequestStepType[];

/** One client connection. */
export interface ConnectionHandle {
  /** The node-wide connection id (`connId` of its events). */
  readonly connId: number;
  readonly listener: string;
  readonly clientAddress: string;
  readonly clientPort: number;
  /** Epoch milliseconds when it was accepted. */
  readonly openedAt: number;
  /**
   * Its lifecycle: `conn.opened`, then the request steps of each request it carries, then
   * `conn.closed` (bytes, duration, cause), then completion. Hot: it does not replay, so subscribe
   * when the handle arrives to hear `conn.opened`; a subscriber after the close gets completion only.
   * It also completes, without `conn.closed`, when the last subscriber of `connections$` leaves or
   * the bus closes.
   */
  readonly events$: Observable<ConnectionEvent>;
  /** True once `conn.closed` was seen (or the observation ended). */
  readonly isClosed: boolean;
}

export interface ConnectionsOptions {
  /**
   * The request steps to hear. Default: all of them. The proxy builds an event only while someone
   * listens to its type, so asking for fewer (`['request.completed']`) costs the proxy less.
   * Whatever is asked, `request.received` is heard too: it is what ties a request to its connection.
   */
  steps?: readonly RequestStepType[];
  /**
   * Requests tracked at once (request id → connection); past this the oldest is forgotten and its
   * later steps are dropped. Guards memory against events whose request never completes. Default 65,536.
   */
  maxTrackedRequests?: number;
}

/** A connection being observed: its handle and the subject behind `events$`. */
class TrackedConnection implements ConnectionHandle {
  readonly subject = new Subject<ConnectionEvent>();
  readonly events$: Observable<ConnectionEvent> = this.subject.asObservable();
  readonly connId: number;
  readonly listener: string;
  readonly clientAddress: string;
  readonly clientPort: number;
  readonly openedAt: number;
  /** Ids of its requests that have not completed (HTTP/1.1: one, or a few when pipelined). */
  requestIds: string[] = [];
  isClosed = false;

  constructor(opened: MessageOf<typeof ConnOpened>) {
    this.connId = opened.connId;
    this.listener = opened.listener;
    this.clientAddress = opened.clientAddress;
    this.clientPort = opened.clientPort;
    this.openedAt = opened.at;
  }

  end(): void {
    this.isClosed = true;
    this.subject.complete();
  }
}

/**
 * Routes the bus's `conn.*` and `request.*` events to the connection they belong to. Request steps
 * other than `request.received` carry only a request id, so the request → connection link learnt
 * from `request.received` is kept until the request completes or its connection closes.
 */
class ConnectionTracker {
  private readonly conns = new Map<number, TrackedConnection>();
  private readonly requests = new Map<string, TrackedConnection>();

  constructor(
    private readonly emit: (handle: ConnectionHandle) => void,
    private readonly maxRequests: number,
  ) {}

  opened(message: MessageOf<typeof ConnOpened>): void {
    const conn = new TrackedConnection(message);
    this.conns.set(conn.connId, conn);
    // The handle first, so a subscriber that subscribes to events$ on arrival hears conn.opened.
    this.emit(conn);
    conn.subject.next(message);
  }

  received(message: MessageOf<typeof RequestReceived>): void {
    const conn = this.conns.get(message.connId);
    if (conn === undefined) return;
    if (this.requests.size >= this.maxRequests) this.forgetOldestRequest();
    this.requests.set(message.requestId, conn);
    conn.requestIds.push(message.requestId);
    conn.subject.next(message);
  }

  step(message: ConnectionEvent & { requestId: string }): void {
    const conn = this.requests.get(message.requestId);
    if (conn === undefined) return;
    conn.subject.next(message);
    if (message.type === 'request.completed') this.forgetRequest(conn, message.requestId);
  }

  closed(message: MessageOf<typeof ConnClosed>): void {
    const conn = this.conns.get(message.connId);
    if (conn === undefined) return;
    this.conns.delete(message.connId);
    for (const id of conn.requestIds) this.requests.delete(id);
    conn.requestIds = [];
    conn.subject.next(message);
    conn.end();
  }

  /** The observation ends: every open handle completes. */
  endAll(): void {
    const open = [...this.conns.values()];
    this.conns.clear();
    this.requests.clear();
    for (const conn of open) conn.end();
  }

  private forgetRequest(conn: TrackedConnection, requestId: string): void {
    this.requests.delete(requestId);
    const ids = conn.requestIds;
    // Nearly always the first (requests on a connection complete in order).
    const at = ids.indexOf(requestId);
    if (at >= 0) ids.splice(at, 1);
  }

  private forgetOldestRequest(): void {
    const oldest = this.requests.entries().next();
    if (oldest.done === true) return;
    this.forgetRequest(oldest.value[1], oldest.value[0]);
  }
}

/**
 * `connections$`: an Observable of the node's client connections, one `ConnectionHandle` per
 * connection accepted while it is subscribed; it completes when the bus closes. Lazy and shared: it subscribes to the bus when its
 * first subscriber comes and leaves when its last goes, so with nobody watching the proxy builds no
 * events for it. Connections already open when it is subscribed are not seen.
 *
 * Handles arrive synchronously on the proxy's path: keep subscribers cheap, or hand work off
 * (`observeOn(asyncScheduler)`). A throwing subscriber is reported as `bus.subscriber-failed` and
 * does not stop the others.
 * @example <caption>Requests per route over 10-second windows</caption>
 * import { bufferTime, filter, map, mergeMap } from 'rxjs';
 * observeConnections(node.bus, { steps: ['request.completed'] }).pipe(
 *   mergeMap((c) => c.events$),
 *   filter((e) => e.type === 'request.completed'),
 *   bufferTime(10_000),
 *   map((done) => Map.groupBy(done, (e) => e.route ?? '(none)')),
 * ).subscribe((byRoute) => {
 *   for (const [route, list] of byRoute) console.log(route, list.length);
 * });
 * @example <caption>Alert when a target's error rate passes 5% over 30 s (at least 20 requests)</caption>
 * observeConnections(node.bus, { steps: ['request.completed'] }).pipe(
 *   mergeMap((c) => c.events$),
 *   filter((e): e is MessageOf<typeof RequestCompleted> => e.type === 'request.completed' && e.targetAddress !== undefined),
 *   groupBy((e) => e.targetAddress as string),
 *   mergeMap((byTarget) => byTarget.pipe(
 *     bufferTime(30_000),
 *     map((list) => ({ target: byTarget.key, total: list.length, errors: list.filter((e) => e.status >= 500).length })),
 *   )),
 *   filter((w) => w.total >= 20 && w.errors / w.total > 0.05),
 * ).subscribe((w) => alert(`${w.target}: ${w.errors}/${w.total} failed`));
 * @example <caption>Follow one client: every step of every connection from 10.0.0.7</caption>
 * observeConnections(node.bus).pipe(
 *   filter((c) => c.clientAddress === '10.0.0.7'),
 *   mergeMap((c) => c.events$),
 * ).subscribe((e) => console.log(e.type, e));
 */
export function observeConnections(bus: Bus, options: ConnectionsOptions = {}): Observable<ConnectionHandle> {
  const steps = new Set<RequestStepType>(options.steps ?? ALL_REQUEST_STEPS);
  steps.delete('request.received');
  const maxRequests = options.maxTrackedRequests ?? 65_536;
  return new Observable<ConnectionHandle>((subscriber) => {
    const tracker = new ConnectionTracker((handle) => subscriber.next(handle), maxRequests);
    const subscriptions: Subscription[] = [
      bus.on(ConnOpened).subscribe({
        next: (m) => tracker.opened(m),
        // The bus closed: nothing more will come.
        complete: () => {
          tracker.endAll();
          subscriber.complete();
        },
      }),
      bus.on(RequestReceived).subscribe((m) => tracker.received(m)),
      ...[...steps].map((type) => bus.on(REQUEST_STEPS[type]).subscribe((m) => tracker.step(m as ConnectionEvent & { requestId: string }))),
      bus.on(ConnClosed).subscribe((m) => tracker.closed(m)),
    ];
    return () => {
      for (const subscription of subscriptions) subscription.unsubscribe();
      tracker.endAll();
    };
  }).pipe(share());
}
