// Writes chunked framing afresh (RFC 9112 §7.1): the proxy never copies the framing bytes it received.

/** Ends one chunk's data. */
export const CHUNK_DATA_END: Buffer = Buffer.from('\r\n', 'latin1');

/** last-chunk and an empty trailer section: "0\r\n\r\n". */
export const LAST_CHUNK: Buffer = Buffer.from('0\r\n\r\n', 'latin1');

/** Sizes up to this are cached on first use; they cover small writes and typical socket reads. */
const CACHE_LIMIT = 16384;
const cache: (Buffer | undefined)[] = new Array<Buffer | undefined>(CACHE_LIMIT + 1);

/**
 * The chunk-size line for a chunk of `length` bytes (> 0): lower-case hex, no extension, CRLF.
 * The result may be a shared cached Buffer: write it, never modify it.
 *
 * @example
 * socket.cork(); socket.write(encodeChunkHeader(data.length)); socket.write(data); socket.write(CHUNK_DATA_END); socket.uncork();
 */
export function encodeChunkHeader(length: number): Buffer {
  if (!Number.isSafeInteger(length) || length <= 0) {
    // A zero-length chunk would end the body early; last-chunk is LAST_CHUNK, written on purpose.
    throw new RangeError(`chunk length must be a positive safe integer, got ${length}`);
  }
  if (length <= CACHE_LIMIT) {
    let header = cache[length];
    if (header === undefined) {
      header = Buffer.from(`${length.toString(16)}\r\n`, 'latin1');
      cache[length] = header;
    }
    return header;
  }
  return Buffer.from(`${length.toString(16)}\r\n`, 'latin1');
}
