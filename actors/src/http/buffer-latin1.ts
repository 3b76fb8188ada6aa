// Typed access to Node's latin1 fast path for decoding, which skips the encoding dispatch of toString.

/**
 * `Buffer.prototype.latin1Slice` exists on every supported Node (>= 20) but is not in @types/node. It
 * is what `toString('latin1', s, e)` ends up calling, minus the encoding lookup, which matters when
 * called once per header field. (Heads are written as latin1 strings by `socket.write(text, 'latin1')`.)
 */
interface Latin1Buffer {
  latin1Slice(start: number, end: number): string;
}

/** Decodes buf[start, end) as latin1: one string per call, bytes 0x80-0xFF kept as U+0080-U+00FF. */
export function latin1Slice(buf: Buffer, start: number, end: number): string {
  return (buf as unknown as Latin1Buffer).latin1Slice(start, end);
}

