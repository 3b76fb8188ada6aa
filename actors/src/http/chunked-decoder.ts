// Decodes a chunked message body (RFC 9112 §7.1) as a streaming state machine over arbitrary splits.
import { CR, DQUOTE, EQUALS, HEX_VALUE, HTAB, LF, QDTEXT, QUOTED_PAIR_CHAR, SEMICOLON, SP, TCHAR } from './char-classes.js';
import { FieldScan } from './field-facts.js';
import { SCAN_ERROR, fieldArray, scanFieldSection } from './field-section.js';
import { latin1Slice } from './buffer-latin1.js';
import type { HttpErrorCode } from './http-error-codes.js';

/** Receives what the decoder finds. Set once in the constructor; methods are called synchronously from `feed`. */
export interface ChunkedHandler {
  /** A slice of chunk data: a view into the fed buffer, valid until the caller reuses that buffer. */
  onData(chunk: Buffer): void;
  /** The message ended; `trailers` is `[name, value, ...]`, empty when there were none. */
  onEnd(trailers: string[]): void;
  /** The framing is broken; the connection must be closed (400 to a client, 502 for an upstream). */
  onError(code: HttpErrorCode, reason: string): void;
}

export interface ChunkedDecoderOptions {
  /** Bytes of chunk extensions allowed on one chunk-size line (default 1024). */
  readonly maxExtensionBytes?: number;
  /** Bytes of the whole trailer section, final CRLF included (default 8192). */
  readonly maxTrailerBytes?: number;
  /** Trailer field lines (default 32). */
  readonly maxTrailerCount?: number;
}

/** Hex digits allowed in a chunk size, leading zeros included; 13 digits already exceed any safe size. */
const MAX_SIZE_DIGITS = 16;
/** chunk-size * 16 + 15 must stay a safe integer. */
const MAX_SIZE_BEFORE_SHIFT = Math.floor((Number.MAX_SAFE_INTEGER - 15) / 16);
const EMPTY_TRAILERS: string[] = [];

// States, as small integers so the switch compiles to a jump table.
const S_SIZE = 0; // reading HEXDIG of chunk-size
const S_SIZE_WS = 1; // BWS seen after the size or an ext value: only ';' or more BWS may follow
const S_EXT_PRE_NAME = 2; // after ';', BWS then chunk-ext-name
const S_EXT_NAME = 3;
const S_EXT_NAME_WS = 4; // BWS after a name: '=' or ';' may follow
const S_EXT_PRE_VALUE = 5; // after '=', BWS then token or quoted-string
const S_EXT_TOKEN = 6;
const S_EXT_QUOTED = 7;
const S_EXT_QUOTED_ESCAPE = 8;
const S_EXT_AFTER_QUOTED = 9;
const S_SIZE_LF = 10; // CR seen at the end of the chunk-size line
const S_DATA = 11;
const S_DATA_CR = 12;
const S_DATA_LF = 13;
const S_TRAILER = 14; // collecting the trailer section
const S_DONE = 15;
const S_FAILED = 16;

/**
 * A streaming chunked-body decoder. Feed it the bytes that follow a head whose framing is 'chunked';
 * it emits the chunk data as zero-copy views, validates every framing byte, and stops exactly at the
 * end of the message so the bytes after it (a pipelined request) can be handed back.
 *
 * Accepted grammar (RFC 9112 §7.1): chunk-size = 1*HEXDIG (at most 16 digits and a safe integer);
 * chunk-ext = *( BWS ";" BWS name [ BWS "=" BWS ( token / quoted-string ) ] ), bounded in length;
 * CRLF exactly after the size line and after the data; last-chunk "0"; trailer fields under the same
 * rules as header fields; then the final CRLF. Extensions are validated and dropped: the proxy
 * re-frames the body, so they never travel further.
 *
 * @example
 * const decoder = new ChunkedDecoder({ onData: (c) => upstream.write(c), onEnd, onError });
 * const used = decoder.feed(buf, bodyStart, buf.length);
 * if (decoder.isDone) parseNext(buf, bodyStart + used);
 */
export class ChunkedDecoder {
  private readonly handler: ChunkedHandler;
  private readonly maxExtensionBytes: number;
  private readonly maxTrailerBytes: number;
  private readonly maxTrailerCount: number;
  private state = S_SIZE;
  private size = 0;
  private sizeDigits = 0;
  private extensionBytes = 0;
  private remaining = 0;
  private trailer: Buffer | null = null;
  private trailerLength = 0;
  private trailerLineStart = 0;
  private readonly scan = new FieldScan();

  constructor(handler: ChunkedHandler, options: ChunkedDecoderOptions = {}) {
    this.handler = handler;
    this.maxExtensionBytes = options.maxExtensionBytes ?? 1024;
    this.maxTrailerBytes = options.maxTrailerBytes ?? 8192;
    this.maxTrailerCount = options.maxTrailerCount ?? 32;
  }

  /** The last chunk and trailer section have been read; `feed` consumes nothing more. */
  get isDone(): boolean {
    return this.state === S_DONE;
  }

  /** An error was reported; the decoder consumes nothing more. */
  get isFailed(): boolean {
    return this.state === S_FAILED;
  }

  /** Prepares the decoder for the next chunked message on the same connection. */
  reset(): void {
    this.state = S_SIZE;
    this.size = 0;
    this.sizeDigits = 0;
    this.extensionBytes = 0;
    this.remaining = 0;
    this.trailerLength = 0;
    this.trailerLineStart = 0;
  }

  /**
   * Decodes buf[start, end) and returns how many of those bytes belong to this body. When the message
   * ends inside the range, the bytes from start + result on are not consumed. After an error the result
   * is the offset of the offending byte relative to start, and `isFailed` is true.
   * Handlers must not feed this decoder re-entrantly.
   */
  feed(buf: Buffer, start = 0, end = buf.length): number {
    let pos = start;
    let state = this.state;
    while (pos < end) {
      switch (state) {
        case S_DATA: {
          const available = end - pos;
          const take = available < this.remaining ? available : this.remaining;
          this.remaining -= take;
          pos += take;
          if (this.remaining === 0) state = S_DATA_CR;
          this.state = state;
          this.handler.onData(buf.subarray(pos - take, pos));
          continue;
        }
        case S_SIZE: {
          const b = buf[pos] as number;
          const v = HEX_VALUE[b] as number;
          if (v >= 0) {
            if (this.sizeDigits === MAX_SIZE_DIGITS || this.size > MAX_SIZE_BEFORE_SHIFT) {
              return this.fail(pos - start, 'ERR_HTTP_CHUNK_SIZE', 'chunk size too large');
            }
            this.size = this.size * 16 + v;
            this.sizeDigits++;
            pos++;
            continue;
          }
          if (this.sizeDigits === 0) return this.fail(pos - start, 'ERR_HTTP_CHUNK_SIZE', 'chunk size is not hexadecimal');
          if (b === CR) state = S_SIZE_LF;
          else if (b === SEMICOLON) state = S_EXT_PRE_NAME;
          else if (b === SP || b === HTAB) state = S_SIZE_WS;
          else if (b === LF) return this.fail(pos - start, 'ERR_HTTP_BARE_LF', 'chunk size line ends with a bare LF');
          else return this.fail(pos - start, 'ERR_HTTP_CHUNK_SIZE', 'chunk size is not hexadecimal');
          pos++;
          if (state !== S_SIZE_LF) this.extensionBytes = 1;
          continue;
        }
        case S_SIZE_LF: {
          if (buf[pos] !== LF) return this.fail(pos - start, 'ERR_HTTP_BARE_CR', 'CR not followed by LF');
          pos++;
          if (this.size === 0) {
            state = S_TRAILER;
            this.trailerLength = 0;
            this.trailerLineStart = 0;
          } else {
            state = S_DATA;
            this.remaining = this.size;
          }
          this.size = 0;
          this.sizeDigits = 0;
          continue;
        }
        case S_DATA_CR:
          if (buf[pos] !== CR) return this.fail(pos - start, 'ERR_HTTP_CHUNK_DATA_CRLF', 'chunk data not followed by CRLF');
          pos++;
          state = S_DATA_LF;
          continue;
        case S_DATA_LF:
          if (buf[pos] !== LF) return this.fail(pos - start, 'ERR_HTTP_CHUNK_DATA_CRLF', 'chunk data not followed by CRLF');
          pos++;
          state = S_SIZE;
          continue;
        case S_TRAILER: {
          const used = this.collectTrailer(buf, pos, end);
          if (used < 0) return this.fail(pos - start + ~used, this.scan.errorCode, this.scan.errorReason);
          pos += used;
          if (this.state === S_DONE) return pos - start;
          continue;
        }
        case S_DONE:
        case S_FAILED:
          return pos - start;
        default: {
          // Chunk extensions: validated byte by byte, bounded, then dropped.
          if (++this.extensionBytes > this.maxExtensionBytes) {
            return this.fail(pos - start, 'ERR_HTTP_CHUNK_EXT', 'chunk extensions too long');
          }
          const next = extensionStep(state, buf[pos] as number);
          if (next < 0) {
            const b = buf[pos];
            if (b === LF) return this.fail(pos - start, 'ERR_HTTP_BARE_LF', 'chunk size line ends with a bare LF');
            return this.fail(pos - start, 'ERR_HTTP_CHUNK_EXT', 'malformed chunk extension');
          }
          state = next;
          pos++;
          continue;
        }
      }
    }
    this.state = state;
    return pos - start;
  }

  /**
   * Copies trailer bytes into a bounded buffer until the empty line that ends the section, then parses
   * them with the header-field rules. Returns bytes used, or ~offset (negative) of an error.
   */
  private collectTrailer(buf: Buffer, pos: number, end: number): number {
    let trailer = this.trailer;
    let length = this.trailerLength;
    let lineStart = this.trailerLineStart;
    let i = pos;
    // The usual case: no trailers, the section is just CRLF.
    if (length === 0 && end - pos >= 2 && buf[pos] === CR && buf[pos + 1] === LF) {
      this.finish(EMPTY_TRAILERS);
      return 2;
    }
    if (trailer === null) {
      trailer = Buffer.allocUnsafe(this.maxTrailerBytes);
      this.trailer = trailer;
    }
    while (i < end) {
      if (length === this.maxTrailerBytes) {
        this.scan.fail(400, 'ERR_HTTP_TRAILER_TOO_LARGE', 'trailer section too large');
        return ~(i - pos);
      }
      const b = buf[i] as number;
      if (length > 0 && trailer[length - 1] === CR && b !== LF) {
        this.scan.fail(400, 'ERR_HTTP_BARE_CR', 'CR not followed by LF in the trailer section');
        return ~(i - pos);
      }
      trailer[length++] = b;
      i++;
      if (b !== LF) continue;
      if (length < 2 || trailer[length - 2] !== CR) {
        this.scan.fail(400, 'ERR_HTTP_BARE_LF', 'trailer line ends with a bare LF');
        return ~(i - 1 - pos);
      }
      if (length - lineStart === 2) {
        // The empty line: the section is complete. Parse it with the field-line rules.
        this.scan.reset();
        const parsed = scanFieldSection(trailer, 0, length, this.maxTrailerCount, this.scan, false);
        if (parsed === SCAN_ERROR || parsed !== length) {
          if (parsed !== SCAN_ERROR) this.scan.fail(400, 'ERR_HTTP_HEADER_NAME', 'malformed trailer section');
          if (this.scan.errorCode === 'ERR_HTTP_TOO_MANY_HEADERS') this.scan.fail(400, 'ERR_HTTP_TRAILER_TOO_LARGE', 'too many trailer fields');
          return ~(i - 1 - pos);
        }
        this.trailerLength = 0;
        this.finish(fieldArray(latin1Slice(trailer, 0, length), 0, this.scan));
        return i - pos;
      }
      lineStart = length;
    }
    this.trailerLength = length;
    this.trailerLineStart = lineStart;
    return i - pos;
  }

  private finish(trailers: string[]): void {
    this.state = S_DONE;
    this.handler.onEnd(trailers);
  }

  private fail(offset: number, code: HttpErrorCode, reason: string): number {
    this.state = S_FAILED;
    this.handler.onError(code, reason);
    return offset;
  }
}

/**
 * One step of the chunk-extension grammar (RFC 9112 §7.1.1), or -1 for a byte it does not allow.
 * BWS is allowed only where the grammar puts it: before ';', around '='. Whitespace before the CRLF
 * is not (no BWS follows the last extension), which also refuses "1 \r\n".
 */
function extensionStep(state: number, b: number): number {
  switch (state) {
    case S_SIZE_WS:
      if (b === SP || b === HTAB) return S_SIZE_WS;
      return b === SEMICOLON ? S_EXT_PRE_NAME : -1;
    case S_EXT_PRE_NAME:
      if (b === SP || b === HTAB) return S_EXT_PRE_NAME;
      return TCHAR[b] === 1 ? S_EXT_NAME : -1;
    case S_EXT_NAME:
      if (TCHAR[b] === 1) return S_EXT_NAME;
      if (b === EQUALS) return S_EXT_PRE_VALUE;
      if (b === SEMICOLON) return S_EXT_PRE_NAME;
      if (b === SP || b === HTAB) return S_EXT_NAME_WS;
      return b === CR ? S_SIZE_LF : -1;
    case S_EXT_NAME_WS:
      if (b === SP || b === HTAB) return S_EXT_NAME_WS;
      if (b === EQUALS) return S_EXT_PRE_VALUE;
      return b === SEMICOLON ? S_EXT_PRE_NAME : -1;
    case S_EXT_PRE_VALUE:
      if (b === SP || b === HTAB) return S_EXT_PRE_VALUE;
      if (b === DQUOTE) return S_EXT_QUOTED;
      return TCHAR[b] === 1 ? S_EXT_TOKEN : -1;
    case S_EXT_TOKEN:
      if (TCHAR[b] === 1) return S_EXT_TOKEN;
      if (b === SEMICOLON) return S_EXT_PRE_NAME;
      if (b === SP || b === HTAB) return S_SIZE_WS;
      return b === CR ? S_SIZE_LF : -1;
    case S_EXT_QUOTED:
      if (b === DQUOTE) return S_EXT_AFTER_QUOTED;
      if (b === 0x5c) return S_EXT_QUOTED_ESCAPE;
      return QDTEXT[b] === 1 ? S_EXT_QUOTED : -1;
    case S_EXT_QUOTED_ESCAPE:
      return QUOTED_PAIR_CHAR[b] === 1 ? S_EXT_QUOTED : -1;
    case S_EXT_AFTER_QUOTED:
      if (b === SEMICOLON) return S_EXT_PRE_NAME;
      if (b === SP || b === HTAB) return S_SIZE_WS;
      return b === CR ? S_SIZE_LF : -1;
    default:
      return -1;
  }
}
