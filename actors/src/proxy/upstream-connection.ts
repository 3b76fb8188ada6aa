// One connection to a target: its socket, its pool, and the exchange currently using it.
import type { Socket } from 'node:net';
import type { Timed } from './deadline-sweeper.js';
import { readThroughSharedBuffer } from '../net/shared-read-buffer.js';

/** The exchange using a connection hears everything its socket says. */
export interface UpstreamUser {
  onUpstreamData(chunk: Buffer): void;
  onUpstreamEnd(): void;
  onUpstreamError(error: Error): void;
  onUpstreamDrain(): void;
}

export interface ConnectionOwner {
  /** Called once when the socket is gone, whoever closed it. */
  connectionClosed(connection: UpstreamConnection): void;
  /** Called when a connect attempt resolves (error undefined) or fails. */
  connectionSettled(connection: UpstreamConnection, error: Error | undefined): void;
  idleTimedOut(connection: UpstreamConnection): void;
}

/**
 * Socket listeners are attached once, as methods bound at construction, and forward to whichever
 * exchange holds the connection now: a pooled connection costs no closures per request.
 */
export class UpstreamConnection implements Timed {
  user: UpstreamUser | undefined = undefined;
  deadline = 0;
  /** Index in the sweeper's SlotSet (-1 outside); the sweeper writes it. */
  sweepSlot = -1;
  isConnected = false;
  isClosed = false;
  /** Requests this connection has carried, for reuse statistics. */
  requests = 0;
  /** Monotonic ms when it went idle in the pool. */
  idleSince = 0;
  private readonly onData = (chunk: Buffer): void => this.handleData(chunk);
  private readonly onEnd = (): void => this.user?.onUpstreamEnd();
  private readonly onError = (error: Error): void => this.handleError(error);
  private readonly onClose = (): void => this.handleClose();
  private readonly onDrain = (): void => this.user?.onUpstreamDrain();
  private readonly onConnect = (): void => this.handleConnect();

  constructor(
    readonly socket: Socket,
    private readonly owner: ConnectionOwner,
    readonly connectEvent: 'connect' | 'secureConnect',
  ) {
    socket.setNoDelay(true);
    // Plain TCP connections read through the process's shared buffer; TLS ones keep 'data' events only.
    readThroughSharedBuffer(socket, this.onData);
    socket.on('data', this.onData);
    socket.on('end', this.onEnd);
    socket.on('error', this.onError);
    socket.on('close', this.onClose);
    socket.on('drain', this.onDrain);
    socket.once(connectEvent, this.onConnect);
  }

  /** The connect deadline fired, or the pooled connection sat idle too long. */
  onDeadline(): void {
    if (!this.isConnected) {
      const error = Object.assign(new Error('upstream connect timed out'), { code: 'ETIMEDOUT' });
      this.owner.connectionSettled(this, error);
      this.destroy();
    } else if (this.user === undefined) {
      this.owner.idleTimedOut(this);
    }
  }

  destroy(): void {
    if (!this.socket.destroyed) this.socket.destroy();
  }

  private handleConnect(): void {
    this.isConnected = true;
    this.deadline = 0;
    this.owner.connectionSettled(this, undefined);
  }

  private handleData(chunk: Buffer): void {
    if (this.user !== undefined) this.user.onUpstreamData(chunk);
    // Bytes on an idle keep-alive connection mean the origin broke framing: never reuse it.
    else this.destroy();
  }

  private handleError(error: Error): void {
    if (!this.isConnected) {
      this.owner.connectionSettled(this, error);
      return;
    }
    this.user?.onUpstreamError(error);
  }

  private handleClose(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    if (!this.isConnected) this.owner.connectionSettled(this, Object.assign(new Error('upstream closed before connecting'), { code: 'ECONNRESET' }));
    const user = this.user;
    this.user = undefined;
    // An exchange still holding the socket learns of the close as an end of stream.
    user?.onUpstreamEnd();
    this.owner.connectionClosed(this);
  }
}
