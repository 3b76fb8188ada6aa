// One direction of a relaying TCP session once it carries bulk data: reads into pooled buffers and writes them straight on.
import type net from 'node:net';
import type { ReadBufferPool } from './read-buffer-pool.js';
import { readIntoUserBuffers, type UserBufferReader } from '../net/user-buffer-reads.js';

/** Where a direction reports what it relayed (byte counts, traffic for the idle check). */
export interface RelayedBytes {
  relayed(isClientToUpstream: boolean, bytes: number): void;
}

/**
 * Relays `from` → `to` through a reused buffer instead of a fresh one per read. Writing a view of
 * the buffer is safe to overwrite by the next read only once `to` holds no unfinished write: on a
 * plain TCP socket a write the kernel takes whole completes inside `write()` (writableLength back
 * at 0); one that did not (a full send buffer, or a write queued behind another) keeps a view, and
 * the next read then goes into a second buffer, the first one returning to the pool once `to` has
 * flushed. Backpressure is as with 'data': `onRead` returns false when `write()` does (Node then
 * stops reading), and the session's 'drain' handler on `to` resumes `from`.
 *
 * Buffers are held until `release()` (the session closed); both sockets must be closed by then,
 * so no read or write can touch them afterwards.
 */
export class BulkDirection implements UserBufferReader {
  private current: Buffer;
  /** The buffer an unfinished write of `to` still refers to, if any. */
  private lent: Buffer | null = null;

  private constructor(
    private readonly to: net.Socket,
    private readonly pool: ReadBufferPool,
    private readonly counter: RelayedBytes,
    private readonly isClientToUpstream: boolean,
  ) {
    this.current = pool.take();
  }

  /**
   * Switches `from` to pooled reads; undefined (nothing changed, 'data' events go on) when the
   * socket or this Node does not allow it.
   */
  static start(from: net.Socket, to: net.Socket, pool: ReadBufferPool, counter: RelayedBytes, isClientToUpstream: boolean): BulkDirection | undefined {
    const direction = new BulkDirection(to, pool, counter, isClientToUpstream);
    if (readIntoUserBuffers(from, direction.current, direction)) return direction;
    pool.give(direction.current);
    return undefined;
  }

  onRead(nread: number, buffer: Buffer): boolean {
    this.counter.relayed(this.isClientToUpstream, nread);
    return this.to.write(buffer.subarray(0, nread));
  }

  nextBuffer(): Buffer {
    if (this.to.writableLength === 0) {
      // Every write so far is complete: the kernel has copied the bytes out of both buffers.
      if (this.lent !== null) this.pool.give(this.lent);
      this.lent = null;
      return this.current;
    }
    // `to` still refers to `current`. An older lent buffer may be referred to as well: it is left
    // to the GC rather than pooled (it goes once its write completes).
    this.lent = this.current;
    this.current = this.pool.take();
    return this.current;
  }

  /** Returns the buffers; only once both sockets are closed. */
  release(): void {
    this.pool.give(this.current);
    if (this.lent !== null) this.pool.give(this.lent);
    this.lent = null;
  }
}
