// Reads the few framing and connection fields while the field section is scanned, so facts cost no second pass.
import { COMMA, DQUOTE, HTAB, SEMICOLON, SP, TCHAR, bytesEqualLower, equalsLowerAscii } from './char-classes.js';
import type { HttpErrorCode } from './http-error-codes.js';
import { latin1Slice } from './buffer-latin1.js';

const NAME_TE = Buffer.from('te', 'latin1');
const NAME_HOST = Buffer.from('host', 'latin1');
const NAME_EXPECT = Buffer.from('expect', 'latin1');
const NAME_UPGRADE = Buffer.from('upgrade', 'latin1');
const NAME_CONNECTION = Buffer.from('connection', 'latin1');
const NAME_CONTENT_LENGTH = Buffer.from('content-length', 'latin1');
const NAME_TRANSFER_ENCODING = Buffer.from('transfer-encoding', 'latin1');
const CODING_CHUNKED = Buffer.from('chunked', 'latin1');
const TOKEN_CLOSE = Buffer.from('close', 'latin1');
const TOKEN_KEEP_ALIVE = Buffer.from('keep-alive', 'latin1');
const TOKEN_UPGRADE = NAME_UPGRADE;
const TOKEN_TRAILERS = Buffer.from('trailers', 'latin1');
const TOKEN_100_CONTINUE = Buffer.from('100-continue', 'latin1');

/** 16 digits hold every safe integer; more would only be leading zeros or an overflow attempt. */
const MAX_LENGTH_DIGITS = 16;

/**
 * The scratch state of one head scan: the error (if any) and the facts gathered from well-known fields.
 * Each parser module owns one instance and resets it per call; parsing is synchronous, so the instance is
 * never shared between two scans in flight. Every field is set in the constructor, in one order, so the
 * object keeps one hidden class.
 */
export class FieldScan {
  errorCode: HttpErrorCode = 'ERR_HTTP_HEADER_NAME';
  errorStatus = 400;
  errorReason = '';
  /** -1 when no Content-Length field was seen. */
  contentLength = -1;
  transferEncodingSeen = false;
  teElementCount = 0;
  teChunkedCount = 0;
  teLastIsChunked = false;
  teHasOtherCoding = false;
  teInvalid = false;
  hostCount = 0;
  /** Index of the (last) Host field line, -1 when none. */
  hostField = -1;
  connectionTokens: string[] | null = null;
  hasConnectionClose = false;
  hasConnectionKeepAlive = false;
  /** Index of the first Upgrade field line, -1 when none; `hasManyUpgrades` when there are more. */
  upgradeField = -1;
  hasManyUpgrades = false;
  isExpectContinue = false;
  acceptsTrailers = false;
  /** Field offsets, 4 per line: nameStart, nameEnd, valueStart, valueEnd. Grown on demand, reused. */
  offsets: Int32Array = new Int32Array(4 * 64);
  fieldCount = 0;

  reset(): void {
    this.errorCode = 'ERR_HTTP_HEADER_NAME';
    this.errorStatus = 400;
    this.errorReason = '';
    this.contentLength = -1;
    this.transferEncodingSeen = false;
    this.teElementCount = 0;
    this.teChunkedCount = 0;
    this.teLastIsChunked = false;
    this.teHasOtherCoding = false;
    this.teInvalid = false;
    this.hostCount = 0;
    this.hostField = -1;
    this.connectionTokens = null;
    this.hasConnectionClose = false;
    this.hasConnectionKeepAlive = false;
    this.upgradeField = -1;
    this.hasManyUpgrades = false;
    this.isExpectContinue = false;
    this.acceptsTrailers = false;
    this.fieldCount = 0;
  }

  growOffsets(): Int32Array {
    const grown = new Int32Array(this.offsets.length * 2);
    grown.set(this.offsets);
    this.offsets = grown;
    return grown;
  }

  /** Records an error; returns false so `observe` can `return this.fail(...)`. */
  fail(status: number, code: HttpErrorCode, reason: string): false {
    this.errorStatus = status;
    this.errorCode = code;
    this.errorReason = reason;
    return false;
  }

  /** Records an error; returns SCAN_ERROR (-2) so a scanner can `return scan.reject(...)`. */
  reject(status: number, code: HttpErrorCode, reason: string): -2 {
    this.fail(status, code, reason);
    return -2;
  }

  /**
   * Called once per field line with the name at buf[nameStart, nameEnd) and the OWS-trimmed value at
   * buf[valueStart, valueEnd); `field` is the line's index. Names are compared by length first, then
   * case-insensitively byte by byte, so an ordinary field costs one switch. Returns false on an error.
   */
  observe(buf: Buffer, nameStart: number, nameEnd: number, valueStart: number, valueEnd: number, field: number): boolean {
    switch (nameEnd - nameStart) {
      case 2:
        if (bytesEqualLower(buf, nameStart, NAME_TE)) this.acceptsTrailers ||= listHasToken(buf, valueStart, valueEnd, TOKEN_TRAILERS);
        return true;
      case 4:
        if (bytesEqualLower(buf, nameStart, NAME_HOST)) {
          this.hostCount++;
          this.hostField = field;
        }
        return true;
      case 6:
        if (bytesEqualLower(buf, nameStart, NAME_EXPECT)) this.isExpectContinue ||= listHasToken(buf, valueStart, valueEnd, TOKEN_100_CONTINUE);
        return true;
      case 7:
        if (bytesEqualLower(buf, nameStart, NAME_UPGRADE)) {
          if (this.upgradeField === -1) this.upgradeField = field;
          else this.hasManyUpgrades = true;
        }
        return true;
      case 10:
        return bytesEqualLower(buf, nameStart, NAME_CONNECTION) ? this.observeConnection(buf, valueStart, valueEnd) : true;
      case 14:
        return bytesEqualLower(buf, nameStart, NAME_CONTENT_LENGTH) ? this.observeContentLength(buf, valueStart, valueEnd) : true;
      case 17:
        if (bytesEqualLower(buf, nameStart, NAME_TRANSFER_ENCODING)) this.observeTransferEncoding(buf, valueStart, valueEnd);
        return true;
      default:
        return true;
    }
  }

  /**
   * RFC 9110 §8.6: Content-Length = 1*DIGIT. A list of identical values (from repeated lines or a
   * comma list such as "5, 5") may be collapsed to one; differing values are an error. Anything but
   * digits (sign, hex, inner spaces, empty elements) is invalid, which is stricter than the list rule
   * on purpose: Content-Length disagreements are what request smuggling is made of.
   */
  private observeContentLength(buf: Buffer, start: number, end: number): boolean {
    let i = start;
    for (;;) {
      let n = 0;
      const digitsStart = i;
      while (i < end) {
        const d = (buf[i] as number) - 0x30;
        if (d < 0 || d > 9) break;
        n = n * 10 + d;
        i++;
      }
      const digits = i - digitsStart;
      if (digits === 0) return this.fail(400, 'ERR_HTTP_CL_INVALID', 'Content-Length is not a number');
      if (digits > MAX_LENGTH_DIGITS || n > Number.MAX_SAFE_INTEGER) {
        return this.fail(400, 'ERR_HTTP_CL_INVALID', 'Content-Length is too large');
      }
      if (this.contentLength === -1) this.contentLength = n;
      else if (this.contentLength !== n) return this.fail(400, 'ERR_HTTP_CL_CONFLICT', 'Content-Length values differ');
      while (i < end && (buf[i] === SP || buf[i] === HTAB)) i++;
      if (i === end) return true;
      if (buf[i] !== COMMA) return this.fail(400, 'ERR_HTTP_CL_INVALID', 'Content-Length is not a number');
      i++;
      while (i < end && (buf[i] === SP || buf[i] === HTAB)) i++;
    }
  }

  /**
   * Transfer-Encoding = #transfer-coding (RFC 9112 §6.1). The verdict is given once all lines are seen
   * (see `transferEncodingError`); here each element is classified. Quoted strings are refused outright:
   * we implement no coding that takes parameters, and refusing them keeps the comma split unambiguous.
   */
  private observeTransferEncoding(buf: Buffer, start: number, end: number): void {
    this.transferEncodingSeen = true;
    let i = start;
    while (i < end) {
      const b = buf[i] as number;
      if (b === COMMA || b === SP || b === HTAB) {
        i++; // empty list elements and OWS are allowed (RFC 9110 §5.6.1)
        continue;
      }
      const tokenStart = i;
      while (i < end && TCHAR[buf[i] as number] === 1) i++;
      if (i === tokenStart) {
        this.teInvalid = true;
        return;
      }
      const isChunked = i - tokenStart === 7 && bytesEqualLower(buf, tokenStart, CODING_CHUNKED);
      this.teElementCount++;
      if (isChunked) this.teChunkedCount++;
      else this.teHasOtherCoding = true;
      this.teLastIsChunked = isChunked;
      while (i < end && (buf[i] === SP || buf[i] === HTAB)) i++;
      if (i === end) return;
      const sep = buf[i] as number;
      if (sep === SEMICOLON) {
        if (isChunked) {
          this.teInvalid = true; // chunked has no parameters (RFC 9112 §7)
          return;
        }
        while (i < end && buf[i] !== COMMA) {
          if (buf[i] === DQUOTE) {
            this.teInvalid = true;
            return;
          }
          i++;
        }
      } else if (sep !== COMMA) {
        this.teInvalid = true;
        return;
      }
    }
  }

  /** The Transfer-Encoding verdict for a request, in order of precedence; null when acceptable. */
  transferEncodingError(): HttpErrorCode | null {
    if (this.teInvalid || this.teElementCount === 0) return 'ERR_HTTP_TE_INVALID';
    if (!this.teLastIsChunked) return 'ERR_HTTP_TE_NOT_CHUNKED';
    if (this.teChunkedCount > 1) return 'ERR_HTTP_TE_CHUNKED_TWICE';
    if (this.teHasOtherCoding) return 'ERR_HTTP_TE_UNKNOWN';
    return null;
  }

  /** Connection = #connection-option, each a token, compared case-insensitively (RFC 9110 §7.6.1). */
  private observeConnection(buf: Buffer, start: number, end: number): boolean {
    let tokens = this.connectionTokens;
    if (tokens === null) {
      tokens = [];
      this.connectionTokens = tokens;
    }
    let i = start;
    while (i < end) {
      const b = buf[i] as number;
      if (b === COMMA || b === SP || b === HTAB) {
        i++;
        continue;
      }
      const tokenStart = i;
      while (i < end && TCHAR[buf[i] as number] === 1) i++;
      if (i === tokenStart) return this.fail(400, 'ERR_HTTP_CONNECTION_INVALID', 'Connection holds a non-token');
      tokens.push(this.connectionToken(buf, tokenStart, i));
      while (i < end && (buf[i] === SP || buf[i] === HTAB)) i++;
      if (i < end && buf[i] !== COMMA) return this.fail(400, 'ERR_HTTP_CONNECTION_INVALID', 'Connection holds a non-token');
    }
    return true;
  }

  /** Lower-cases one token; the three everyday tokens come back as constants, without allocating. */
  private connectionToken(buf: Buffer, start: number, end: number): string {
    switch (end - start) {
      case 5:
        if (bytesEqualLower(buf, start, TOKEN_CLOSE)) {
          this.hasConnectionClose = true;
          return 'close';
        }
        break;
      case 7:
        if (bytesEqualLower(buf, start, TOKEN_UPGRADE)) return 'upgrade';
        break;
      case 10:
        if (bytesEqualLower(buf, start, TOKEN_KEEP_ALIVE)) {
          this.hasConnectionKeepAlive = true;
          return 'keep-alive';
        }
        break;
      default:
        break;
    }
    return latin1Slice(buf, start, end).toLowerCase();
  }
}

/**
 * Whether the list value at buf[start, end) holds `token` (lower-case bytes) as an element, ignoring
 * case and any parameters after ";". Only for rare, non-framing fields (TE, Expect): a quoted comma in
 * a parameter could split an element early, which at worst misses a token there.
 */
function listHasToken(buf: Buffer, start: number, end: number, token: Uint8Array): boolean {
  let i = start;
  while (i < end) {
    while (i < end && (buf[i] === SP || buf[i] === HTAB || buf[i] === COMMA)) i++;
    const tokenStart = i;
    while (i < end && TCHAR[buf[i] as number] === 1) i++;
    if (i - tokenStart === token.length && bytesEqualLower(buf, tokenStart, token)) {
      while (i < end && (buf[i] === SP || buf[i] === HTAB)) i++;
      if (i === end || buf[i] === COMMA || buf[i] === SEMICOLON) return true;
    }
    while (i < end && buf[i] !== COMMA) i++;
  }
  return false;
}

/** The value of field line `field` of the last scan, cut from `text` (the head decoded from offset `base`). */
export function fieldValue(text: string, base: number, scan: FieldScan, field: number): string {
  const at = field << 2;
  return text.slice((scan.offsets[at + 2] as number) - base, (scan.offsets[at + 3] as number) - base);
}

/** The Upgrade value: one line as is, several joined with ", " as a list field combines (RFC 9110 §5.3). */
export function upgradeValue(scan: FieldScan, fields: readonly string[]): string | null {
  if (scan.upgradeField === -1) return null;
  if (!scan.hasManyUpgrades) return fields[scan.upgradeField * 2 + 1] as string;
  let joined: string | null = null;
  for (let i = 0; i < fields.length; i += 2) {
    if (!equalsLowerAscii(fields[i] as string, 'upgrade')) continue;
    const value = fields[i + 1] as string;
    joined = joined === null ? value : `${joined}, ${value}`;
  }
  return joined;
}
