// Read buffers for bulk TCP relaying, kept once their pages are touched so the next connection reuses them.

/**
 * Bytes per read of a relaying direction in bulk mode. Bigger than Node's 64 KiB: a read of
 * 256 KiB is one syscall and one write on to the peer instead of four, and on loopback every
 * write wakes the receiver. Measured (test/bench/l4, 1 GiB): 64 KiB ~1,200 MB/s, 128 KiB ~1,150,
 * 256 KiB ~1,700, 512 KiB ~1,200 with a wide spread. Held only by connections in bulk mode.
 */
export const RELAY_READ_BYTES = 256 * 1024;

/** Free buffers kept; beyond this, returned ones are left to the GC (8 MiB at 256 KiB each). */
export const MAX_FREE_READ_BUFFERS = 32;

/**
 * A free list of equal-sized buffers. `take` never hands out a buffer still in use: callers `give`
 * back only buffers no read or write refers to any more. Contents are left as they were (no
 * zeroing): a reader only ever looks at the bytes its own read just wrote.
 */
export class ReadBufferPool {
  private readonly free: Buffer[] = [];

  constructor(
    readonly bufferBytes: number = RELAY_READ_BYTES,
    private readonly maxFree: number = MAX_FREE_READ_BUFFERS,
  ) {}

  take(): Buffer {
    // allocUnsafeSlow: a buffer of its own, not a slice of Node's shared pool.
    return this.free.pop() ?? Buffer.allocUnsafeSlow(this.bufferBytes);
  }

  give(buffer: Buffer): void {
    if (this.free.length < this.maxFree && buffer.length === this.bufferBytes) this.free.push(buffer);
  }

  get freeCount(): number {
    return this.free.length;
  }
}

/** The process's pool: buffers are process memory, shared by every listener's connections. */
export const relayReadBuffers = new ReadBufferPool();
