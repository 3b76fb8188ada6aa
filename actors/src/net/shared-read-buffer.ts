// HTTP sockets read into one process-wide buffer and hand each read on as a small copy (or, when large, the buffer itself).
import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import { readIntoUserBuffers, type UserBufferReader } from './user-buffer-reads.js';

/** As much as one read takes; the size Node reads with by default. */
export const SHARED_READ_BYTES = 64 * 1024;

/**
 * Reads of at least this many bytes are handed on as the buffer itself (which is then replaced);
 * reads between the two bounds are copied into a buffer of their own size. A kept chunk then never
 * holds more than twice its bytes: a client dribbling 5 KiB reads into a parked head must not pin
 * 64 KiB per connection (Node itself shrinks each read's buffer to the bytes read).
 */
export const HANDED_ON_READ_MIN = SHARED_READ_BYTES / 2;

/** The buffer every socket on this path reads into next; replaced when a large read is handed on whole. */
let shared = Buffer.allocUnsafeSlow(SHARED_READ_BYTES);

/**
 * Why: by default Node gives every read an ArrayBuffer of its own (malloc of 64 KiB, a realloc
 * down to the bytes read, an external backing store the young-generation GC must sweep and free).
 * At 50k requests/s a proxy does two reads per request, and sweeping those buffers was half of
 * every scavenge (`--trace-gc-nvp`: scavenge.sweep_array_buffers 0.56 of 1.05 ms). Reading into one
 * buffer that all sockets share and copying the few bytes of a request or response head out of it
 * costs a memcpy and a slab slice instead: measured on the keep-alive bench, 47–48k → 55–57k req/s,
 * scavenges 1.05 → 0.6 ms, p99 2.8 → 2.1–2.5 ms.
 *
 * Sharing is safe because a read's callback runs to completion before the next read anywhere in
 * the process, and what the callback hands on never aliases the shared buffer: a read under half the
 * buffer is copied, and a larger one is handed on as the buffer itself, which is then replaced
 * (what Node would have allocated for it). So consumers keep chunks as long as they like, as with 'data'.
 */
class SharedBufferReads implements UserBufferReader {
  constructor(private readonly deliver: (chunk: Buffer) => void) {}

  onRead(nread: number, buffer: Buffer): boolean {
    if (nread < HANDED_ON_READ_MIN) {
      // Under half of Buffer.poolSize (4 KiB) this carves the copy out of Node's slab, no ArrayBuffer of
      // its own; above, it is a buffer of exactly its size.
      const chunk = Buffer.allocUnsafe(nread);
      buffer.copy(chunk, 0, 0, nread);
      this.deliver(chunk);
    } else {
      if (buffer === shared) shared = Buffer.allocUnsafeSlow(SHARED_READ_BYTES);
      this.deliver(buffer.subarray(0, nread));
    }
    // A consumer that wants no more calls `socket.pause()`, which stops the handle reading too.
    return true;
  }

  nextBuffer(): Buffer {
    return shared;
  }
}

/**
 * Makes `socket`'s reads call `deliver` with chunks it may keep, as 'data' would, through the
 * shared buffer. Returns false, changing nothing, for a TLS socket (its reads are decrypted into
 * buffers of its own) or when this Node does not allow user-buffer reads. Bytes read before the
 * switch still arrive as 'data': callers keep their 'data' listener either way.
 */
export function readThroughSharedBuffer(socket: Socket, deliver: (chunk: Buffer) => void): boolean {
  if (socket instanceof TLSSocket) return false;
  return readIntoUserBuffers(socket, shared, new SharedBufferReads(deliver));
}
