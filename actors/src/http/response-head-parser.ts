// Parses an HTTP/1.1 response head from an upstream, strictly, and decides how its body is framed.
import { CR, LF, SP, FIELD_VCHAR, HTAB } from './char-classes.js';
import { latin1Slice } from './buffer-latin1.js';
import {
  FRAMING_CHUNKED,
  FRAMING_NONE,
  FRAMING_TUNNEL,
  FRAMING_UNTIL_CLOSE,
  framingLength,
  type ResponseFraming,
} from './body-framing.js';
import { FieldScan, upgradeValue } from './field-facts.js';
import { SCAN_ERROR, SCAN_NEED_MORE, fieldArray, scanFieldSection } from './field-section.js';
import type { HttpErrorCode } from './http-error-codes.js';
import { HEAD_INCOMPLETE, type HeadIncomplete } from './request-head-parser.js';

/** Size bounds for a response head. */
export interface ResponseHeadLimits {
  readonly maxHeadBytes: number;
  readonly maxHeaderCount: number;
}

/** The normalized model of one response head from an upstream. */
export interface ResponseHead {
  readonly status: number;
  /** The reason phrase as received (may be ""); informational only (RFC 9112 §4). */
  readonly reason: string;
  readonly versionMinor: 0 | 1;
  /** Raw fields as `[name, value, ...]`: names as received, values with OWS trimmed. */
  readonly headers: string[];
  /**
   * How the body is delimited (RFC 9112 §6.3). 'none' for HEAD, 1xx, 204 and 304; 'tunnel' for a 2xx
   * answer to CONNECT; 'until-close' when neither Content-Length nor Transfer-Encoding is present.
   */
  readonly framing: ResponseFraming;
  /**
   * The Content-Length value even where it does not frame a body (answers to HEAD, 304), so the
   * proxy can pass it on as metadata; -1 when absent.
   */
  readonly contentLength: number;
  /** Whether the upstream connection may be reused after this response. */
  readonly keepAlive: boolean;
  readonly connectionTokens: readonly string[];
  readonly upgrade: string | null;
}

export type ResponseHeadResult = HeadIncomplete | ResponseHeadParsed | ResponseHeadError;

export interface ResponseHeadParsed {
  readonly kind: 'head';
  readonly head: ResponseHead;
  readonly consumed: number;
}

/** The upstream broke the protocol: answer the client 502 and discard the upstream connection. */
export interface ResponseHeadError {
  readonly kind: 'error';
  readonly code: HttpErrorCode;
  readonly reason: string;
}

const EMPTY_TOKENS: readonly string[] = Object.freeze([]);
const HTTP_SLASH = [0x48, 0x54, 0x54, 0x50, 0x2f]; // "HTTP/"
const scan = new FieldScan();

/**
 * Parses the response head in buf[start, end) for a request made with `requestMethod`.
 *
 * Same contract as `parseRequestHead`: stateless, call again with more bytes on `incomplete`. A 1xx
 * interim response (other than 101) is a complete head with framing 'none'; the final response
 * follows it on the same connection, so the caller parses again at start + consumed.
 *
 * Deliberate leniency: "HTTP/1.1 200\r\n" (no SP before an empty reason) is accepted, because the
 * reason phrase carries no meaning and some origins omit it. Everything that affects framing is strict.
 */
export function parseResponseHead(
  buf: Buffer,
  start: number,
  end: number,
  limits: ResponseHeadLimits,
  requestMethod: string,
): ResponseHeadResult {
  const maxEnd = start + limits.maxHeadBytes;
  const limit = end < maxEnd ? end : maxEnd;
  let pos = start;

  // status-line = HTTP-version SP status-code SP [ reason-phrase ] CRLF (RFC 9112 §4).
  for (let i = 0; i < 8; i++, pos++) {
    if (pos >= limit) return needMore(end, limit);
    const b = buf[pos] as number;
    const ok = i < 5 ? b === HTTP_SLASH[i] : i === 6 ? b === 0x2e : b >= 0x30 && b <= 0x39;
    if (!ok) return lineError(buf, pos, end, limit);
  }
  const major = (buf[start + 5] as number) - 0x30;
  const minor = (buf[start + 7] as number) - 0x30;
  if (major !== 1 || minor > 1) return fail('ERR_HTTP_VERSION', 'upstream speaks a version other than HTTP/1.0 or 1.1');
  const versionMinor = minor as 0 | 1;
  if (pos >= limit) return needMore(end, limit);
  if (buf[pos] !== SP) return lineError(buf, pos, end, limit);
  pos++;
  let status = 0;
  for (let i = 0; i < 3; i++, pos++) {
    if (pos >= limit) return needMore(end, limit);
    const d = (buf[pos] as number) - 0x30;
    if (d < 0 || d > 9) return lineError(buf, pos, end, limit);
    status = status * 10 + d;
  }
  // RFC 9110 §15: status codes are 100-599.
  if (status < 100 || status > 599) return fail('ERR_HTTP_BAD_STATUS_LINE', 'status code out of range');
  if (pos >= limit) return needMore(end, limit);
  let reasonStart = pos;
  if (buf[pos] === SP) {
    pos++;
    reasonStart = pos;
    // reason-phrase = 1*( HTAB / SP / VCHAR / obs-text )
    while (pos < limit) {
      const b = buf[pos] as number;
      if (FIELD_VCHAR[b] === 1 || b === SP || b === HTAB) pos++;
      else break;
    }
    if (pos >= limit) return needMore(end, limit);
  }
  const reasonEnd = pos;
  if (buf[pos] !== CR) return lineError(buf, pos, end, limit);
  if (pos + 1 >= limit) return needMore(end, limit);
  if (buf[pos + 1] !== LF) return fail('ERR_HTTP_BARE_CR', 'CR not followed by LF');
  pos += 2;

  scan.reset();
  const headEnd = scanFieldSection(buf, pos, limit, limits.maxHeaderCount, scan, true);
  if (headEnd === SCAN_NEED_MORE) return needMore(end, limit);
  if (headEnd === SCAN_ERROR) return fail(scan.errorCode, scan.errorReason);

  // RFC 9112 §6.1/§6.3 rule 3: both is a smuggling or splitting signature; we refuse rather than repair.
  const hasLength = scan.contentLength !== -1;
  if (scan.transferEncodingSeen && hasLength) return fail('ERR_HTTP_CL_AND_TE', 'both Content-Length and Transfer-Encoding');
  if (scan.transferEncodingSeen && versionMinor === 0) return fail('ERR_HTTP_TE_HTTP10', 'Transfer-Encoding in an HTTP/1.0 response');

  let framing: ResponseFraming;
  let keepAlive = versionMinor === 1 ? !scan.hasConnectionClose : scan.hasConnectionKeepAlive && !scan.hasConnectionClose;
  if (requestMethod === 'HEAD' || status < 200 || status === 204 || status === 304) {
    // RFC 9112 §6.3 rule 1: these never have content, whatever the fields say.
    framing = FRAMING_NONE;
  } else if (requestMethod === 'CONNECT' && status < 300) {
    framing = FRAMING_TUNNEL; // rule 2
    keepAlive = false;
  } else if (scan.transferEncodingSeen) {
    // Rule 4 would read a non-chunked final coding until close, but the proxy re-frames bodies and
    // cannot forward a transfer coding it does not decode: any coding but a single chunked is refused.
    const teError = scan.transferEncodingError();
    if (teError !== null) return fail(teError, 'unsupported or invalid Transfer-Encoding from upstream');
    framing = FRAMING_CHUNKED;
  } else if (hasLength) {
    framing = framingLength(scan.contentLength); // rule 6
  } else {
    framing = FRAMING_UNTIL_CLOSE; // rule 8
    keepAlive = false;
  }

  const text = latin1Slice(buf, start, headEnd);
  const headers = fieldArray(text, start, scan);
  const head: ResponseHead = {
    status,
    reason: reasonEnd === reasonStart ? '' : text.slice(reasonStart - start, reasonEnd - start),
    versionMinor,
    headers,
    framing,
    contentLength: scan.contentLength,
    keepAlive,
    connectionTokens: scan.connectionTokens ?? EMPTY_TOKENS,
    upgrade: upgradeValue(scan, headers),
  };
  return { kind: 'head', head, consumed: headEnd - start };
}

function fail(code: HttpErrorCode, reason: string): ResponseHeadError {
  return { kind: 'error', code, reason };
}

function needMore(end: number, limit: number): ResponseHeadResult {
  return end > limit ? fail('ERR_HTTP_HEAD_TOO_LARGE', 'response head too large') : HEAD_INCOMPLETE;
}

function lineError(buf: Buffer, pos: number, end: number, limit: number): ResponseHeadResult {
  const b = buf[pos];
  if (b === LF) return fail('ERR_HTTP_BARE_LF', 'line ends with a bare LF');
  if (b === CR) {
    if (pos + 1 >= limit) return needMore(end, limit);
    if (buf[pos + 1] !== LF) return fail('ERR_HTTP_BARE_CR', 'CR not followed by LF');
  }
  return fail('ERR_HTTP_BAD_STATUS_LINE', 'malformed status line');
}
