// Typed access to Node's latin1 fast paths, which skip the encoding dispatch of toString/write.

/**
 * `Buffer.prototype.latin1Slice` / `latin1Write` exist on every supported Node (>= 20) but are not in
 * @types/node. They are what `toString('latin1', s, e)` and `write(s, o, 'latin1')` end up calling, minus
 * the encoding lookup, which matters when called once per header field.
 */
interface Latin1Buffer {
  latin1Slice(start: number, end: number): string;
  latin1Write(value: string, offset: number, length?: number): number;
}

/** Decodes buf[start, end) as latin1: one string per call, bytes 0x80-0xFF kept as U+0080-U+00FF. */
export function latin1Slice(buf: Buffer, start: number, end: number): string {
  return (buf as unknown as Latin1Buffer).latin1Slice(start, end);
}

/** Writes `value` as latin1 at `offset` and returns the bytes written (= value.length when it fits). */
export function latin1Write(buf: Buffer, value: string, offset: number): number {
  return (buf as unknown as Latin1Buffer).latin1Write(value, offset, value.length);
}

/** `value` (every character U+0000-U+00FF) as one new Buffer of latin1 bytes. */
export function latin1Buffer(value: string): Buffer {
  const buf = Buffer.allocUnsafe(value.length);
  latin1Write(buf, value, 0);
  return buf;
}
