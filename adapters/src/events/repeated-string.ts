// The encoded bytes of one key and its string value, kept while the value repeats from one event to the next.
import type { ByteWriter } from './byte-writer.js';

/**
 * A string field whose value often repeats between events (a listener, an address, a route, the
 * request id across one request's steps): the bytes of key and value for the last value seen,
 * written in one copy when the value comes again. A new value is written by `writeValue` and its
 * bytes kept: copied out (the writer's buffer is reused for every event, and handed to sockets),
 * into the same array when the length is unchanged, so a request id of the usual length costs no
 * allocation.
 */
export class RepeatedString {
  private value: string | undefined = undefined;
  private bytes: Uint8Array = new Uint8Array(0);

  constructor(
    private readonly key: Uint8Array,
    private readonly writeValue: (w: ByteWriter, value: string) => void,
  ) {}

  write(w: ByteWriter, value: string): void {
    if (value === this.value) {
      w.raw(this.bytes);
      return;
    }
    const start = w.pos;
    w.raw(this.key);
    this.writeValue(w, value);
    const n = w.pos - start;
    if (this.bytes.length !== n) this.bytes = new Uint8Array(n);
    const bytes = this.bytes;
    const buf = w.buf;
    for (let i = 0; i < n; i++) bytes[i] = buf[start + i] as number;
    this.value = value;
  }
}
