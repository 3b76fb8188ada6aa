// A growable byte buffer that the event encoders write into, so that no per-event string or Buffer is made.

/**
 * Bytes written at `pos` into `buf`, which grows (doubling) when a write needs more room. The
 * encoders write each event's bytes straight into one reused buffer: no per-event string (template
 * strings make ropes that are flattened again to count and copy them), no per-event Buffer, and no
 * `Buffer.byteLength` pass.
 *
 * Whoever hands `buf` to I/O (a socket write may hold it until written) must not write into it again
 * until that write is done: `detach` gives the buffer away and starts a new one.
 * @example
 * const w = new ByteWriter(1024);
 * w.raw(OPEN_BRACE); w.int(42);
 * socket.write(w.buf.subarray(0, w.pos));
 */
export class ByteWriter {
  buf: Buffer;
  pos = 0;

  constructor(capacity: number) {
    this.buf = Buffer.allocUnsafeSlow(capacity);
  }

  /** Room for `n` more bytes at `pos`. */
  ensure(n: number): void {
    if (this.pos + n > this.buf.length) this.grow(n);
  }

  /**
   * Gives the current buffer away (to a write still in flight) and continues in `next` (a spare of
   * the caller's, or a new one of the same capacity), empty.
   */
  detach(next: Buffer | undefined): Buffer {
    const old = this.buf;
    this.buf = next ?? Buffer.allocUnsafeSlow(old.length);
    this.pos = 0;
    return old;
  }

  /** One byte. */
  byte(b: number): void {
    this.ensure(1);
    this.buf[this.pos++] = b;
  }

  /**
   * A constant chunk (a key with its punctuation). `TypedArray.prototype.set` costs about the same
   * whatever the length (~25 ns here), a byte loop ~2 ns a byte: the loop only for the shortest.
   */
  raw(bytes: Uint8Array): void {
    const n = bytes.length;
    this.ensure(n);
    if (n > 8) {
      this.buf.set(bytes, this.pos);
      this.pos += n;
      return;
    }
    const buf = this.buf;
    let p = this.pos;
    for (let i = 0; i < n; i++) buf[p++] = bytes[i] as number;
    this.pos = p;
  }

  /** `src[start..end)`, a whole encoded event: a native copy pays off at this size. */
  copy(src: Buffer, start: number, end: number): void {
    this.ensure(end - start);
    this.pos += src.copy(this.buf, this.pos, start, end);
  }

  /** A string of ASCII characters only (digits, a number's text), one byte each. */
  ascii(s: string): void {
    const n = s.length;
    this.ensure(n);
    const buf = this.buf;
    let p = this.pos;
    for (let i = 0; i < n; i++) buf[p++] = s.charCodeAt(i);
    this.pos = p;
  }

  /** Any string as UTF-8 (the generic encoders' JSON text). */
  utf8(s: string): void {
    // Three bytes per UTF-16 unit at most (a pair, two units, takes four).
    this.ensure(s.length * 3);
    this.pos += this.buf.write(s, this.pos, 'utf8');
  }

  /**
   * A safe integer in decimal, as `String(n)` writes it (`-0` as `0`). Written with integer
   * arithmetic on at most two parts below 1e9, so an epoch-millisecond timestamp needs no
   * number-to-string conversion.
   */
  int(n: number): void {
    this.ensure(17);
    if (n < 0) {
      this.buf[this.pos++] = 0x2d;
      n = -n;
    }
    if (n < 1e9) {
      this.digits(n);
      return;
    }
    const high = Math.floor(n / 1e9);
    this.digits(high);
    this.padded9(n - high * 1e9);
  }

  /** `n` in [0, 1e9) without leading zeros. */
  private digits(n: number): void {
    const buf = this.buf;
    let v = n | 0;
    let count = 1;
    for (let t = v; t >= 10; t = (t / 10) | 0) count++;
    let p = this.pos + count;
    this.pos = p;
    do {
      const q = (v / 10) | 0;
      buf[--p] = 0x30 + (v - q * 10);
      v = q;
    } while (v !== 0);
  }

  /** `n` in [0, 1e9) as exactly nine digits. */
  private padded9(n: number): void {
    const buf = this.buf;
    let v = n | 0;
    let p = this.pos + 9;
    this.pos = p;
    for (let i = 0; i < 9; i++) {
      const q = (v / 10) | 0;
      buf[--p] = 0x30 + (v - q * 10);
      v = q;
    }
  }

  private grow(n: number): void {
    const next = Buffer.allocUnsafeSlow(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }
}

/** The bytes of an ASCII constant, made once at load. */
export function asciiBytes(s: string): Uint8Array {
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
}
