// One connection of a tcp or tls listener: PROXY header, TLS or SNI peek, route, connect, bytes both ways.
import net from 'node:net';
import tls from 'node:tls';
import { ConnOpened, type CloseCause } from '@switchyard/core';
import { publishConnClosed } from '../proxy/conn-closed.js';
import type { ListenerConfig } from '@switchyard/config';
import { normalizeIp, peerIp } from '../listener/connection-guard.js';
import type { TlsContexts } from '../listener/tls-contexts.js';
import { PROXY_NONE, parseProxyHeader, type ProxyEndpoint } from '../proxy-protocol/index.js';
import type { Timed } from '../proxy/deadline-sweeper.js';
import type { ListenerContext } from '../proxy/listener-context.js';
import type { ProxySnapshot, TargetRuntime, UpstreamRuntime } from '../proxy/proxy-snapshot.js';
import { BulkDirection, type RelayedBytes } from './bulk-direction.js';
import { L4Facts, l4PolicyFor, type L4Policy, type ProxyAcceptPolicy } from './l4-policy.js';
import { pickAnother, pickTarget } from './pick-target.js';
import { proxyHeaderFor } from './proxy-header-out.js';
import { relayReadBuffers } from './read-buffer-pool.js';
import { peekSni } from './sni-peek.js';

/** What a session needs of its listener. */
export interface StreamListener {
  readonly config: Readonly<ListenerConfig>;
  readonly context: ListenerContext;
  /** The certificates of a tls listener; undefined for tcp. */
  readonly tls: TlsContexts | undefined;
}

// Phases, in order; a session only moves forward.
const P_PROXY = 1; // a trusted peer's PROXY header
const P_HELLO = 2; // first bytes: a stray PROXY header from an untrusted peer, the ClientHello's SNI
const P_HANDSHAKE = 3; // tls listener: the TLS handshake
const P_CONNECT = 4; // connecting to the target
const P_RELAY = 5; // bytes both ways
const P_CLOSED = 6;

/** Versions screened for from untrusted peers: any PROXY header they send is refused. */
const ANY_VERSION = { v1: true, v2: true } as const;

/**
 * A 'data' chunk this long means Node's 64 KiB read came back full (more was waiting): the
 * direction carries bulk data and switches to pooled reads (`BulkDirection`). Shorter exchanges
 * (connect-heavy traffic, interactive protocols) never hold a pooled buffer.
 */
const BULK_CHUNK_BYTES = 64 * 1024;

/**
 * The data plane of an L4 connection. Decisions come from the listener's `L4Policy` of the
 * snapshot current at accept; bytes are relayed by hand with pause/resume on `write() === false`
 * and 'drain' (backpressure both ways, and byte counts without a second pass); a direction that
 * carries bulk data switches from 'data' events to reads into reused buffers (`BulkDirection`:
 * no fresh 64 KiB allocation and page faults per read), and a FIN from one
 * side is passed on as `end()` to the other while the other direction keeps flowing (both sockets
 * are half-open capable). Nothing of the client's reaches an upstream before every check passed:
 * a PROXY header from a trusted peer is required and stripped, one from anyone else is refused.
 *
 * One deadline serves every phase (PROXY header, first bytes, handshake, connect, idle) on the
 * shared sweeper; idle is checked as in WebSocket tunnels: traffic since the last check re-arms.
 */
export class TcpSession implements Timed, RelayedBytes {
  deadline = 0;
  /** Index in the sweeper's SlotSet (-1 outside); the sweeper writes it. */
  sweepSlot = -1;
  /** Index in the listener's `connections` (-1 outside); the SlotSet writes it. */
  liveSlot = -1;
  private phase = P_HELLO;
  private readonly connId: number;
  private readonly snap: ProxySnapshot;
  private readonly policy: L4Policy;
  private readonly facts: L4Facts;
  private readonly openedAt: number;
  private clientPort: number;
  /** Where the client connected to: from its PROXY header, else this socket's local end. */
  private destination: ProxyEndpoint | undefined;
  private serverName: string | undefined;
  /** The client side bytes are relayed on: the raw socket, or the TLSSocket over it. */
  private stream: net.Socket;
  private upstream: net.Socket | undefined;
  private upstreamRuntime: UpstreamRuntime | undefined;
  private target: TargetRuntime | undefined;
  private tried: TargetRuntime[] = [];
  /** Client bytes held back until a decision, then written upstream first. */
  private pending: Buffer | null = null;
  /** An untrusted peer on a PROXY-protocol listener: its first bytes must not be a PROXY header. */
  private mustScreen = false;
  private hasOpened = false;
  private hasTraffic = false;
  private isClientEnded = false;
  private isUpstreamEnded = false;
  private isClientClosed = false;
  private isUpstreamClosed = true;
  private hasFailed = false;
  private cause: CloseCause | undefined;
  private bytesIn = 0;
  private bytesOut = 0;
  /** Whether directions may switch to pooled reads: both ends plain TCP (set when relaying starts). */
  private canPoolReads = false;
  private clientToUpstream: BulkDirection | undefined;
  private upstreamToClient: BulkDirection | undefined;

  private readonly onClientDataBound = (chunk: Buffer): void => this.onClientData(chunk);
  private readonly onClientEndBound = (): void => this.onClientEnd();
  private readonly onClientCloseBound = (): void => this.onClientClose();
  private readonly onClientErrorBound = (): void => this.onClientError();
  private readonly onClientDrainBound = (): void => {
    this.upstream?.resume();
  };
  private readonly onSecureBound = (): void => this.onSecure();
  private readonly onUpstreamConnectBound = (): void => this.onUpstreamConnect();
  private readonly onUpstreamDataBound = (chunk: Buffer): void => this.onUpstreamData(chunk);
  private readonly onUpstreamEndBound = (): void => this.onUpstreamEnd();
  private readonly onUpstreamCloseBound = (): void => this.onUpstreamClose();
  private readonly onUpstreamErrorBound = (error: Error): void => this.onUpstreamError(error);
  private readonly onUpstreamDrainBound = (): void => {
    this.stream.resume();
  };

  constructor(
    private readonly raw: net.Socket,
    private readonly listener: StreamListener,
  ) {
    const ctx = listener.context;
    this.connId = ctx.nextConnId();
    this.snap = ctx.snapshot.current;
    this.policy = l4PolicyFor(this.snap, listener.config);
    this.facts = new L4Facts(listener.config.name, peerIp(raw));
    this.clientPort = raw.remotePort ?? 0;
    this.openedAt = ctx.sweeper.time();
    this.stream = raw;
    raw.setNoDelay(true);
    raw.on('data', this.onClientDataBound);
    raw.on('end', this.onClientEndBound);
    raw.on('close', this.onClientCloseBound);
    raw.on('error', this.onClientErrorBound);
    raw.on('drain', this.onClientDrainBound);
    ctx.counters.connectionsOpened++;
    ctx.counters.connectionsOpen++;
    ctx.connections.add(this);
    ctx.sweeper.add(this);
    const proxy = this.policy.proxy;
    if (proxy !== undefined && this.policy.isTrusted(this.facts.sourceIp)) {
      this.phase = P_PROXY;
      this.arm(proxy.timeoutMs);
      return;
    }
    this.mustScreen = proxy !== undefined;
    this.afterProxy();
  }

  /** Graceful shutdown: a connection still deciding is closed; a relaying one is busy. */
  closeIfIdle(): boolean {
    if (this.phase >= P_CONNECT) return false;
    this.fail('server-shutdown');
    return true;
  }

  destroy(): void {
    this.fail('server-shutdown');
  }

  // =============================================================================================
  // Deciding: PROXY header, first bytes, handshake, route
  // =============================================================================================

  private onClientData(chunk: Buffer): void {
    if (this.phase === P_RELAY && !this.mustScreen) return this.relayClientChunk(chunk);
    this.pending = this.pending === null ? chunk : Buffer.concat([this.pending, chunk]);
    switch (this.phase) {
      case P_PROXY:
        return this.readProxyHeader();
      case P_HELLO:
        return this.readHello(false);
      case P_RELAY:
        return this.screenRelayed();
      default:
        // P_CONNECT: the client is paused; a chunk already on its way waits in `pending`.
        return;
    }
  }

  private readProxyHeader(): void {
    const pending = this.pending as Buffer;
    const result = parseProxyHeader(pending, 0, pending.length, (this.policy.proxy as ProxyAcceptPolicy).accept);
    if (result.kind === 'incomplete') return;
    // A trusted peer must send a header: anything else is refused, never guessed at.
    if (result.kind !== 'header') return this.fail('protocol-error');
    const { source, destination } = result.header;
    if (source !== undefined && destination !== undefined && result.header.command === 'proxy') {
      this.facts.sourceIp = normalizeIp(source.address);
      this.clientPort = source.port;
      this.destination = { address: normalizeIp(destination.address), port: destination.port };
    }
    this.pending = result.consumed < pending.length ? pending.subarray(result.consumed) : null;
    this.disarm();
    this.afterProxy();
  }

  /** The client address is known: announce the connection and read what routing needs. */
  private afterProxy(): void {
    this.publishOpened();
    const needsBytes = this.listener.tls !== undefined ? this.mustScreen : this.policy.needsServerName;
    if (!needsBytes) return this.listener.tls !== undefined ? this.startTls() : this.route();
    this.phase = P_HELLO;
    this.arm(this.policy.firstBytesMs);
    if (this.pending !== null) this.readHello(false);
  }

  /**
   * Decides on the first bytes: refuses a PROXY header from an untrusted peer, then starts TLS
   * (tls listener) or routes on the ClientHello's server name (tcp). `isFinal` when no more bytes
   * will come in time (end of stream, or the first-bytes deadline).
   */
  private readHello(isFinal: boolean): void {
    const pending = this.pending;
    const length = pending === null ? 0 : pending.length;
    if (this.mustScreen && length > 0) {
      const screened = parseProxyHeader(pending as Buffer, 0, length, ANY_VERSION);
      if (screened.kind === 'incomplete' && !isFinal) return;
      if (screened !== PROXY_NONE) return this.fail('protocol-error');
      this.mustScreen = false;
    }
    if (this.listener.tls !== undefined) {
      if (length === 0) return isFinal ? this.fail('head-timeout') : undefined;
      this.disarm();
      return this.startTls();
    }
    if (length > 0) {
      const sni = peekSni(pending as Buffer, length);
      if (sni.kind === 'incomplete' && !isFinal) return;
      this.serverName = sni.kind === 'decided' ? sni.serverName : undefined;
    } else if (!isFinal) {
      return;
    }
    // Silence until the deadline: a server-speaks-first protocol; route without a name.
    this.disarm();
    this.route();
  }

  private startTls(): void {
    const contexts = this.listener.tls as TlsContexts;
    const raw = this.raw;
    raw.off('data', this.onClientDataBound);
    raw.off('end', this.onClientEndBound);
    raw.off('drain', this.onClientDrainBound);
    raw.pause();
    // TLSSocket takes over the raw socket and first reads what is buffered in it.
    if (this.pending !== null) raw.unshift(this.pending);
    this.pending = null;
    const socket = new tls.TLSSocket(raw, {
      isServer: true,
      secureContext: contexts.select(undefined),
      SNICallback: (servername, callback) => callback(null, contexts.select(servername)),
    });
    socket.allowHalfOpen = true;
    socket.on('error', this.onClientErrorBound);
    socket.on('close', this.onClientCloseBound);
    socket.once('secure', this.onSecureBound);
    this.stream = socket;
    this.phase = P_HANDSHAKE;
    this.arm(this.policy.firstBytesMs);
  }

  private onSecure(): void {
    if (this.phase !== P_HANDSHAKE) return;
    const stream = this.stream as tls.TLSSocket;
    this.disarm();
    this.serverName = typeof stream.servername === 'string' && stream.servername.length > 0 ? stream.servername.toLowerCase() : undefined;
    stream.on('data', this.onClientDataBound);
    stream.on('end', this.onClientEndBound);
    stream.on('drain', this.onClientDrainBound);
    this.route();
  }

  private route(): void {
    this.facts.host = this.serverName ?? '';
    const route = this.policy.match(this.facts);
    if (route === undefined) return this.fail('no-route');
    const upstream = this.snap.upstreams.get(route.forward.pick());
    if (upstream === undefined) return this.fail('upstream-error');
    this.upstreamRuntime = upstream;
    const target = pickTarget(upstream, this.facts);
    if (target === undefined) return this.fail('upstream-error');
    this.connect(target);
  }

  // =============================================================================================
  // Connecting: a new socket per client connection, another target after a failed connect
  // =============================================================================================

  private connect(target: TargetRuntime): void {
    this.phase = P_CONNECT;
    this.stream.pause();
    this.target = target;
    target.inflight++;
    const { host, port, tls: tlsOptions } = target.pool.endpoint;
    const socket =
      tlsOptions === undefined
        ? net.connect({ host, port, allowHalfOpen: true, noDelay: true })
        : tls.connect({ ...tlsOptions, host, port });
    socket.allowHalfOpen = true;
    socket.once(tlsOptions === undefined ? 'connect' : 'secureConnect', this.onUpstreamConnectBound);
    socket.on('error', this.onUpstreamErrorBound);
    socket.on('close', this.onUpstreamCloseBound);
    this.upstream = socket;
    this.isUpstreamClosed = false;
    this.arm((this.upstreamRuntime as UpstreamRuntime).timeouts.connectMs);
  }

  /** A connect failed or timed out: try another target within `retries`, else close the client. */
  private connectFailed(code: string): void {
    const upstream = this.upstreamRuntime as UpstreamRuntime;
    const failed = this.target as TargetRuntime;
    upstream.outlier?.recordConnectFailure(failed.index, code);
    this.dropUpstream();
    if (this.isClientClosed) return this.finishIfClosed();
    this.tried.push(failed);
    const next = this.tried.length <= upstream.retries ? pickAnother(upstream, this.facts, this.tried) : undefined;
    if (next === undefined) return this.fail('upstream-error');
    this.connect(next);
  }

  /** Forgets a socket that failed to connect; its late events must not reach this session. */
  private dropUpstream(): void {
    const socket = this.upstream;
    if (socket !== undefined) {
      socket.off('close', this.onUpstreamCloseBound);
      socket.off('error', this.onUpstreamErrorBound);
      socket.on('error', ignore);
      socket.destroy();
    }
    this.upstream = undefined;
    this.isUpstreamClosed = true;
    this.releaseTarget();
  }

  private releaseTarget(): void {
    const target = this.target;
    if (target === undefined) return;
    this.target = undefined;
    target.inflight--;
  }

  private onUpstreamConnect(): void {
    if (this.phase !== P_CONNECT) return;
    const socket = this.upstream as net.Socket;
    const version = this.policy.proxyVersionFor((this.upstreamRuntime as UpstreamRuntime).name);
    if (version !== undefined) {
      const destination = this.destination ?? { address: normalizeIp(this.raw.localAddress ?? ''), port: this.raw.localPort ?? 0 };
      socket.write(proxyHeaderFor(version, { address: this.facts.sourceIp, port: this.clientPort }, destination));
    }
    socket.on('data', this.onUpstreamDataBound);
    socket.on('end', this.onUpstreamEndBound);
    socket.on('drain', this.onUpstreamDrainBound);
    this.phase = P_RELAY;
    this.canPoolReads = this.stream === this.raw && !(socket instanceof tls.TLSSocket);
    this.arm(this.policy.idleMs);
    const pending = this.pending;
    this.pending = null;
    if (pending !== null) this.onClientData(pending);
    if (this.phase !== P_RELAY) return;
    if (this.isClientEnded) this.onClientEnd();
    else this.stream.resume();
  }

  // =============================================================================================
  // Relaying
  // =============================================================================================

  private relayClientChunk(chunk: Buffer): void {
    this.relayed(true, chunk.length);
    const upstream = this.upstream as net.Socket;
    // Switched before the write, so that a pause() for backpressure below stops the reads too.
    if (chunk.length >= BULK_CHUNK_BYTES && this.canPoolReads && this.clientToUpstream === undefined) {
      this.clientToUpstream = BulkDirection.start(this.raw, upstream, relayReadBuffers, this, true);
    }
    if (!upstream.write(chunk)) this.stream.pause();
  }

  /** Counts relayed bytes (from 'data' chunks and from `BulkDirection`s) and marks traffic for the idle check. */
  relayed(isClientToUpstream: boolean, bytes: number): void {
    this.hasTraffic = true;
    const counters = this.listener.context.counters;
    if (isClientToUpstream) {
      this.bytesIn += bytes;
      counters.bytesIn += bytes;
    } else {
      this.bytesOut += bytes;
      counters.bytesOut += bytes;
    }
  }

  /** An untrusted peer's first bytes on a PROXY-protocol listener, seen only once connected. */
  private screenRelayed(): void {
    const pending = this.pending as Buffer;
    const screened = parseProxyHeader(pending, 0, pending.length, ANY_VERSION);
    if (screened.kind === 'incomplete') return;
    if (screened !== PROXY_NONE) return this.fail('protocol-error');
    this.mustScreen = false;
    this.pending = null;
    this.relayClientChunk(pending);
  }

  private onUpstreamData(chunk: Buffer): void {
    this.relayed(false, chunk.length);
    const upstream = this.upstream as net.Socket;
    if (chunk.length >= BULK_CHUNK_BYTES && this.canPoolReads && this.upstreamToClient === undefined) {
      this.upstreamToClient = BulkDirection.start(upstream, this.raw, relayReadBuffers, this, false);
    }
    if (!this.stream.write(chunk)) upstream.pause();
  }

  private onClientEnd(): void {
    this.isClientEnded = true;
    switch (this.phase) {
      case P_PROXY:
        // The stream ended inside the header (or before it): truncated.
        return this.fail('protocol-error');
      case P_HELLO:
        return this.readHello(true);
      case P_CONNECT:
        // Passed on once connected.
        this.cause ??= 'client-closed';
        return;
      case P_RELAY:
        // A peer that stopped inside a PROXY signature sent a truncated header: nothing is passed on.
        if (this.mustScreen) return this.fail('protocol-error');
        this.cause ??= 'client-closed';
        (this.upstream as net.Socket).end();
        return this.closeIfBothEnded();
      default:
        return;
    }
  }

  private onUpstreamEnd(): void {
    this.isUpstreamEnded = true;
    this.cause ??= 'upstream-closed';
    this.stream.end();
    this.closeIfBothEnded();
  }

  /** Both FINs passed on: the sockets close once their writes are flushed; nothing left to time. */
  private closeIfBothEnded(): void {
    if (this.isClientEnded && this.isUpstreamEnded) this.disarm();
  }

  // =============================================================================================
  // Closing
  // =============================================================================================

  private onClientError(): void {
    this.cause ??= 'socket-error';
  }

  private onUpstreamError(error: Error): void {
    if (this.phase === P_CONNECT) return this.connectFailed((error as NodeJS.ErrnoException).code ?? 'error');
    this.cause ??= 'upstream-closed';
  }

  private onClientClose(): void {
    if (this.isClientClosed) return;
    this.isClientClosed = true;
    // A clean close follows both FINs; anything else (reset, error, a close we made) cuts the upstream.
    if (!this.isUpstreamClosed && !(this.isClientEnded && this.isUpstreamEnded)) (this.upstream as net.Socket).destroy();
    this.finishIfClosed();
  }

  private onUpstreamClose(): void {
    this.isUpstreamClosed = true;
    if (!this.isClientClosed && !(this.isClientEnded && this.isUpstreamEnded)) {
      this.cause ??= 'upstream-closed';
      this.stream.destroy();
    }
    this.finishIfClosed();
  }

  /** Closes both sides now with `cause` (unless a cause was already recorded). */
  private fail(cause: CloseCause): void {
    if (this.phase === P_CLOSED) return;
    this.hasFailed = true;
    this.cause ??= cause;
    this.disarm();
    this.publishOpened();
    this.upstream?.destroy();
    this.stream.destroy();
    if (this.stream !== this.raw) this.raw.destroy();
  }

  private finishIfClosed(): void {
    if (!this.isClientClosed || !this.isUpstreamClosed || this.phase === P_CLOSED) return;
    const wasRelaying = this.phase === P_RELAY;
    this.phase = P_CLOSED;
    const ctx = this.listener.context;
    ctx.sweeper.remove(this);
    ctx.connections.delete(this);
    ctx.counters.connectionsOpen--;
    const target = this.target;
    if (target !== undefined && wasRelaying && !this.hasFailed) this.upstreamRuntime?.outlier?.recordSuccess(target.index);
    this.releaseTarget();
    // Both sockets are closed: no read or write refers to the pooled buffers any more.
    this.clientToUpstream?.release();
    this.upstreamToClient?.release();
    this.clientToUpstream = this.upstreamToClient = undefined;
    this.publishOpened();
    publishConnClosed(ctx, { connId: this.connId, openedAt: this.openedAt, requests: 0, bytesIn: this.bytesIn, bytesOut: this.bytesOut }, this.cause ?? 'client-closed');
  }

  /** conn.opened, once, when the client address is known (or the connection fails before that). */
  private publishOpened(): void {
    if (this.hasOpened) return;
    this.hasOpened = true;
    const ctx = this.listener.context;
    if (ctx.bus.hasSubscribers(ConnOpened)) {
      ctx.bus.publish(ConnOpened.make({ connId: this.connId, listener: ctx.name, clientAddress: this.facts.sourceIp, clientPort: this.clientPort, at: Date.now() }));
    }
  }

  // =============================================================================================
  // The one deadline
  // =============================================================================================

  private arm(ms: number): void {
    this.deadline = this.listener.context.sweeper.time() + ms;
  }

  private disarm(): void {
    this.deadline = 0;
  }

  onDeadline(): void {
    switch (this.phase) {
      case P_PROXY:
      case P_HANDSHAKE:
        return this.fail('head-timeout');
      case P_HELLO:
        return this.readHello(true);
      case P_CONNECT:
        return this.connectFailed('ETIMEDOUT');
      case P_RELAY:
        if (this.isClientEnded && this.isUpstreamEnded) return;
        if (this.hasTraffic) {
          this.hasTraffic = false;
          this.arm(this.policy.idleMs);
          return;
        }
        return this.fail('idle-timeout');
      default:
        return;
    }
  }
}

function ignore(): void {}
