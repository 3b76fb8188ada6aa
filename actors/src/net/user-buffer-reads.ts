// Lets any plain TCP socket, accepted ones included, read into buffers we own, as `net.connect({ onread })` does.
import net from 'node:net';

/** What a socket reading into user buffers calls, in place of 'data' events. */
export interface UserBufferReader {
  /** `nread` bytes arrived at the start of `buffer`. Returning false stops reading until `socket.resume()`. */
  onRead(nread: number, buffer: Buffer): boolean;
  /** The buffer the next read goes into; asked after every `onRead`. */
  nextBuffer(): Buffer;
}

/** The Socket's private slots that `onread` fills; found by value on a probe socket, not by name. */
interface OnreadSlots {
  readonly buffer: symbol;
  readonly callback: symbol;
  readonly generator: symbol;
}

/** The part of a TCP handle (`TCPWrap`, a StreamBase) that switches reads to a caller's buffer. */
interface UserBufferHandle {
  useUserBuffer(buffer: Uint8Array): void;
}

const slots = findOnreadSlots();

/** Whether this Node lets `readIntoUserBuffers` work; when false callers keep 'data' events. */
export const canReadIntoUserBuffers = slots !== undefined;

/**
 * Switches `socket` (a plain TCP socket, not TLS) to reading into buffers `reader` hands out:
 * from then on each read calls `reader.onRead` instead of emitting 'data'. Bytes read before the
 * switch and still in the socket's readable buffer are emitted as 'data' first, in order;
 * 'end', 'close', `pause()` and `resume()` work as before. Returns false, changing nothing, when
 * this Node or this socket does not allow it.
 *
 * Why: by default Node allocates a fresh 64 KiB buffer for every read. At bulk rates those are
 * new pages from malloc each time (glibc gives the freed ones back to the kernel after each
 * scavenge), so a relay pays a page fault per 4 KiB relayed — a fifth of its CPU (perf) — plus
 * the GC of the buffers. Node only offers the remedy (`onread`) to sockets it connects; accepted
 * sockets get it here by filling the same private slots `net.Socket`'s constructor fills from
 * `onread` and calling the handle's `useUserBuffer`, exactly what the constructor does next.
 * The slots are identified at load time on a probe built with `onread`, so a Node that renames
 * or drops them turns this off (`canReadIntoUserBuffers`) instead of misbehaving.
 */
export function readIntoUserBuffers(socket: net.Socket, first: Buffer, reader: UserBufferReader): boolean {
  const handle = (socket as unknown as { _handle: Partial<UserBufferHandle> | null })._handle;
  if (slots === undefined || handle === null || typeof handle.useUserBuffer !== 'function') return false;
  const target = socket as unknown as Record<symbol, unknown>;
  target[slots.buffer] = first;
  // Node calls both with the socket as `this`; these two closures are made once per bulk direction.
  target[slots.callback] = (nread: number, buffer: Buffer): boolean => reader.onRead(nread, buffer);
  target[slots.generator] = (): Buffer => reader.nextBuffer();
  handle.useUserBuffer(first);
  return true;
}

function findOnreadSlots(): OnreadSlots | undefined {
  const callback = (): boolean => true;
  const generator = (): Buffer => Buffer.alloc(0);
  // An unconnected socket: no handle, no file descriptor; nothing to close.
  // (@types/node lists `onread` for connect() only; the constructor is what reads it.)
  const probe = new net.Socket({ onread: { buffer: generator, callback } } as net.SocketConstructorOpts);
  const own = probe as unknown as Record<symbol, unknown>;
  let buffer: symbol | undefined;
  let callbackSlot: symbol | undefined;
  let generatorSlot: symbol | undefined;
  for (const symbol of Object.getOwnPropertySymbols(probe)) {
    const value = own[symbol];
    if (value === callback) callbackSlot = symbol;
    else if (value === generator) generatorSlot = symbol;
    // With a generator the constructor stores `true` in the buffer slot (the buffer comes later).
    else if (value === true && symbol.description === 'kBuffer') buffer = symbol;
  }
  if (buffer === undefined || callbackSlot === undefined || generatorSlot === undefined) return undefined;
  return { buffer, callback: callbackSlot, generator: generatorSlot };
}
