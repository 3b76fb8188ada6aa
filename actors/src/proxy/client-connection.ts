// Drives one client connection: parses request heads, routes, forwards to an upstream, relays back.
import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import {
  ConnOpened,
  ProxyErrorResponse,
  RequestCompleted,
  RequestReceived,
  ResponseStarted,
  RequestRetried,
  RouteMatched,
  TargetPicked,
  UpstreamConnected,
  type CloseCause,
  type Termination,
} from '@switchyard/core';
import {
  CHUNK_DATA_END,
  ChunkedDecoder,
  FRAMING_CHUNKED,
  FRAMING_NONE,
  FRAMING_UNTIL_CLOSE,
  LAST_CHUNK,
  encodeChunkHeader,
  errorResponse,
  filterHopByHop,
  framingLength,
  latin1Slice,
  normalizePath,
  parseRequestHead,
  parseResponseHead,
  statusText,
  writeRequestHeadText,
  writeResponseHeadText,
  type HttpErrorCode,
  type BodyFraming,
  type RequestHead,
  type ResponseFraming,
  type ResponseHead,
} from '../http/index.js';
import { MatchCache, clientOriginOf, headerValue, type CompiledRoute, type RequestFacts } from '../router/index.js';
import type { ProxyEndpoint } from '../proxy-protocol/index.js';
import { normalizeIp } from '../listener/connection-guard.js';
import type { Timed } from './deadline-sweeper.js';
import type { ListenerContext } from './listener-context.js';
import { publishConnClosed } from './conn-closed.js';
import { PickView } from './pick-view.js';
import type { ProxySnapshot, TargetRuntime, UpstreamRuntime, UpstreamTimeouts } from './proxy-snapshot.js';
import { SCRIPT_TARGET_TIMEOUTS, runScriptRoute, type ScriptVerdict } from '../scripts/script-route.js';
import { buildUpstreamFields, clientIpFrom, viaHops } from './request-fields.js';
import { buildClientFields } from './response-fields.js';
import { TargetPool, type PoolClient } from './target-pool.js';
import { proxyHeaderFor } from '../l4/proxy-header-out.js';
import type { UpstreamConnection, UpstreamUser } from './upstream-connection.js';
import { readThroughSharedBuffer } from '../net/shared-read-buffer.js';
import { elapsedMs } from './elapsed-ms.js';

// Request side.
const REQ_HEAD = 0; // waiting for (more of) a request head
const REQ_WAIT_UPSTREAM = 1; // head parsed, waiting for a connection
const REQ_BODY = 2; // streaming the body upstream
const REQ_SENT = 3; // request fully forwarded
const REQ_LOCAL = 4; // answering locally
const REQ_CLOSED = 5;
const REQ_BUFFERING = 6; // collecting a small chunked body before any upstream connection
const REQ_TUNNEL = 7; // upgraded: bytes flow both ways untouched

// Response side.
const RESP_NONE = 0;
const RESP_HEAD = 1;
const RESP_BODY_LENGTH = 2;
const RESP_BODY_CHUNKED = 3;
const RESP_BODY_UNTIL_CLOSE = 4;
const RESP_DONE = 5;
const RESP_TUNNEL = 6;

// What the one deadline of the connection means right now.
const D_HEAD = 1;
const D_KEEP_ALIVE = 2;
const D_RESPONSE_HEAD = 3;
const D_IDLE = 4;
const D_ROUTE = 5;
const D_BODY = 6;
const D_TUNNEL_IDLE = 7;
const D_QUEUE = 8;

/** Upgrade tokens tunnelled after a 101 (RFC 9110 §7.8); h2c and others stay plain HTTP. */
function isKnownUpgrade(value: string): boolean {
  return value.length === 9 && value.toLowerCase() === 'websocket';
}

/**
 * A chunked request body up to this size is read and validated whole before the proxy connects
 * upstream, then sent with a Content-Length: a malformed small body never reaches an origin at
 * all. A larger one is streamed (re-chunked); if it turns out malformed later, the upstream
 * connection is cut mid-body, so the origin never sees a complete request.
 */
const REQUEST_BUFFER_BYTES = 64 * 1024;

/** Unprocessed pipelined bytes beyond this pause reading until the current exchange is done. */
const MAX_PENDING_BYTES = 256 * 1024;

const EMPTY = Buffer.alloc(0);

/** Feeds decoded request-body chunks to the upstream, re-framed (ARCHITECTURE §8 rule 1). */
class RequestBodySink {
  constructor(private readonly conn: ClientConnection) {}
  onData(chunk: Buffer): void {
    this.conn.forwardRequestChunk(chunk);
  }
  onEnd(): void {
    this.conn.endChunkedRequest();
  }
  onError(code: HttpErrorCode, reason: string): void {
    this.conn.failRequestBody(code, reason);
  }
}

/** Feeds decoded response-body chunks to the client, re-framed for its protocol version. */
class ResponseBodySink {
  constructor(private readonly conn: ClientConnection) {}
  onData(chunk: Buffer): void {
    this.conn.relayResponseChunk(chunk);
  }
  onEnd(): void {
    this.conn.endChunkedResponse();
  }
  onError(_code: HttpErrorCode, reason: string): void {
    this.conn.failUpstream('upstream-bad-response', `bad chunked framing from upstream: ${reason}`);
  }
}

/**
 * One object per client connection carries every request on it in turn, so a request allocates
 * only what it must (its head model, the rewritten field lists, the heads written afresh): no
 * closures, no per-request handler objects. Requests on one connection are handled strictly one
 * after another, which is what keeps pipelined responses in order.
 */
export class ClientConnection implements Timed, PoolClient, UpstreamUser {
  deadline = 0;
  private deadlineKind = 0;
  private routeDeadline = 0;
  private readonly connId: number;
  private readonly peerIp: string;
  private readonly peerPort: number;
  private readonly openedAt: number;
  private isPeerTrusted = false;
  private trustVersion = -1;
  private reqState = REQ_HEAD;
  private respState = RESP_NONE;
  private pending: Buffer | null = null;
  private pendingStart = 0;
  private isPausedForPending = false;
  private requestCount = 0;
  private connBytesIn = 0;
  private connBytesOut = 0;
  private closeCause: CloseCause = 'client-closed';
  private readonly matchCache = new MatchCache();
  private readonly pickView = new PickView(this.matchCache);
  /** Upstream pools of this connection alone (upstreams that get a PROXY header). */
  private ownPools: Map<TargetRuntime, TargetPool> | undefined;
  private reqDecoder: ChunkedDecoder | undefined;
  private respDecoder: ChunkedDecoder | undefined;

  // ---- the current exchange ----
  private snap!: ProxySnapshot;
  private head: RequestHead | undefined;
  private route: CompiledRoute | undefined;
  private path = '';
  private requestId = '';
  private clientIp = '';
  private upstreamName: string | undefined;
  private targetAddress: string | undefined;
  private upstreamOrigins: readonly string[] = [];
  private timeouts: UpstreamTimeouts | undefined;
  private pool: TargetPool | undefined;
  /** The upstream request head as latin1 text (see `writeRequestHeadText`). */
  private upstreamHead: string | null = null;
  private upstreamFields: string[] = [];
  private upstreamTarget = '';
  private bufferedChunks: Buffer[] = [];
  private bufferedBytes = 0;
  private isBodyComplete = false;
  private isChunkedUpstream = false;
  private upgrade: string | null = null;
  /** A response head (latin1 text) held back to leave with its small body in one write. */
  private headOut: string | null = null;
  /** The client socket is corked until the current upstream read has been relayed. */
  private isClientCorked = false;
  private upstreamRt: UpstreamRuntime | undefined;
  private target: TargetRuntime | undefined;
  /** Targets this request failed on, so a retry goes elsewhere. */
  private tried: TargetRuntime[] = [];
  private retryCount = 0;
  private upstreamFraming: BodyFraming = FRAMING_NONE;
  private stickyCookie: string | undefined;
  private hasTunnelTraffic = false;
  private upstream: UpstreamConnection | undefined;
  private isReused = false;
  private hasRetried = false;
  private reqChunked = false;
  private reqRemaining = 0;
  private reqBodyBytes = 0;
  private maxBodyBytes = 0;
  private hasBodyStarted = false;
  private respBuf: Buffer | null = null;
  private respHead: ResponseHead | undefined;
  private respRemaining = 0;
  private isClientChunked = false;
  private isClientKeepAlive = true;
  private isUpstreamReusable = false;
  private status = 0;
  private termination: Termination = 'ok';
  private exchangeBytesIn = 0;
  private exchangeBytesOut = 0;
  private tStart = 0;
  /** Whether the client sent the request id field itself (then it is passed on, not added). */
  private hasClientRequestId = false;
  private tConnectStart = 0;
  private connectMs = -1;
  private tSent = 0;
  private headerMs = -1;

  /** Index in the sweeper's SlotSet (-1 outside); the sweeper writes it. */
  sweepSlot = -1;
  /** Index in the listener's `connections` (-1 outside); the SlotSet writes it. */
  liveSlot = -1;
  private readonly onDataBound = (chunk: Buffer): void => this.onClientData(chunk);
  private readonly onEndBound = (): void => this.onClientEnd();
  private readonly onCloseBound = (): void => this.onClientClose();
  private readonly onErrorBound = (): void => this.onClientError();
  private readonly onDrainBound = (): void => this.onClientDrain();

  /** `client`: the client a trusted PROXY header named; it stands for the TCP peer everywhere. */
  constructor(
    private readonly socket: Socket,
    private readonly ctx: ListenerContext,
    client?: ProxyEndpoint,
  ) {
    this.connId = ctx.nextConnId();
    this.peerIp = normalizeIp(client?.address ?? socket.remoteAddress ?? '');
    this.peerPort = client?.port ?? socket.remotePort ?? 0;
    this.openedAt = ctx.sweeper.time();
    socket.setNoDelay(true);
    // Plain TCP clients read through the process's shared buffer (TLS ones keep 'data' events only).
    readThroughSharedBuffer(socket, this.onDataBound);
    socket.on('data', this.onDataBound);
    socket.on('end', this.onEndBound);
    socket.on('close', this.onCloseBound);
    socket.on('error', this.onErrorBound);
    socket.on('drain', this.onDrainBound);
    ctx.counters.connectionsOpened++;
    ctx.counters.connectionsOpen++;
    ctx.connections.add(this);
    this.armClientDeadline(D_HEAD, ctx.snapshot.current.server.headTimeoutMs);
    ctx.sweeper.add(this);
    if (ctx.bus.hasSubscribers(ConnOpened)) {
      ctx.bus.publish({ type: ConnOpened.type, connId: this.connId, listener: ctx.name, clientAddress: this.peerIp, clientPort: this.peerPort, at: Date.now() } satisfies ConnOpened);
    }
  }

  /** Closes the connection if no request is in flight (graceful shutdown); true when it did. */
  closeIfIdle(): boolean {
    if (this.reqState !== REQ_HEAD || this.pending !== null) return false;
    this.closeCause = 'server-shutdown';
    // Bytes that arrive after our FIN can never be answered: never parse or forward them.
    this.reqState = REQ_CLOSED;
    this.socket.end();
    return true;
  }

  /** Cuts the connection at once (shutdown past its grace period). */
  destroy(): void {
    this.closeCause = 'server-shutdown';
    this.socket.destroy();
  }

  // =============================================================================================
  // Client side: reading heads and bodies
  // =============================================================================================

  private onClientData(chunk: Buffer): void {
    const length = chunk.length;
    this.connBytesIn += length;
    this.ctx.counters.bytesIn += length;
    if (this.reqState === REQ_TUNNEL) {
      this.exchangeBytesIn += length;
      this.hasTunnelTraffic = true;
      if (!(this.upstream as UpstreamConnection).socket.write(chunk)) this.socket.pause();
      return;
    }
    if ((this.reqState === REQ_BODY || this.reqState === REQ_BUFFERING) && this.pending === null) {
      this.exchangeBytesIn += length;
      this.forwardBody(chunk, 0);
      return;
    }
    this.appendPending(chunk);
    if (this.reqState === REQ_HEAD) this.processPending();
    else if (this.reqState === REQ_BODY || this.reqState === REQ_BUFFERING) this.drainPendingBody();
    else if (this.pendingBytes() > MAX_PENDING_BYTES && !this.isPausedForPending) {
      this.isPausedForPending = true;
      this.socket.pause();
    }
  }

  private appendPending(chunk: Buffer): void {
    if (this.pending === null) {
      this.pending = chunk;
      this.pendingStart = 0;
    } else {
      this.pending = Buffer.concat([this.pending.subarray(this.pendingStart), chunk]);
      this.pendingStart = 0;
    }
  }

  private pendingBytes(): number {
    return this.pending === null ? 0 : this.pending.length - this.pendingStart;
  }

  private takePending(): void {
    this.pending = null;
    this.pendingStart = 0;
  }

  /** Parses as many request heads as the buffered bytes hold, one exchange at a time. */
  private processPending(): void {
    while (this.reqState === REQ_HEAD && this.pending !== null) {
      const buf = this.pending;
      const start = this.pendingStart;
      if (this.deadlineKind === D_KEEP_ALIVE) this.armClientDeadline(D_HEAD, this.ctx.snapshot.current.server.headTimeoutMs);
      const result = parseRequestHead(buf, start, buf.length, this.ctx.snapshot.current.server.headLimits);
      if (result.kind === 'incomplete') return;
      if (result.kind === 'error') {
        this.beginExchangeFor(undefined);
        this.requestId = this.ctx.nextRequestId();
        this.exchangeBytesIn = buf.length - start;
        this.takePending();
        this.respondError(result.status, 'bad-request', result.reason, true);
        return;
      }
      const bodyStart = start + result.consumed;
      if (bodyStart >= buf.length) this.takePending();
      else this.pendingStart = bodyStart;
      this.exchangeBytesIn = result.consumed;
      this.beginRequest(result.head);
    }
  }

  private beginExchangeFor(head: RequestHead | undefined): void {
    this.snap = this.ctx.snapshot.current;
    this.head = head;
    this.route = undefined;
    this.path = '';
    this.upstreamName = undefined;
    this.targetAddress = undefined;
    this.upstreamOrigins = EMPTY_ORIGINS;
    this.timeouts = undefined;
    this.pool = undefined;
    this.upstreamHead = null;
    this.upstreamFields = EMPTY_FIELDS;
    this.upstreamTarget = '';
    if (this.bufferedChunks.length !== 0) this.bufferedChunks = [];
    this.bufferedBytes = 0;
    this.isBodyComplete = false;
    this.isChunkedUpstream = false;
    this.upgrade = null;
    this.upstreamRt = undefined;
    this.target = undefined;
    if (this.tried.length !== 0) this.tried = [];
    this.retryCount = 0;
    this.stickyCookie = undefined;
    this.upstream = undefined;
    this.isReused = false;
    this.hasRetried = false;
    this.reqChunked = false;
    this.reqRemaining = 0;
    this.reqBodyBytes = 0;
    this.hasBodyStarted = false;
    this.respBuf = null;
    this.respHead = undefined;
    this.respState = RESP_NONE;
    this.isClientChunked = false;
    this.isClientKeepAlive = head !== undefined && head.keepAlive && !this.ctx.isShuttingDown;
    this.isUpstreamReusable = false;
    this.status = 0;
    this.termination = 'ok';
    this.exchangeBytesIn = 0;
    this.exchangeBytesOut = 0;
    this.tStart = this.ctx.sweeper.time();
    this.connectMs = -1;
    this.headerMs = -1;
    this.routeDeadline = 0;
    this.requestId = '';
    this.requestCount++;
    this.ctx.counters.requests++;
    this.disarmDeadline();
  }

  private beginRequest(head: RequestHead): void {
    this.beginExchangeFor(head);
    const ctx = this.ctx;
    const snap = this.snap;
    const server = snap.server;
    const existingId = headerValue(head.headers, server.requestIdHeader);
    this.hasClientRequestId = existingId !== undefined;
    this.requestId = existingId !== undefined && existingId.length > 0 && existingId.length <= 200 ? existingId : ctx.nextRequestId();
    if (this.trustVersion !== snap.version) {
      this.trustVersion = snap.version;
      this.isPeerTrusted = server.isTrusted(this.peerIp);
    }
    this.clientIp = this.isPeerTrusted ? clientIpFrom(head.headers, this.peerIp, server.isTrusted) : this.peerIp;
    if (ctx.bus.hasSubscribers(RequestReceived)) {
      ctx.bus.publish({ type: RequestReceived.type, connId: this.connId, requestId: this.requestId, method: head.method, target: head.target, host: head.host } satisfies RequestReceived);
    }

    if (head.targetForm === 'authority') return this.respondError(501, 'bad-request', 'CONNECT is not served by a reverse proxy', true);
    if (server.maxHops > 0 && viaHops(head.headers) >= server.maxHops) {
      return this.respondError(508, 'loop-detected', `request has passed this proxy ${server.maxHops} times`, true);
    }

    // Route on the normalized path; an ambiguous one is refused unless the route it reaches opts in.
    const normalized = head.targetForm === 'asterisk' ? null : normalizePath(head.path);
    let route: CompiledRoute | undefined;
    if (normalized === null || normalized.ok) {
      this.path = normalized === null ? '*' : normalized.path;
      route = snap.routes.match(this.factsFor(head, this.path), this.matchCache);
    } else {
      this.path = head.path;
      route = snap.routes.match(this.factsFor(head, this.path), this.matchCache);
      if (route === undefined || !route.allowAmbiguousPath) return this.respondError(400, 'bad-request', normalized.reason, true);
    }
    if (route === undefined) return this.respondLocalStatus(404, 'no-route', 'no route matches');
    this.route = route;
    if (ctx.bus.hasSubscribers(RouteMatched)) ctx.bus.publish({ type: RouteMatched.type, requestId: this.requestId, route: route.name, action: route.kind } satisfies RouteMatched);
    if (route.timeoutMs !== undefined) this.routeDeadline = this.tStart + route.timeoutMs;

    switch (route.kind) {
      case 'respond':
        return this.respondStatic(route.respond.status, route.respond.headers, route.respond.body);
      case 'redirect':
        return this.respondStatic(route.redirect.status, ['location', route.redirect.render(this.factsFor(head, this.path))], EMPTY);
      case 'script':
        return this.applyScriptDecision(head, route, undefined);
      case 'forward':
        return this.forwardTo(head, route, route.forward.pick());
      case 'forwardDynamic':
        return this.forwardDynamic(head, route);
    }
  }

  private factsFor(head: RequestHead, path: string): RequestFacts {
    return {
      listener: this.ctx.name,
      method: head.method,
      host: head.hostname,
      port: head.port ?? undefined,
      path,
      rawQuery: head.query ?? '',
      headers: head.headers,
      sourceIp: this.clientIp,
      scheme: this.ctx.scheme,
    };
  }

  private forwardTo(head: RequestHead, route: CompiledRoute, upstreamName: string): void {
    const upstream = this.snap.upstreams.get(upstreamName);
    this.upstreamName = upstreamName;
    if (upstream === undefined) return this.respondError(503, 'no-target', `no upstream "${upstreamName}"`, false);
    this.pickView.use(head, this.clientIp, this.path);
    // Every candidate at its maxConnections: queue at the least busy one (queueTimeout applies).
    const target = upstream.picker.pick(this.pickView) ?? leastBusy(upstream);
    if (target === undefined) return this.respondError(503, 'no-target', `no available target in upstream "${upstreamName}"`, false);
    upstream.retryBudget.recordRequest(this.ctx.clock.now());
    this.upstreamRt = upstream;
    this.upstreamOrigins = upstream.origins;
    this.timeouts = upstream.timeouts;
    this.stickyCookie = upstream.picker.stickyCookie?.(this.pickView, target);
    this.useTarget(target);
    this.startForwarding(head, route, this.poolFor(target, upstream), route.preserveHost ? head.host : target.hostHeader);
  }

  /** Counts the request against `target` until it completes (least-connections reads it). */
  private useTarget(target: TargetRuntime): void {
    this.target = target;
    this.targetAddress = target.address;
    target.inflight++;
    if (this.ctx.bus.hasSubscribers(TargetPicked)) {
      this.ctx.bus.publish({ type: TargetPicked.type, requestId: this.requestId, upstream: target.upstream, target: target.address } satisfies TargetPicked);
    }
  }

  /**
   * The target's shared keep-alive pool, or, when the upstream wants a PROXY header, a pool of this
   * client connection's own: the header names one client, so those upstream connections are never
   * shared with another (documented in the README).
   */
  private poolFor(target: TargetRuntime, upstream: UpstreamRuntime): TargetPool {
    const version = upstream.proxyProtocol;
    if (version === undefined) return target.pool;
    let pools = this.ownPools;
    if (pools === undefined) {
      pools = new Map();
      this.ownPools = pools;
    }
    let pool = pools.get(target);
    if (pool === undefined) {
      const header = proxyHeaderFor(
        version,
        { address: this.peerIp, port: this.peerPort },
        { address: normalizeIp(this.socket.localAddress ?? ''), port: this.socket.localPort ?? 0 },
      );
      const limits = { maxIdle: 1, idleTimeoutMs: upstream.pool.idleTimeoutMs, maxConnections: Infinity, connectTimeoutMs: upstream.timeouts.connectMs };
      pool = new TargetPool(`${target.pool.key}|conn-${this.connId}`, target.pool.endpoint, limits, this.ctx.sweeper, header);
      pools.set(target, pool);
    }
    return pool;
  }

  private releaseTarget(): void {
    const target = this.target;
    if (target === undefined) return;
    this.target = undefined;
    target.inflight--;
  }

  /**
   * Tries the request again on another target (ARCHITECTURE §8 rule 7): only while nothing of
   * the body has been sent (or the method is idempotent and the failure says nothing was
   * processed), within the upstream's `retries` and its retry budget. True when a retry started.
   */
  private retryElsewhere(reason: string, needsIdempotent: boolean): boolean {
    const upstream = this.upstreamRt;
    const failed = this.target;
    if (upstream === undefined || failed === undefined || this.retryCount >= upstream.retries) return false;
    if (this.hasBodyStarted || this.reqBodyBytes !== 0 || this.bufferedBytes !== 0) return false;
    if (needsIdempotent && !isIdempotent((this.head as RequestHead).method)) return false;
    this.tried.push(failed);
    const next = upstream.picker.pickExcluding(this.pickView, this.tried);
    if (next === undefined || !upstream.retryBudget.tryRetry(this.ctx.clock.now())) return false;
    this.retryCount++;
    if (this.ctx.bus.hasSubscribers(RequestRetried)) {
      this.ctx.bus.publish(RequestRetried.make({ requestId: this.requestId, upstream: upstream.name, target: failed.address, reason, attempt: this.retryCount }));
    }
    this.discardUpstream();
    this.releaseTarget();
    this.respState = RESP_NONE;
    this.respBuf = null;
    this.hasRetried = false;
    this.useTarget(next);
    if (!(this.route as CompiledRoute).preserveHost) this.upstreamFields[1] = next.hostHeader;
    this.pool = this.poolFor(next, upstream);
    this.connectUpstream(this.upstreamFraming);
    return true;
  }

  private forwardDynamic(head: RequestHead, route: CompiledRoute & { kind: 'forwardDynamic' }): void {
    const dynamic = route.forwardDynamic;
    const resolved = dynamic.resolve(head.hostname);
    if (!resolved.ok) return this.respondError(403, 'no-target', `dynamic upstream refused: ${resolved.reason}`, false);
    const timeouts: UpstreamTimeouts = dynamicTimeouts(dynamic.timeouts);
    const pool = this.snap.dynamic.poolFor(resolved.key, resolved.host, resolved.port, resolved.scheme, dynamic.tls?.verify ?? true, dynamic.tls?.ca, timeouts);
    this.upstreamName = resolved.key;
    this.targetAddress = `${resolved.host}:${resolved.port}`;
    this.upstreamOrigins = [resolved.key];
    this.timeouts = timeouts;
    const isDefaultPort = resolved.port === (resolved.scheme === 'https' ? 443 : 80);
    this.startForwarding(head, route, pool, isDefaultPort ? resolved.host : `${resolved.host}:${resolved.port}`);
  }

  /**
   * A script route: runs its router and carries out the decision through the paths configured
   * actions use (`decided` is the verdict when it is already known). An inline router answers at
   * once. A worker answers later: the exchange waits in REQ_WAIT_UPSTREAM with the client socket
   * paused, so a client close or the route deadline still end it, and an answer for an exchange
   * that has ended meanwhile is dropped.
   */
  private applyScriptDecision(head: RequestHead, route: CompiledRoute, decided: ScriptVerdict | undefined): void {
    let verdict = decided;
    if (verdict === undefined) {
      const result = runScriptRoute(this.snap.scripts, this.snap.routes, route, this.factsFor(head, this.path), this.peerIp, this.socket, this.requestId);
      if (result instanceof Promise) {
        const exchange = this.requestCount;
        this.reqState = REQ_WAIT_UPSTREAM;
        this.socket.pause();
        void result.then((late) => {
          if (this.requestCount !== exchange || this.reqState !== REQ_WAIT_UPSTREAM || this.pool !== undefined) return;
          this.reqState = REQ_HEAD;
          this.resumeClient();
          this.applyScriptDecision(head, route, late);
        });
        return;
      }
      verdict = result;
    }
    let h = head;
    const rewrite = verdict.rewrite;
    if (rewrite !== undefined) {
      if (rewrite.path !== undefined) this.path = rewrite.path;
      if (rewrite.headers !== undefined) this.head = h = { ...head, headers: rewrite.headers };
    }
    switch (verdict.kind) {
      case 'upstream':
        return this.forwardTo(h, route, verdict.upstream);
      case 'target': {
        const pool = this.snap.dynamic.poolFor(verdict.key, verdict.host, verdict.port, verdict.scheme, true, undefined, SCRIPT_TARGET_TIMEOUTS);
        this.upstreamName = verdict.key;
        this.targetAddress = verdict.address;
        this.upstreamOrigins = [verdict.key];
        this.timeouts = SCRIPT_TARGET_TIMEOUTS;
        return this.startForwarding(h, route, pool, route.preserveHost ? h.host : verdict.hostHeader);
      }
      case 'respond':
        return this.respondStatic(verdict.response.status, verdict.response.headers, verdict.response.body);
      case 'redirect':
        return this.respondStatic(verdict.status, ['location', verdict.location], EMPTY);
      case 'fail':
        return this.respondError(verdict.status, 'no-target', verdict.reason, false);
      case 'route': {
        const next = verdict.route;
        if (next === undefined) return this.respondLocalStatus(404, 'no-route', `no route matches after script route "${route.name}"`);
        this.route = next;
        if (this.ctx.bus.hasSubscribers(RouteMatched)) this.ctx.bus.publish({ type: RouteMatched.type, requestId: this.requestId, route: next.name, action: next.kind } satisfies RouteMatched);
        switch (next.kind) {
          case 'respond':
            return this.respondStatic(next.respond.status, next.respond.headers, next.respond.body);
          case 'redirect':
            return this.respondStatic(next.redirect.status, ['location', next.redirect.render(this.factsFor(h, this.path))], EMPTY);
          case 'script':
            return this.applyScriptDecision(h, next, undefined);
          case 'forward':
            return this.forwardTo(h, next, next.forward.pick());
          case 'forwardDynamic':
            return this.forwardDynamic(h, next);
        }
      }
    }
  }

  /** Checks the body limit, writes the upstream head afresh, and asks the pool for a connection. */
  private startForwarding(head: RequestHead, route: CompiledRoute, pool: TargetPool, hostHeader: string): void {
    const server = this.snap.server;
    this.maxBodyBytes = route.maxBodySize ?? server.maxBodyBytes;
    const framing = head.framing;
    if (framing.kind === 'length') {
      if (framing.length > this.maxBodyBytes) return this.respondError(413, 'body-too-large', `body of ${framing.length} bytes over ${this.maxBodyBytes}`, true);
      this.reqRemaining = framing.length;
    } else if (framing.kind === 'chunked') {
      this.reqChunked = true;
      // Reset here, not in onEnd: a reset from inside the decoder's own callback made it read on past the message.
      this.reqDecoder?.reset();
    }
    const fields = buildUpstreamFields(head, server, {
      hostHeader,
      peerIp: this.peerIp,
      isPeerTrusted: this.isPeerTrusted,
      clientIp: this.clientIp,
      scheme: this.ctx.scheme,
      requestId: this.requestId,
      hasRequestId: this.hasClientRequestId,
    });
    // RFC 9110 §7.8 and ARCHITECTURE §8 rule 6: only a GET with Connection: upgrade and a known
    // token asks the upstream to switch; anything else stays HTTP (Upgrade is hop-by-hop and gone).
    if (head.upgrade !== null && head.method === 'GET' && head.connectionTokens.includes('upgrade') && isKnownUpgrade(head.upgrade)) {
      this.upgrade = head.upgrade;
      fields.push('Connection', 'Upgrade', 'Upgrade', head.upgrade);
    }
    const path = route.rewritePath(this.path);
    this.upstreamTarget = head.query === null ? path : `${path}?${head.query}`;
    this.upstreamFields = fields;
    this.pool = pool;
    if (framing.kind === 'chunked') {
      // Read (and validate) a small chunked body before connecting anywhere.
      this.reqState = REQ_BUFFERING;
      this.armClientDeadline(D_BODY, server.headTimeoutMs);
      this.drainPendingBody();
      return;
    }
    this.connectUpstream(framing.kind === 'length' ? framingLength(framing.length) : framing);
  }

  /** Writes the upstream head afresh with the framing decided, then asks the pool for a connection. */
  private connectUpstream(framing: BodyFraming): void {
    const head = this.head as RequestHead;
    // Upstream always speaks HTTP/1.1.
    const upstreamHead = writeRequestHeadText(head.method, this.upstreamTarget, 1, this.upstreamFields, framing);
    if (upstreamHead === null) return this.respondError(400, 'bad-request', 'request cannot be written upstream', true);
    this.upstreamHead = upstreamHead;
    this.upstreamFraming = framing;
    this.isChunkedUpstream = framing.kind === 'chunked';
    this.reqState = REQ_WAIT_UPSTREAM;
    if (this.deadlineKind === D_BODY) this.disarmDeadline();
    this.tConnectStart = this.ctx.sweeper.time();
    const isQueued = (this.pool as TargetPool).acquire(this);
    // An idle pooled connection is handed over synchronously and the request is already on its way;
    // only a request left waiting (connecting or queued) stops reading the client. Pausing and
    // resuming in the same turn would cost a 'pause' emit and a nextTick'ed resume per request.
    if (this.reqState === REQ_WAIT_UPSTREAM) this.socket.pause();
    if (isQueued) this.armExchangeDeadline(D_QUEUE, this.upstreamRt?.queueTimeoutMs ?? 1000);
  }

  // =============================================================================================
  // Upstream connection acquired: send the head and the body
  // =============================================================================================

  onUpstreamReady(connection: UpstreamConnection, isReused: boolean): void {
    if (this.reqState !== REQ_WAIT_UPSTREAM) {
      // The client went away while we waited: hand the connection straight back.
      this.pool?.release(connection, true);
      return;
    }
    connection.user = this;
    this.upstream = connection;
    this.isReused = isReused;
    if (this.deadlineKind === D_QUEUE) this.disarmDeadline();
    this.connectMs = isReused ? 0 : elapsedMs(this.tConnectStart, this.ctx.sweeper.time());
    if (this.ctx.bus.hasSubscribers(UpstreamConnected)) {
      this.ctx.bus.publish({ type: UpstreamConnected.type, requestId: this.requestId, target: this.targetAddress ?? '', isReused, connectMs: this.connectMs } satisfies UpstreamConnected);
    }
    this.respState = RESP_HEAD;
    const socket = connection.socket;
    const framing = (this.head as RequestHead).framing;
    const hasNoBody = !this.reqChunked && (framing.kind === 'none' || (framing.kind === 'length' && framing.length === 0));
    // Head and body leave in one writev; a body-less request is one write and needs no cork.
    if (!hasNoBody) socket.cork();
    socket.write(this.upstreamHead as string, 'latin1');
    if (this.reqChunked) {
      this.writeBufferedBody(socket);
    } else if (hasNoBody) {
      this.requestSent();
    } else {
      this.reqState = REQ_BODY;
      this.drainPendingBody();
    }
    if (!hasNoBody) socket.uncork();
    if (this.reqState === REQ_BODY || this.reqState === REQ_SENT) this.resumeClient();
  }

  /** Sends what was read of a chunked body before the connection existed, as the head announced it. */
  private writeBufferedBody(socket: Socket): void {
    const chunks = this.bufferedChunks;
    this.bufferedChunks = [];
    for (const chunk of chunks) {
      if (this.isChunkedUpstream) socket.write(encodeChunkHeader(chunk.length));
      socket.write(chunk);
      if (this.isChunkedUpstream) socket.write(CHUNK_DATA_END);
    }
    if (!this.isBodyComplete) {
      this.reqState = REQ_BODY;
      this.drainPendingBody();
      return;
    }
    if (this.isChunkedUpstream) socket.write(LAST_CHUNK);
    this.requestSent();
  }

  onUpstreamFailed(error: Error): void {
    if (this.reqState !== REQ_WAIT_UPSTREAM) return;
    const code = (error as NodeJS.ErrnoException).code;
    const target = this.target;
    if (target !== undefined) this.upstreamRt?.outlier?.recordConnectFailure(target.index, code ?? 'error');
    // Nothing was sent: any method may go to another target.
    if (this.retryElsewhere(`connect ${code ?? 'failed'}`, false)) return;
    if (code === 'ETIMEDOUT') return this.respondError(504, 'upstream-timeout', `connect to ${this.targetAddress ?? '?'} timed out`, false);
    this.respondError(502, 'upstream-refused', `connect to ${this.targetAddress ?? '?'} failed: ${code ?? error.message}`, false);
  }

  private drainPendingBody(): void {
    if (this.pending === null) return;
    const buf = this.pending;
    const start = this.pendingStart;
    this.takePending();
    this.forwardBody(buf, start);
  }

  /** Forwards body bytes from `buf` at `start`; bytes past the body end are the next request. */
  private forwardBody(buf: Buffer, start: number): void {
    const upstream = this.upstream;
    this.hasBodyStarted = true;
    if (this.reqChunked) {
      if (this.reqDecoder === undefined) this.reqDecoder = new ChunkedDecoder(new RequestBodySink(this));
      const decoder = this.reqDecoder;
      upstream?.socket.cork();
      const used = decoder.feed(buf, start, buf.length);
      upstream?.socket.uncork();
      if (this.isBodyComplete && start + used < buf.length) this.keepLeftover(buf, start + used);
      return;
    }
    const available = buf.length - start;
    const n = available < this.reqRemaining ? available : this.reqRemaining;
    this.reqRemaining -= n;
    this.reqBodyBytes += n;
    if (n > 0 && !(upstream as UpstreamConnection).socket.write(start === 0 && n === buf.length ? buf : buf.subarray(start, start + n))) this.socket.pause();
    if (this.reqRemaining === 0) {
      this.requestSent();
      if (start + n < buf.length) this.keepLeftover(buf, start + n);
    }
  }

  private keepLeftover(buf: Buffer, from: number): void {
    this.exchangeBytesIn -= buf.length - from;
    this.pending = buf;
    this.pendingStart = from;
  }

  /** @internal chunked request data, decoded; re-framed as one chunk. */
  forwardRequestChunk(chunk: Buffer): void {
    const state = this.reqState;
    // The exchange already failed (413) earlier in this same feed: drop the rest of the body.
    if (state !== REQ_BODY && state !== REQ_BUFFERING && state !== REQ_WAIT_UPSTREAM) return;
    this.reqBodyBytes += chunk.length;
    if (this.reqBodyBytes > this.maxBodyBytes) {
      this.failRequestBody('ERR_HTTP_BODY_TOO_LARGE' as HttpErrorCode, `chunked body over ${this.maxBodyBytes} bytes`);
      return;
    }
    if (state !== REQ_BODY) {
      // Views into socket chunks Node never reuses: holding them copies nothing.
      this.bufferedChunks.push(chunk);
      this.bufferedBytes += chunk.length;
      if (state === REQ_BUFFERING && this.bufferedBytes > REQUEST_BUFFER_BYTES) this.connectUpstream(FRAMING_CHUNKED);
      return;
    }
    const socket = (this.upstream as UpstreamConnection).socket;
    socket.write(encodeChunkHeader(chunk.length));
    socket.write(chunk);
    if (!socket.write(CHUNK_DATA_END)) this.socket.pause();
  }

  /** @internal the chunked request ended; trailers are dropped with the chunked coding (RFC 9110 §6.5.1). */
  endChunkedRequest(): void {
    const state = this.reqState;
    if (state === REQ_BUFFERING) {
      // The whole body is here and valid: send it with a length.
      this.isBodyComplete = true;
      this.connectUpstream(framingLength(this.bufferedBytes));
      return;
    }
    if (state === REQ_WAIT_UPSTREAM) {
      this.isBodyComplete = true;
      return;
    }
    if (state !== REQ_BODY) return;
    this.isBodyComplete = true;
    (this.upstream as UpstreamConnection).socket.write(LAST_CHUNK);
    this.requestSent();
  }

  /** @internal broken chunked framing from the client, or a body over its limit. */
  failRequestBody(code: HttpErrorCode, reason: string): void {
    const isTooLarge = code === ('ERR_HTTP_BODY_TOO_LARGE' as HttpErrorCode);
    this.discardUpstream();
    this.respondError(isTooLarge ? 413 : 400, isTooLarge ? 'body-too-large' : 'bad-request', reason, true);
  }

  private requestSent(): void {
    this.reqState = REQ_SENT;
    this.tSent = this.ctx.sweeper.time();
    if (this.respState === RESP_HEAD) this.armExchangeDeadline(D_RESPONSE_HEAD, (this.timeouts as UpstreamTimeouts).responseHeadMs);
    else if (this.respState === RESP_DONE) this.finishExchange();
  }

  // =============================================================================================
  // Upstream side: the response
  // =============================================================================================

  onUpstreamData(chunk: Buffer): void {
    switch (this.respState) {
      case RESP_HEAD:
        this.readResponseHead(chunk);
        if (this.isClientCorked) {
          this.isClientCorked = false;
          this.socket.uncork();
        }
        return;
      case RESP_BODY_LENGTH:
        this.relayLength(chunk, 0);
        return;
      case RESP_BODY_CHUNKED:
        this.feedResponseDecoder(chunk, 0);
        return;
      case RESP_BODY_UNTIL_CLOSE:
        this.relayResponseChunk(chunk);
        return;
      case RESP_TUNNEL:
        this.hasTunnelTraffic = true;
        this.writeClient(chunk);
        return;
      default:
        // Bytes after a complete response: the upstream broke framing; never reuse it.
        this.isUpstreamReusable = false;
        this.upstream?.destroy();
    }
  }

  private readResponseHead(chunk: Buffer): void {
    let buf: Buffer;
    if (this.respBuf === null) buf = chunk;
    else buf = Buffer.concat([this.respBuf, chunk]);
    let start = 0;
    for (;;) {
      const result = parseResponseHead(buf, start, buf.length, this.snap.server.responseHeadLimits, (this.head as RequestHead).method);
      if (result.kind === 'incomplete') {
        this.respBuf = start === 0 ? buf : buf.subarray(start);
        return;
      }
      if (result.kind === 'error') return this.failUpstream('upstream-bad-response', `bad response head: ${result.reason}`);
      const head = result.head;
      start += result.consumed;
      if (head.status < 200) {
        if (head.status === 101) {
          if (this.upgrade === null || head.upgrade === null || head.upgrade.toLowerCase() !== this.upgrade.toLowerCase()) {
            return this.failUpstream('upstream-bad-response', 'upstream switched protocols without being asked');
          }
          this.respBuf = null;
          return this.startTunnel(head, buf, start);
        }
        // Interim responses go to HTTP/1.1 clients as they are (RFC 9110 §15.2).
        if ((this.head as RequestHead).versionMinor === 1) this.writeInterim(head);
        continue;
      }
      this.respBuf = null;
      const upstream = this.upstreamRt;
      if (upstream !== undefined && this.target !== undefined) {
        upstream.outlier?.recordStatus(this.target.index, head.status);
        // retryOn: an idempotent request answered 502/503/504 tries another target, unseen by the client.
        if (upstream.retryOn.has(head.status) && this.retryElsewhere(`status ${head.status}`, true)) return;
      }
      this.startResponse(head, buf.length - start);
      if (start < buf.length && this.respState !== RESP_DONE) {
        if (this.respState === RESP_BODY_LENGTH) this.relayLength(buf, start);
        else if (this.respState === RESP_BODY_CHUNKED) this.feedResponseDecoder(buf, start);
        else if (this.respState === RESP_BODY_UNTIL_CLOSE) this.relayResponseChunk(buf.subarray(start));
      } else if (start < buf.length) {
        // Bytes after a body-less response: never reuse the connection.
        this.isUpstreamReusable = false;
      }
      return;
    }
  }

  /**
   * The upstream accepted the upgrade: answer 101 and join the two sockets. From here bytes are not
   * HTTP any more; they flow both ways with backpressure until either side closes or the tunnel
   * stays silent for `tunnelIdle`.
   */
  private startTunnel(head: ResponseHead, buf: Buffer, start: number): void {
    const request = this.head as RequestHead;
    const fields = buildClientFields(head, {
      route: this.route as CompiledRoute,
      upstreamOrigins: this.upstreamOrigins,
      clientOrigin: clientOriginOf(this.ctx.scheme, request.hostname || '127.0.0.1', request.port ?? this.ctx.localPort),
      isViaEnabled: this.snap.server.via,
      requestIdHeader: this.snap.server.requestIdHeader,
      requestId: this.requestId,
      connection: undefined,
    });
    fields.push('Connection', 'Upgrade', 'Upgrade', head.upgrade as string);
    const out = writeResponseHeadText(101, head.reason, 1, fields, FRAMING_NONE);
    if (out === null) return this.failUpstream('upstream-bad-response', '101 head cannot be written to the client');
    this.status = 101;
    this.respHead = head;
    this.headerMs = elapsedMs(this.tSent, this.ctx.sweeper.time());
    this.reqState = REQ_TUNNEL;
    this.respState = RESP_TUNNEL;
    this.isClientKeepAlive = false;
    this.isUpstreamReusable = false;
    this.writeClient(out);
    if (start < buf.length) this.writeClient(buf.subarray(start));
    const pending = this.pending;
    if (pending !== null) {
      const from = this.pendingStart;
      this.takePending();
      (this.upstream as UpstreamConnection).socket.write(pending.subarray(from));
    }
    this.routeDeadline = 0;
    this.armClientDeadline(D_TUNNEL_IDLE, this.snap.server.tunnelIdleMs);
    this.resumeClient();
  }

  /** The tunnel ended from either side: close both and report the exchange once. */
  private endTunnel(termination: Termination): void {
    if (this.reqState !== REQ_TUNNEL) return;
    this.reqState = REQ_CLOSED;
    this.respState = RESP_DONE;
    this.termination = termination;
    const upstream = this.upstream;
    this.upstream = undefined;
    if (upstream !== undefined) {
      upstream.socket.end();
      (this.pool as TargetPool).release(upstream, false);
    }
    this.completeRequest();
    this.socket.end();
  }

  private writeInterim(head: ResponseHead): void {
    // The writer drops any framing field itself; 1xx heads never carry one (RFC 9110 §15.2).
    const out = writeResponseHeadText(head.status, head.reason, 1, filterHopByHop(head.headers, head.connectionTokens), FRAMING_NONE);
    if (out !== null) this.writeClient(out);
  }

  /**
   * `bytesAfterHead`: bytes that followed the head in the same read (a body-less response must
   * then not be reused; a small body that is all there leaves with its head in one write).
   */
  private startResponse(head: ResponseHead, bytesAfterHead: number): void {
    const hasMoreBytes = bytesAfterHead > 0;
    const request = this.head as RequestHead;
    const route = this.route as CompiledRoute;
    this.respHead = head;
    this.status = head.status;
    this.headerMs = elapsedMs(this.tSent, this.ctx.sweeper.time());
    this.disarmDeadline();
    if (this.ctx.bus.hasSubscribers(ResponseStarted)) {
      this.ctx.bus.publish({ type: ResponseStarted.type, requestId: this.requestId, status: head.status, upstreamHeaderMs: this.headerMs } satisfies ResponseStarted);
    }
    const isHttp11 = request.versionMinor === 1;
    const framing = head.framing;
    let clientFraming: ResponseFraming;
    switch (framing.kind) {
      case 'length':
        clientFraming = framing;
        this.respRemaining = framing.length;
        this.respState = framing.length === 0 ? RESP_DONE : RESP_BODY_LENGTH;
        break;
      case 'chunked':
        this.isClientChunked = isHttp11;
        clientFraming = isHttp11 ? FRAMING_CHUNKED : FRAMING_UNTIL_CLOSE;
        if (!isHttp11) this.isClientKeepAlive = false;
        this.respState = RESP_BODY_CHUNKED;
        this.respDecoder?.reset();
        break;
      case 'until-close':
        // Re-chunk for HTTP/1.1 clients so their connection survives the upstream's close.
        this.isClientChunked = isHttp11;
        clientFraming = isHttp11 ? FRAMING_CHUNKED : FRAMING_UNTIL_CLOSE;
        if (!isHttp11) this.isClientKeepAlive = false;
        this.respState = RESP_BODY_UNTIL_CLOSE;
        break;
      default:
        // No body: HEAD, 204, 304. Content-Length stays as metadata for HEAD and 304.
        clientFraming = head.contentLength >= 0 && head.status !== 204 ? framingLength(head.contentLength) : FRAMING_NONE;
        this.respState = RESP_DONE;
    }
    // Decided before responseDone() hands the connection back to the pool.
    this.isUpstreamReusable = head.keepAlive && framing.kind !== 'until-close' && !(hasMoreBytes && this.respState === RESP_DONE);
    if (this.reqState !== REQ_SENT) {
      // The upstream answered before it had the whole body: finish this exchange, then close.
      this.isClientKeepAlive = false;
      this.isUpstreamReusable = false;
    }
    // Shutting down: this answer is the connection's last, and says so (RFC 9112 §9.6).
    if (this.ctx.isShuttingDown) this.isClientKeepAlive = false;
    const fields = buildClientFields(head, {
      route,
      upstreamOrigins: this.upstreamOrigins,
      clientOrigin: clientOriginOf(this.ctx.scheme, request.hostname || '127.0.0.1', request.port ?? this.ctx.localPort),
      isViaEnabled: this.snap.server.via,
      requestIdHeader: this.snap.server.requestIdHeader,
      requestId: this.requestId,
      connection: !this.isClientKeepAlive ? 'close' : isHttp11 ? undefined : 'keep-alive',
      stickyCookie: this.stickyCookie,
    });
    const out = writeResponseHeadText(head.status, head.reason, isHttp11 ? 1 : 0, fields, clientFraming);
    if (out === null) return this.failUpstream('upstream-bad-response', 'response head cannot be written to the client');
    if (this.respState === RESP_BODY_LENGTH && bytesAfterHead >= this.respRemaining && this.respRemaining + out.length <= SMALL_ANSWER_BYTES) {
      // One string, one write(2): Node encodes a latin1 string under 16 KiB on its stack and writes it
      // at once, so the common small answer costs no Buffer of ours and no corked writev of two.
      this.headOut = out;
    } else {
      // Head and the body bytes read with it leave in one writev.
      if (hasMoreBytes && !this.isClientCorked) {
        this.isClientCorked = true;
        this.socket.cork();
      }
      this.writeClient(out);
    }
    if (this.respState === RESP_DONE) this.responseDone();
    else this.armExchangeDeadline(D_IDLE, (this.timeouts as UpstreamTimeouts).idleMs);
  }

  private relayLength(buf: Buffer, start: number): void {
    const available = buf.length - start;
    const n = available < this.respRemaining ? available : this.respRemaining;
    this.respRemaining -= n;
    const headOut = this.headOut;
    if (headOut !== null) {
      this.headOut = null;
      // Body bytes as latin1 characters are the same bytes (U+0000-U+00FF map one to one).
      this.writeClient(headOut + latin1Slice(buf, start, start + n));
    } else {
      this.writeClient(start === 0 && n === buf.length ? buf : buf.subarray(start, start + n));
    }
    if (this.respRemaining === 0) {
      if (start + n < buf.length) this.isUpstreamReusable = false;
      this.responseDone();
    } else {
      this.armExchangeDeadline(D_IDLE, (this.timeouts as UpstreamTimeouts).idleMs);
    }
  }

  private feedResponseDecoder(buf: Buffer, start: number): void {
    if (this.respDecoder === undefined) this.respDecoder = new ChunkedDecoder(new ResponseBodySink(this));
    this.socket.cork();
    const used = this.respDecoder.feed(buf, start, buf.length);
    this.socket.uncork();
    if (this.respState === RESP_DONE) {
      // Finished here, once feed() has returned: bytes after the last chunk must count before the
      // connection goes back to the pool, and the next exchange must not start inside the decoder.
      if (start + used < buf.length) this.isUpstreamReusable = false;
      this.responseDone();
    } else {
      this.armExchangeDeadline(D_IDLE, (this.timeouts as UpstreamTimeouts).idleMs);
    }
  }

  /** @internal a piece of response body for the client, chunked again if the client gets chunks. */
  relayResponseChunk(chunk: Buffer): void {
    if (chunk.length === 0) return;
    if (this.isClientChunked) {
      this.writeClient(encodeChunkHeader(chunk.length));
      this.writeClient(chunk);
      this.writeClient(CHUNK_DATA_END);
    } else {
      this.writeClient(chunk);
    }
  }

  /** @internal the chunked response ended. */
  endChunkedResponse(): void {
    if (this.isClientChunked) this.writeClient(LAST_CHUNK);
    this.respState = RESP_DONE; // feedResponseDecoder calls responseDone() after the feed
  }

  onUpstreamEnd(): void {
    if (this.upstream === undefined) return;
    if (this.respState === RESP_TUNNEL) return this.endTunnel('ok');
    if (this.respState === RESP_BODY_UNTIL_CLOSE) {
      if (this.isClientChunked) this.writeClient(LAST_CHUNK);
      this.isUpstreamReusable = false;
      this.responseDone();
      return;
    }
    if (this.respState === RESP_DONE) return;
    this.upstreamBroke('upstream closed the connection');
  }

  onUpstreamError(error: Error): void {
    if (this.respState === RESP_DONE || this.upstream === undefined) return;
    if (this.respState === RESP_TUNNEL) return this.endTunnel('upstream-reset');
    this.upstreamBroke(`upstream error: ${(error as NodeJS.ErrnoException).code ?? error.message}`);
  }

  /** A connection that dies before any response byte may be retried once on a fresh one, when safe. */
  private upstreamBroke(reason: string): void {
    const canRetry =
      this.respState === RESP_HEAD &&
      this.respBuf === null &&
      this.isReused &&
      !this.hasRetried &&
      (this.reqBodyBytes === 0 || isIdempotent((this.head as RequestHead).method)) &&
      !this.hasBodyStarted;
    if (canRetry) {
      // A pooled keep-alive connection the origin had already closed: nothing was processed.
      this.hasRetried = true;
      this.discardUpstream();
      this.respState = RESP_NONE;
      this.reqState = REQ_WAIT_UPSTREAM;
      this.tConnectStart = this.ctx.sweeper.time();
      (this.pool as TargetPool).acquire(this);
      return;
    }
    if (this.respState === RESP_HEAD && this.respBuf === null) {
      const target = this.target;
      if (target !== undefined) this.upstreamRt?.outlier?.recordConnectFailure(target.index, 'reset');
      if (this.retryElsewhere(reason, true)) return;
    }
    this.failUpstream('upstream-reset', reason);
  }

  /** @internal the upstream broke the exchange: 502 if the client has seen nothing yet, else cut. */
  failUpstream(termination: Termination, reason: string): void {
    this.discardUpstream();
    if (this.respState === RESP_HEAD || this.respState === RESP_NONE) {
      this.respondError(termination === 'upstream-timeout' || termination === 'route-timeout' ? 504 : 502, termination, reason, true);
      return;
    }
    this.termination = termination;
    this.isClientKeepAlive = false;
    this.publishFailure(this.status, termination, reason);
    this.completeRequest();
    this.socket.destroy();
  }

  onUpstreamDrain(): void {
    if (this.reqState === REQ_BODY || this.reqState === REQ_TUNNEL) this.resumeClient();
  }

  private onClientDrain(): void {
    if (this.upstream !== undefined && this.respState !== RESP_DONE) this.upstream.socket.resume();
  }

  private responseDone(): void {
    this.respState = RESP_DONE;
    if (this.reqState === REQ_SENT || !this.isClientKeepAlive) this.finishExchange();
  }

  private discardUpstream(): void {
    const upstream = this.upstream;
    if (upstream === undefined) {
      if (this.reqState === REQ_WAIT_UPSTREAM) this.pool?.cancel(this);
      return;
    }
    this.upstream = undefined;
    (this.pool as TargetPool).release(upstream, false);
  }

  // =============================================================================================
  // Local answers and completion
  // =============================================================================================

  private respondStatic(status: number, headers: readonly string[], body: Buffer): void {
    const head = this.head as RequestHead;
    if (this.leavesBodyUnread() || this.ctx.isShuttingDown) this.isClientKeepAlive = false;
    const fields = headers.slice();
    fields.push(this.snap.server.requestIdHeader, this.requestId);
    if (!this.isClientKeepAlive) fields.push('Connection', 'close');
    else if (head.versionMinor === 0) fields.push('Connection', 'keep-alive');
    const out = writeResponseHeadText(status, undefined, head.versionMinor, fields, framingLength(body.length));
    this.answerLocally(status, 'local-response', out ?? errorResponse(500), head.method === 'HEAD' ? EMPTY : body);
  }

  private respondLocalStatus(status: number, termination: Termination, reason: string, extraFields?: readonly string[]): void {
    // A 5xx reason names internal targets and error codes: it goes to the event, not to the client.
    const body = Buffer.from(`${status} ${status >= 500 ? statusText(status) : reason}\n`, 'latin1');
    this.publishFailure(status, termination, reason);
    const head = this.head as RequestHead;
    // Decided before the head is written, so that a close is announced with Connection: close.
    if (this.leavesBodyUnread() || this.ctx.isShuttingDown) this.isClientKeepAlive = false;
    const fields = ['content-type', 'text/plain; charset=utf-8', this.snap.server.requestIdHeader, this.requestId];
    if (extraFields !== undefined) fields.push(...extraFields);
    if (!this.isClientKeepAlive) fields.push('Connection', 'close');
    const out = writeResponseHeadText(status, undefined, head.versionMinor, fields, framingLength(body.length)) as string;
    this.answerLocally(status, termination, out, head.method === 'HEAD' ? EMPTY : body);
  }

  /** An error answer with `Connection: close` when `mustClose` (framing can no longer be trusted). */
  private respondError(status: number, termination: Termination, reason: string, mustClose: boolean): void {
    if (mustClose) this.isClientKeepAlive = false;
    if (!this.isClientKeepAlive) {
      this.publishFailure(status, termination, reason);
      this.answerLocally(status, termination, errorResponse(status, this.requestId || undefined, this.snap?.server.requestIdHeader ?? 'x-request-id'), EMPTY);
      return;
    }
    this.respondLocalStatus(status, termination, reason);
  }

  private answerLocally(status: number, termination: Termination, head: Buffer | string, body: Buffer): void {
    if (this.upstream !== undefined || this.reqState === REQ_WAIT_UPSTREAM) this.discardUpstream();
    this.status = status;
    this.termination = termination;
    if (this.leavesBodyUnread()) this.isClientKeepAlive = false;
    this.reqState = REQ_LOCAL;
    this.respState = RESP_DONE;
    this.socket.cork();
    this.writeClient(head);
    if (body.length > 0) this.writeClient(body);
    this.socket.uncork();
    this.finishExchange();
  }

  /** A request body we did not (fully) read leaves the connection's framing unknown: close after answering. */
  private leavesBodyUnread(): boolean {
    if (this.reqState === REQ_BODY || this.reqState === REQ_BUFFERING) return true;
    if (this.reqState === REQ_WAIT_UPSTREAM && this.reqChunked) return !this.isBodyComplete;
    if (this.reqState !== REQ_HEAD && this.reqState !== REQ_WAIT_UPSTREAM) return false;
    const framing = this.head?.framing;
    return framing !== undefined && framing.kind !== 'none' && !(framing.kind === 'length' && framing.length === 0);
  }

  private publishFailure(status: number, termination: Termination, reason: string): void {
    if (!this.ctx.bus.hasSubscribers(ProxyErrorResponse)) return;
    this.ctx.bus.publish(
      ProxyErrorResponse.make({
        requestId: this.requestId,
        status,
        termination,
        reason,
        ...(this.route === undefined ? {} : { route: this.route.name }),
        ...(this.targetAddress === undefined ? {} : { targetAddress: this.targetAddress }),
      }),
    );
  }

  /** Both directions are done: report, hand back the upstream, then the next request or close. */
  private finishExchange(): void {
    const upstream = this.upstream;
    if (upstream !== undefined) {
      this.upstream = undefined;
      (this.pool as TargetPool).release(upstream, this.isUpstreamReusable && this.reqState === REQ_SENT);
    }
    const isRequestSent = this.reqState === REQ_SENT;
    this.completeRequest();
    if (!this.isClientKeepAlive || this.socket.destroyed) {
      this.reqState = REQ_CLOSED;
      this.closeCause = this.closeCause === 'client-closed' ? 'response-close' : this.closeCause;
      this.closeAfterLastResponse(isRequestSent);
      return;
    }
    this.reqState = REQ_HEAD;
    this.head = undefined;
    this.route = undefined;
    this.resumeClient();
    if (this.pending !== null) {
      this.armClientDeadline(D_HEAD, this.snap.server.headTimeoutMs);
      this.processPending();
    } else {
      this.armClientDeadline(D_KEEP_ALIVE, this.snap.server.keepAliveIdleMs);
    }
  }

  /**
   * Ends the connection after its last response. When the whole request has been read, the client
   * sent nothing beyond it, and the response has all reached the kernel, a plain close() sends the
   * response and a FIN behind it, as nginx does. Node's end() half-closes through libuv instead: a
   * POLLOUT wait (epoll_ctl and a loop wake), shutdown(), then a read of the client's FIN before
   * close(), on the path every `Connection: close` request takes (close bench: 3 → 2 reads and
   * 3 → 2 epoll_ctl per request, no shutdown; 12.3k → 16k req/s). Otherwise it half-closes as
   * before: bytes still queued must leave first; a client that pipelined more may still be sending,
   * and close() with unread bytes in the kernel resets the connection, which can destroy the
   * response in flight (RFC 9112 §9.6 lingering close); and TLS owes the client a close_notify.
   */
  private closeAfterLastResponse(isRequestSent: boolean): void {
    const socket = this.socket;
    if (isRequestSent && this.pending === null && socket.writableLength === 0 && !socket.destroyed && !(socket instanceof TLSSocket)) socket.destroy();
    else socket.end();
  }

  private completeRequest(): void {
    this.releaseTarget();
    const status = this.status;
    const counters = this.ctx.counters;
    if (status >= 500) counters.responses5xx++;
    else if (status >= 400) counters.responses4xx++;
    else if (status >= 300) counters.responses3xx++;
    else counters.responses2xx++;
    if (!this.ctx.bus.hasSubscribers(RequestCompleted)) return;
    const head = this.head;
    // Wall time is read only here, when someone listens, not once per request.
    const totalMs = elapsedMs(this.tStart, this.ctx.sweeper.time());
    const userAgent = head === undefined ? undefined : headerValue(head.headers, 'user-agent');
    const referer = head === undefined ? undefined : headerValue(head.headers, 'referer');
    // Built as one literal of a fixed shape (not `make` with spreads): it is the per-request event
    // the access log and metrics read, so its cost counts on the hot path.
    this.ctx.bus.publish({
        type: RequestCompleted.type,
        connId: this.connId,
        requestId: this.requestId,
        listener: this.ctx.name,
        clientAddress: this.clientIp || this.peerIp,
        clientPort: this.peerPort,
        method: head?.method ?? '-',
        target: head?.target ?? '-',
        httpVersion: head === undefined ? '1.1' : head.versionMinor === 1 ? '1.1' : '1.0',
        host: head?.host ?? '',
        status,
        bytesIn: this.exchangeBytesIn,
        bytesOut: this.exchangeBytesOut,
        route: this.route?.name,
        upstream: this.upstreamName,
        targetAddress: this.targetAddress,
        upstreamConnectMs: this.connectMs,
        upstreamHeaderMs: this.headerMs,
        totalMs,
        termination: this.termination,
        userAgent,
        referer,
        // Whole epoch milliseconds: Date.now() has no finer grain to offer.
        startedAt: Math.round(Date.now() - totalMs),
      } satisfies RequestCompleted);
  }

  /** Writes bytes, or latin1 text (a head, or a head with its small body: one byte per character). */
  private writeClient(data: Buffer | string): void {
    const bytes = data.length;
    this.exchangeBytesOut += bytes;
    this.connBytesOut += bytes;
    this.ctx.counters.bytesOut += bytes;
    const isWritten = typeof data === 'string' ? this.socket.write(data, 'latin1') : this.socket.write(data);
    if (!isWritten && this.upstream !== undefined) this.upstream.socket.pause();
  }

  private resumeClient(): void {
    this.isPausedForPending = false;
    // resume() on a flowing socket is not free: it schedules a nextTick that calls read(0). Keep-alive
    // exchanges that never paused would pay that on every request.
    if (this.socket.isPaused()) this.socket.resume();
  }

  // =============================================================================================
  // Deadlines and the end of the connection
  // =============================================================================================

  private armClientDeadline(kind: number, ms: number): void {
    this.deadlineKind = kind;
    this.deadline = this.ctx.sweeper.time() + ms;
  }

  /** Arms a phase deadline, capped by the route's total budget. */
  private armExchangeDeadline(kind: number, ms: number): void {
    const at = this.ctx.sweeper.now + ms;
    if (this.routeDeadline !== 0 && this.routeDeadline < at) {
      this.deadlineKind = D_ROUTE;
      this.deadline = this.routeDeadline;
    } else {
      this.deadlineKind = kind;
      this.deadline = at;
    }
  }

  private disarmDeadline(): void {
    if (this.routeDeadline !== 0) {
      this.deadlineKind = D_ROUTE;
      this.deadline = this.routeDeadline;
    } else {
      this.deadlineKind = 0;
      this.deadline = 0;
    }
  }

  onDeadline(): void {
    switch (this.deadlineKind) {
      case D_HEAD:
        if (this.reqState !== REQ_HEAD) return;
        this.closeCause = 'head-timeout';
        this.beginExchangeFor(undefined);
        this.requestId = this.ctx.nextRequestId();
        this.exchangeBytesIn = this.pendingBytes();
        this.takePending();
        this.respondError(408, 'head-timeout', 'request head not received in time', true);
        return;
      case D_BODY:
        if (this.reqState !== REQ_BUFFERING) return;
        this.respondError(408, 'head-timeout', 'request body not received in time', true);
        return;
      case D_TUNNEL_IDLE:
        if (this.reqState !== REQ_TUNNEL) return;
        // Traffic since the last check re-arms; a whole silent period ends the tunnel.
        if (this.hasTunnelTraffic) {
          this.hasTunnelTraffic = false;
          this.armClientDeadline(D_TUNNEL_IDLE, this.snap.server.tunnelIdleMs);
          return;
        }
        this.endTunnel('ok');
        return;
      case D_KEEP_ALIVE:
        if (this.reqState !== REQ_HEAD) return;
        this.closeCause = 'keep-alive-timeout';
        this.socket.end();
        return;
      case D_QUEUE:
        if (this.reqState !== REQ_WAIT_UPSTREAM || this.upstream !== undefined) return;
        (this.pool as TargetPool).cancel(this);
        this.respondLocalStatus(503, 'no-target', `every target of "${this.upstreamName ?? ''}" at maxConnections for the queue timeout`, RETRY_AFTER);
        return;
      case D_RESPONSE_HEAD:
        if (this.target !== undefined) this.upstreamRt?.outlier?.recordConnectFailure(this.target.index, 'timeout');
        if (this.retryElsewhere('response head timeout', true)) return;
        this.failUpstream('upstream-timeout', `no response head within ${(this.timeouts as UpstreamTimeouts).responseHeadMs} ms`);
        return;
      case D_IDLE:
        this.failUpstream('upstream-timeout', `upstream idle for ${(this.timeouts as UpstreamTimeouts).idleMs} ms`);
        return;
      case D_ROUTE:
        this.failUpstream('route-timeout', `route "${this.route?.name ?? ''}" took longer than its total timeout`);
        return;
    }
  }

  /**
   * The client shut its sending side (listeners allow half-open sockets). A request it finished
   * still gets its answer, then the connection closes (RFC 9112 §9.6); one it had not finished
   * never will be, so the exchange is abandoned.
   */
  private onClientEnd(): void {
    if (this.reqState === REQ_TUNNEL) return this.endTunnel('ok');
    const state = this.reqState;
    const isRequestComplete =
      state === REQ_SENT || state === REQ_LOCAL || (state === REQ_WAIT_UPSTREAM && (!this.reqChunked ? this.reqRemaining === 0 || !this.hasBodyToSend() : this.isBodyComplete));
    if (state === REQ_HEAD) {
      this.closeCause = 'client-closed';
      this.socket.end();
    } else if (isRequestComplete) {
      this.isClientKeepAlive = false;
    } else {
      this.abortExchange();
    }
  }

  /** Whether the request announced a body that is not all here yet. */
  private hasBodyToSend(): boolean {
    const framing = this.head?.framing;
    if (framing === undefined || framing.kind === 'none') return false;
    if (framing.kind === 'length') return framing.length > 0 && this.reqRemaining > 0 && this.pendingBytes() < this.reqRemaining;
    return !this.isBodyComplete;
  }

  private onClientError(): void {
    this.closeCause = 'socket-error';
  }

  private onClientClose(): void {
    if (this.ownPools !== undefined) for (const pool of this.ownPools.values()) pool.retire();
    if (this.reqState === REQ_TUNNEL) this.endTunnel('client-aborted');
    if (this.reqState !== REQ_HEAD && this.reqState !== REQ_CLOSED && this.reqState !== REQ_LOCAL) this.abortExchange();
    this.reqState = REQ_CLOSED;
    this.ctx.sweeper.remove(this);
    this.ctx.connections.delete(this);
    this.ctx.counters.connectionsOpen--;
    publishConnClosed(this.ctx, { connId: this.connId, openedAt: this.openedAt, requests: this.requestCount, bytesIn: this.connBytesIn, bytesOut: this.connBytesOut }, this.closeCause);
  }

  /** The client left mid-exchange: drop the upstream connection, it is in an unknown state. */
  private abortExchange(): void {
    if (this.reqState === REQ_CLOSED) return;
    this.discardUpstream();
    this.termination = 'client-aborted';
    if (this.status === 0) this.status = 499;
    this.reqState = REQ_CLOSED;
    this.completeRequest();
    this.socket.destroy();
  }
}

const EMPTY_ORIGINS: readonly string[] = Object.freeze([]);
const EMPTY_FIELDS: string[] = [];
const RETRY_AFTER: readonly string[] = Object.freeze(['retry-after', '1']);
/** Bodies up to this size that arrive with their head are copied behind it into one buffer. */
/** A head and body that fit Node's 16 KiB stack buffer for string writes leave as one string. */
const SMALL_ANSWER_BYTES = 16 * 1024;

/** The target with the fewest requests in flight, for queueing when all are at their limit. */
function leastBusy(upstream: UpstreamRuntime): TargetRuntime | undefined {
  let best: TargetRuntime | undefined;
  for (const target of upstream.targets) {
    if (target.weight <= 0) continue;
    if (best === undefined || target.inflight < best.inflight) best = target;
  }
  return best;
}

function isIdempotent(method: string): boolean {
  return method === 'GET' || method === 'HEAD' || method === 'OPTIONS' || method === 'PUT' || method === 'DELETE' || method === 'TRACE';
}



function dynamicTimeouts(t: { connect: number; responseHead: number; idle: number }): UpstreamTimeouts {
  return { connectMs: t.connect, responseHeadMs: t.responseHead, idleMs: t.idle };
}
