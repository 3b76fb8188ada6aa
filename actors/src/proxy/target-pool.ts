// Keep-alive connections to one target: reuse idle ones, open new ones within limits, queue the rest.
import net from 'node:net';
import tls from 'node:tls';
import type { DeadlineSweeper } from './deadline-sweeper.js';
import { UpstreamConnection, type ConnectionOwner } from './upstream-connection.js';

export interface PoolEndpoint {
  host: string;
  port: number;
  /** TLS options when the target speaks HTTPS. */
  tls?: tls.ConnectionOptions;
}

export interface PoolLimits {
  maxIdle: number;
  idleTimeoutMs: number;
  /** Concurrent connections allowed; Infinity when unlimited. */
  maxConnections: number;
  connectTimeoutMs: number;
}

/** What waits for a connection: the client exchange. */
export interface PoolClient {
  onUpstreamReady(connection: UpstreamConnection, isReused: boolean): void;
  onUpstreamFailed(error: Error): void;
}

export interface PoolStats {
  open: number;
  idle: number;
  waiting: number;
  created: number;
  reused: number;
}

/**
 * Idle connections are reused most-recent first, so the warmest stay in use and the coldest age
 * out on the idle timeout. When `maxConnections` is reached, clients wait in FIFO order for a
 * released connection; they are failed if the pool is retired.
 */
export class TargetPool implements ConnectionOwner {
  private readonly idle: UpstreamConnection[] = [];
  private readonly connecting = new Map<UpstreamConnection, PoolClient>();
  private readonly waiting: PoolClient[] = [];
  private open = 0;
  private isRetired = false;
  readonly stats: PoolStats = { open: 0, idle: 0, waiting: 0, created: 0, reused: 0 };

  /**
   * `preamble`: bytes written first on every new connection, before TLS if any (a PROXY protocol
   * header). A pool with one is private to one client connection: the header names that client.
   */
  constructor(
    readonly key: string,
    readonly endpoint: PoolEndpoint,
    private limits: PoolLimits,
    private readonly sweeper: DeadlineSweeper,
    private readonly preamble?: Buffer,
  ) {}

  /** Applies new limits from a reload; connections already open are kept. */
  updateLimits(limits: PoolLimits): void {
    this.limits = limits;
    while (this.idle.length > limits.maxIdle) this.idle.shift()?.destroy();
  }

  /** Hands `client` a connection now or later; returns true when it has to wait for a free slot. */
  acquire(client: PoolClient): boolean {
    while (this.idle.length > 0) {
      const connection = this.idle.pop() as UpstreamConnection;
      if (connection.isClosed || connection.socket.destroyed) continue;
      this.sweeper.remove(connection);
      connection.deadline = 0;
      connection.requests++;
      this.stats.reused++;
      client.onUpstreamReady(connection, true);
      return false;
    }
    if (this.open >= this.limits.maxConnections) {
      this.waiting.push(client);
      return true;
    }
    this.connect(client);
    return false;
  }

  /** Forgets a client that no longer wants a connection (it timed out or went away). */
  cancel(client: PoolClient): void {
    const index = this.waiting.indexOf(client);
    if (index >= 0) this.waiting.splice(index, 1);
    for (const [connection, waiter] of this.connecting) {
      if (waiter === client) {
        this.connecting.delete(connection);
        connection.destroy();
      }
    }
  }

  /** Returns a connection after an exchange; only a cleanly finished one may be reused. */
  release(connection: UpstreamConnection, isReusable: boolean): void {
    connection.user = undefined;
    if (connection.isClosed) return;
    if (!isReusable || this.isRetired) {
      connection.destroy();
      return;
    }
    // The exchange may have paused it for a slow client (backpressure) and finished before the
    // client drained: a pooled connection always reads, so the next exchange gets its response and an
    // idle one sees the origin's FIN.
    if (connection.socket.isPaused()) connection.socket.resume();
    const waiter = this.waiting.shift();
    if (waiter !== undefined) {
      connection.requests++;
      this.stats.reused++;
      waiter.onUpstreamReady(connection, true);
      return;
    }
    if (this.idle.length >= this.limits.maxIdle) {
      connection.destroy();
      return;
    }
    connection.deadline = this.sweeper.time() + this.limits.idleTimeoutMs;
    this.sweeper.add(connection);
    this.idle.push(connection);
  }

  /** Closes the idle connections now; busy ones go back to the pool as usual. */
  closeIdle(): void {
    for (const connection of this.idle.splice(0)) connection.destroy();
  }

  /** Closes idle connections and refuses to pool more; busy ones finish and are closed on release. */
  retire(): void {
    this.isRetired = true;
    for (const connection of this.idle.splice(0)) connection.destroy();
    for (const waiter of this.waiting.splice(0)) waiter.onUpstreamFailed(new Error('upstream removed by a reload'));
  }

  snapshotStats(): PoolStats {
    this.stats.open = this.open;
    this.stats.idle = this.idle.length;
    this.stats.waiting = this.waiting.length;
    return this.stats;
  }

  connectionSettled(connection: UpstreamConnection, error: Error | undefined): void {
    const client = this.connecting.get(connection);
    if (client === undefined) return;
    this.connecting.delete(connection);
    if (error === undefined) {
      connection.requests = 1;
      client.onUpstreamReady(connection, false);
    } else {
      connection.destroy();
      client.onUpstreamFailed(error);
    }
  }

  connectionClosed(connection: UpstreamConnection): void {
    this.open--;
    this.sweeper.remove(connection);
    const index = this.idle.indexOf(connection);
    if (index >= 0) this.idle.splice(index, 1);
    // A slot freed up: the next waiter gets a fresh connection.
    const waiter = this.waiting.shift();
    if (waiter !== undefined) this.connect(waiter);
  }

  idleTimedOut(connection: UpstreamConnection): void {
    connection.destroy();
  }

  private connect(client: PoolClient): void {
    const { host, port } = this.endpoint;
    const options = this.endpoint.tls;
    let socket: net.Socket;
    if (this.preamble === undefined) {
      socket = options === undefined ? net.connect({ host, port }) : tls.connect({ ...options, host, port, ALPNProtocols: ['http/1.1'] });
    } else {
      // The PROXY header travels on the TCP connection itself, ahead of any TLS handshake.
      const raw = net.connect({ host, port });
      raw.write(this.preamble);
      socket = options === undefined ? raw : tls.connect({ ...options, socket: raw, ALPNProtocols: ['http/1.1'] });
    }
    const connection = new UpstreamConnection(socket, this, options === undefined ? 'connect' : 'secureConnect');
    this.open++;
    this.stats.created++;
    this.connecting.set(connection, client);
    connection.deadline = this.sweeper.time() + this.limits.connectTimeoutMs;
    this.sweeper.add(connection);
  }
}
