// Parses an HTTP/1.1 request head from bytes, strictly, into the model the proxy routes and forwards on.
import { CR, HEX_VALUE, LF, SP, TARGET_CHAR, TCHAR } from './char-classes.js';
import { latin1Slice } from './buffer-latin1.js';
import { FRAMING_CHUNKED, FRAMING_NONE, framingLength, type BodyFraming } from './body-framing.js';
import { FieldScan, fieldValue, upgradeValue } from './field-facts.js';
import { SCAN_ERROR, SCAN_NEED_MORE, fieldArray, scanFieldSection } from './field-section.js';
import { parseAuthority, type AuthorityParts } from './host-authority.js';
import type { HttpErrorCode } from './http-error-codes.js';

/** Size bounds for one head (ARCHITECTURE §8 rule 8). */
export interface HeadLimits {
  /** Bytes from `start` through the final CRLF, the optional leading empty line included (431 beyond). */
  readonly maxHeadBytes: number;
  /** Field lines in the head (431 beyond). */
  readonly maxHeaderCount: number;
  /** Bytes of the request-target (414 beyond). */
  readonly maxTargetBytes: number;
}

/** RFC 9112 §3.2: the four shapes a request-target can take. */
export type TargetForm = 'origin' | 'absolute' | 'authority' | 'asterisk';

/** The normalized model of one request head. Every fact is computed in the same pass as the scan. */
export interface RequestHead {
  /** The method token, case-sensitive (RFC 9110 §9.1); common methods are shared constant strings. */
  readonly method: string;
  /** The request-target exactly as received. */
  readonly target: string;
  readonly targetForm: TargetForm;
  /**
   * The raw path, before normalization: for origin-form the target up to '?'; for absolute-form the
   * path after the authority, "/" when empty (RFC 9112 §3.2.1); "*" for asterisk-form; "" for
   * authority-form. Route on `normalizePath(path)`, never on this.
   */
  readonly path: string;
  /** The text after the first '?', or null when the target has no '?'. */
  readonly query: string | null;
  readonly versionMinor: 0 | 1;
  /** Raw fields as `[name, value, name, value, ...]`: names as received, values with OWS trimmed. */
  readonly headers: string[];
  /**
   * The normalized authority (see `parseAuthority`): from the target in absolute- or authority-form
   * (which wins over Host, RFC 9112 §3.2.2), else from Host. "" when unknown: HTTP/1.0 without Host,
   * or an empty Host field (RFC 9110 §7.2); route such a request to the default host.
   */
  readonly host: string;
  readonly hostname: string;
  readonly port: number | null;
  readonly framing: BodyFraming;
  /** Whether the client may send another request on this connection (RFC 9112 §9.3). */
  readonly keepAlive: boolean;
  /** Every Connection option, lower-cased, from all Connection lines (RFC 9110 §7.6.1). */
  readonly connectionTokens: readonly string[];
  /** The Upgrade field (lines joined with ", "), or null. */
  readonly upgrade: string | null;
  /** Expect holds 100-continue on an HTTP/1.1 request (RFC 9110 §10.1.1 says to ignore it in 1.0). */
  readonly expectContinue: boolean;
  /** The TE field holds "trailers": the client accepts trailer fields in a chunked response. */
  readonly acceptsTrailers: boolean;
}

export type RequestHeadResult = HeadIncomplete | RequestHeadParsed | RequestHeadError;

export interface HeadIncomplete {
  readonly kind: 'incomplete';
}
export interface RequestHeadParsed {
  readonly kind: 'head';
  readonly head: RequestHead;
  /** Bytes from `start` to the end of the head; the body (or the next request) starts at start + consumed. */
  readonly consumed: number;
}
export interface RequestHeadError {
  readonly kind: 'error';
  /** The status to answer with before closing: 400, 414, 431, 501 or 505. */
  readonly status: 400 | 414 | 431 | 501 | 505;
  readonly code: HttpErrorCode;
  /** A short human-readable reason; do not branch on it. */
  readonly reason: string;
}

/** The one incomplete result, shared: waiting for bytes allocates nothing. */
export const HEAD_INCOMPLETE: HeadIncomplete = Object.freeze({ kind: 'incomplete' });

const EMPTY_TOKENS: readonly string[] = Object.freeze([]);

/**
 * Above this many bytes, an incomplete head is first checked for a line terminator with a native
 * search before the validating scan runs again. A client trickling a large head one byte per packet
 * would otherwise make us rescan it all for every byte (quadratic CPU). Below it, a rescan costs less
 * than a microsecond. The search looks for "\n\r\n" or "\n\n" (every complete head, valid or not,
 * holds one), so a well-formed head is never answered later than it would be without it.
 */
const RESCAN_THRESHOLD = 2048;
const NEEDLE_CRLF_END = Buffer.from('\n\r\n', 'latin1');
const NEEDLE_LF_END = Buffer.from('\n\n', 'latin1');

const scan = new FieldScan();
const authority: AuthorityParts = { host: '', hostname: '', port: null };

/**
 * Parses the request head in buf[start, end).
 *
 * Call it again with the same `start` and a larger `end` while it answers `incomplete`; it keeps no
 * state between calls, and the answer for a given head does not depend on how its bytes were split.
 * Request-line and field-syntax errors are reported as soon as the offending byte is in range (for heads
 * under RESCAN_THRESHOLD bytes; above it, once the terminator arrives), 414 and 431 as soon as the
 * limit is crossed; errors that need the whole head (target form, framing, Host) once it is complete.
 * Bytes at or after `end` never affect the answer.
 *
 * @example
 * const r = parseRequestHead(buf, 0, buf.length, { maxHeadBytes: 16384, maxHeaderCount: 100, maxTargetBytes: 8192 });
 * if (r.kind === 'head') route(r.head), body starts at r.consumed;
 * else if (r.kind === 'error') reply(r.status) and close;
 */
export function parseRequestHead(buf: Buffer, start: number, end: number, limits: HeadLimits): RequestHeadResult {
  const maxEnd = start + limits.maxHeadBytes;
  const limit = end < maxEnd ? end : maxEnd;
  let pos = start;

  if (limit - start > RESCAN_THRESHOLD && !mayHoldHeadEnd(buf, start, limit)) {
    return incompleteLargeHead(buf, start, end, limit, limits);
  }

  // RFC 9112 §2.2: a server SHOULD ignore at least one empty line before the request-line. One only.
  if (pos < limit) {
    const first = buf[pos];
    if (first === CR) {
      if (pos + 1 >= limit) return needMore(end, limit);
      if (buf[pos + 1] !== LF) return fail(400, 'ERR_HTTP_BARE_CR', 'CR not followed by LF');
      pos += 2;
    } else if (first === LF) {
      return fail(400, 'ERR_HTTP_BARE_LF', 'line ends with a bare LF');
    }
  }

  // method = token (RFC 9110 §9.1), then exactly one SP (RFC 9112 §3).
  const methodStart = pos;
  while (pos < limit && TCHAR[buf[pos] as number] === 1) pos++;
  if (pos >= limit) return needMore(end, limit);
  if (buf[pos] !== SP || pos === methodStart) return requestLineError(buf, pos, end, limit);
  const methodEnd = pos;
  pos++;

  // request-target: no SP, CTL, non-ASCII or '#'; every '%' starts a valid pct-encoded triplet.
  const targetStart = pos;
  const maxTarget = limits.maxTargetBytes;
  let questionAt = -1;
  while (pos < limit) {
    const cls = TARGET_CHAR[buf[pos] as number];
    if (cls === 1) {
      pos++;
    } else if (cls === 2) {
      if (pos + 2 >= limit) {
        if (pos + 3 - targetStart > maxTarget) return targetTooLong();
        return needMore(end, limit);
      }
      if ((HEX_VALUE[buf[pos + 1] as number] as number) < 0 || (HEX_VALUE[buf[pos + 2] as number] as number) < 0) {
        return fail(400, 'ERR_HTTP_TARGET_INVALID', 'malformed percent-escape in the request-target');
      }
      pos += 3;
    } else if (cls === 3) {
      if (questionAt < 0) questionAt = pos;
      pos++;
    } else {
      break;
    }
    if (pos - targetStart > maxTarget) return targetTooLong();
  }
  if (pos >= limit) return needMore(end, limit);
  const targetEnd = pos;
  if (buf[pos] !== SP || pos === targetStart) {
    const b = buf[pos] as number;
    if (pos === targetStart || b === CR || b === LF) return requestLineError(buf, pos, end, limit);
    return fail(400, 'ERR_HTTP_TARGET_INVALID', 'forbidden byte in the request-target');
  }
  pos++;

  // HTTP-version = "HTTP/" DIGIT "." DIGIT, then CRLF (RFC 9112 §2.3).
  const versionStart = pos;
  for (let i = 0; i < 8; i++, pos++) {
    if (pos >= limit) return needMore(end, limit);
    const b = buf[pos] as number;
    const ok = i < 5 ? b === HTTP_SLASH[i] : i === 6 ? b === 0x2e : b >= 0x30 && b <= 0x39;
    if (!ok) return requestLineError(buf, pos, end, limit);
  }
  if (pos >= limit) return needMore(end, limit);
  if (buf[pos] !== CR) return requestLineError(buf, pos, end, limit);
  if (pos + 1 >= limit) return needMore(end, limit);
  if (buf[pos + 1] !== LF) return fail(400, 'ERR_HTTP_BARE_CR', 'CR not followed by LF');
  pos += 2;
  const major = (buf[versionStart + 5] as number) - 0x30;
  const minor = (buf[versionStart + 7] as number) - 0x30;
  if (major !== 1 || minor > 1) return fail(505, 'ERR_HTTP_VERSION', 'only HTTP/1.0 and HTTP/1.1 are supported');
  const versionMinor = minor as 0 | 1;

  scan.reset();
  const headEnd = scanFieldSection(buf, pos, limit, limits.maxHeaderCount, scan, true);
  if (headEnd === SCAN_NEED_MORE) return needMore(end, limit);
  if (headEnd === SCAN_ERROR) return fail(scan.errorStatus as 400 | 431, scan.errorCode, scan.errorReason);

  // One decoding of the whole head; every string below is a cheap substring of it.
  const text = latin1Slice(buf, start, headEnd);
  const headers = fieldArray(text, start, scan);
  const method = methodName(buf, methodStart, methodEnd, text, start);
  const target = text.slice(targetStart - start, targetEnd - start);

  let targetForm: TargetForm;
  let path: string;
  let query: string | null = null;
  let authorityText: string | null = null;
  const firstByte = buf[targetStart] as number;
  if (method === 'CONNECT') {
    // RFC 9112 §3.2.3: CONNECT takes authority-form, uri-host ":" port, and nothing else.
    if (!parseAuthority(target, true, authority)) return fail(400, 'ERR_HTTP_TARGET_INVALID', 'CONNECT needs host:port');
    targetForm = 'authority';
    path = '';
    authorityText = target;
  } else if (firstByte === 0x2f /* / */) {
    targetForm = 'origin';
    if (questionAt < 0) {
      path = target;
    } else {
      path = target.slice(0, questionAt - targetStart);
      query = target.slice(questionAt - targetStart + 1);
    }
  } else if (firstByte === 0x2a /* * */) {
    // RFC 9112 §3.2.4: asterisk-form is exactly "*", and only for OPTIONS.
    if (targetEnd - targetStart !== 1 || method !== 'OPTIONS') {
      return fail(400, 'ERR_HTTP_TARGET_INVALID', '"*" is only valid as the whole target of OPTIONS');
    }
    targetForm = 'asterisk';
    path = '*';
  } else {
    // RFC 9112 §3.2.2: absolute-form; a reverse proxy serves http and https URIs only.
    const authorityStart = absoluteAuthorityStart(target);
    if (authorityStart < 0) return fail(400, 'ERR_HTTP_TARGET_INVALID', 'the target is not an http(s) absolute URI');
    let authorityEnd = authorityStart;
    while (authorityEnd < target.length) {
      const c = target.charCodeAt(authorityEnd);
      if (c === 0x2f || c === 0x3f) break;
      authorityEnd++;
    }
    authorityText = target.slice(authorityStart, authorityEnd);
    // RFC 9110 §4.2.1: an empty host MUST be rejected; §4.2.4: userinfo ('@') is treated as an error.
    if (!parseAuthority(authorityText, false, authority)) return fail(400, 'ERR_HTTP_TARGET_INVALID', 'invalid authority in the target');
    targetForm = 'absolute';
    const queryAt = questionAt < 0 ? -1 : questionAt - targetStart;
    const pathEnd = queryAt < 0 ? target.length : queryAt;
    path = authorityEnd < pathEnd ? target.slice(authorityEnd, pathEnd) : '/';
    if (queryAt >= 0) query = target.slice(queryAt + 1);
  }
  let host = '';
  let hostname = '';
  let port: number | null = null;
  if (authorityText !== null) {
    host = authority.host;
    hostname = authority.hostname;
    port = authority.port;
  }

  // Framing, RFC 9112 §6.1 and §6.3.
  let framing: BodyFraming = FRAMING_NONE;
  if (scan.transferEncodingSeen) {
    if (scan.contentLength !== -1) return fail(400, 'ERR_HTTP_CL_AND_TE', 'both Content-Length and Transfer-Encoding');
    if (versionMinor === 0) return fail(400, 'ERR_HTTP_TE_HTTP10', 'Transfer-Encoding in an HTTP/1.0 request');
    const teError = scan.transferEncodingError();
    if (teError !== null) {
      return teError === 'ERR_HTTP_TE_UNKNOWN'
        ? fail(501, teError, 'unsupported transfer coding')
        : fail(400, teError, 'invalid Transfer-Encoding');
    }
    framing = FRAMING_CHUNKED;
  } else if (scan.contentLength !== -1) {
    framing = framingLength(scan.contentLength);
  }

  // Host, RFC 9112 §3.2: exactly one on HTTP/1.1, at most one on 1.0, and valid even when the target
  // carries the authority (whose value then wins).
  if (scan.hostCount > 1) return fail(400, 'ERR_HTTP_HOST_REPEATED', 'more than one Host field');
  if (scan.hostCount === 0) {
    if (versionMinor === 1) return fail(400, 'ERR_HTTP_HOST_MISSING', 'HTTP/1.1 request without Host');
  } else if (!isEmptyValue(scan, scan.hostField)) {
    if (!parseAuthority(fieldValue(text, start, scan, scan.hostField), false, authority)) return fail(400, 'ERR_HTTP_HOST_INVALID', 'invalid Host field');
    if (authorityText === null) {
      host = authority.host;
      hostname = authority.hostname;
      port = authority.port;
    }
  }

  // RFC 9112 §9.3: 1.1 persists unless "close"; 1.0 persists only with "keep-alive".
  const keepAlive = versionMinor === 1 ? !scan.hasConnectionClose : scan.hasConnectionKeepAlive && !scan.hasConnectionClose;

  const head: RequestHead = {
    method,
    target,
    targetForm,
    path,
    query,
    versionMinor,
    headers,
    host,
    hostname,
    port,
    framing,
    keepAlive,
    connectionTokens: scan.connectionTokens ?? EMPTY_TOKENS,
    upgrade: upgradeValue(scan, headers),
    expectContinue: versionMinor === 1 && scan.isExpectContinue,
    acceptsTrailers: scan.acceptsTrailers,
  };
  return { kind: 'head', head, consumed: headEnd - start };
}

const HTTP_SLASH = [0x48, 0x54, 0x54, 0x50, 0x2f]; // "HTTP/"

function fail(status: RequestHeadError['status'], code: HttpErrorCode, reason: string): RequestHeadError {
  return { kind: 'error', status, code, reason };
}

function isEmptyValue(fields: FieldScan, field: number): boolean {
  return fields.offsets[(field << 2) + 2] === fields.offsets[(field << 2) + 3];
}

function targetTooLong(): RequestHeadError {
  return fail(414, 'ERR_HTTP_TARGET_TOO_LONG', 'request-target too long');
}

/** Out of bytes: either the head may still complete, or it has outgrown maxHeadBytes. */
function needMore(end: number, limit: number): RequestHeadResult {
  return end > limit ? fail(431, 'ERR_HTTP_HEAD_TOO_LARGE', 'request head too large') : HEAD_INCOMPLETE;
}

/** Names the error at a request-line byte that is not what the grammar expects there. */
function requestLineError(buf: Buffer, pos: number, end: number, limit: number): RequestHeadResult {
  const b = buf[pos];
  if (b === LF) return fail(400, 'ERR_HTTP_BARE_LF', 'line ends with a bare LF');
  if (b === CR) {
    if (pos + 1 >= limit) return needMore(end, limit);
    if (buf[pos + 1] !== LF) return fail(400, 'ERR_HTTP_BARE_CR', 'CR not followed by LF');
  }
  return fail(400, 'ERR_HTTP_BAD_REQUEST_LINE', 'malformed request line');
}

/** Returns a shared string for the registered everyday methods, avoiding a slice per request. */
function methodName(buf: Buffer, start: number, end: number, text: string, base: number): string {
  const b0 = buf[start];
  switch (end - start) {
    case 3:
      if (b0 === 0x47 && buf[start + 1] === 0x45 && buf[start + 2] === 0x54) return 'GET';
      if (b0 === 0x50 && buf[start + 1] === 0x55 && buf[start + 2] === 0x54) return 'PUT';
      break;
    case 4:
      if (b0 === 0x50 && buf[start + 1] === 0x4f && buf[start + 2] === 0x53 && buf[start + 3] === 0x54) return 'POST';
      if (b0 === 0x48 && buf[start + 1] === 0x45 && buf[start + 2] === 0x41 && buf[start + 3] === 0x44) return 'HEAD';
      break;
    default:
      break;
  }
  // Less common methods: a substring, compared as a string ('CONNECT', 'OPTIONS' are checked by value).
  return text.slice(start - base, end - base);
}

/**
 * For an absolute-form target, the index where the authority starts ("http://" or "https://",
 * scheme case-insensitive, RFC 3986 §3.1), or -1 when the target is not such a URI.
 */
function absoluteAuthorityStart(target: string): number {
  let i = 0;
  const n = target.length;
  if (n >= 4 && (target.charCodeAt(0) | 0x20) === 0x68 && (target.charCodeAt(1) | 0x20) === 0x74 &&
    (target.charCodeAt(2) | 0x20) === 0x74 && (target.charCodeAt(3) | 0x20) === 0x70) {
    i = 4;
    if (i < n && (target.charCodeAt(i) | 0x20) === 0x73) i++;
    if (target.charCodeAt(i) === 0x3a && target.charCodeAt(i + 1) === 0x2f && target.charCodeAt(i + 2) === 0x2f) return i + 3;
  }
  return -1;
}

/** Whether buf[start, limit) holds a line terminator followed by an empty line, valid or not. */
function mayHoldHeadEnd(buf: Buffer, start: number, limit: number): boolean {
  const a = buf.indexOf(NEEDLE_CRLF_END, start);
  if (a >= 0 && a + 3 <= limit) return true;
  const b = buf.indexOf(NEEDLE_LF_END, start);
  return b >= 0 && b + 2 <= limit;
}

/**
 * The answer for a large head that cannot be complete yet, without rescanning it: 414 once the
 * request line is longer than the target limit allows, 431 once it outgrows maxHeadBytes, else wait.
 */
function incompleteLargeHead(buf: Buffer, begin: number, end: number, limit: number, limits: HeadLimits): RequestHeadResult {
  const start = buf[begin] === CR && buf[begin + 1] === LF ? begin + 2 : begin;
  const lineEnd = buf.indexOf(LF, start);
  const lineLength = lineEnd >= 0 && lineEnd < limit ? lineEnd - start : limit - start;
  const spaceAt = buf.indexOf(SP, start);
  if (spaceAt >= 0 && spaceAt < start + lineLength) {
    const targetStart = spaceAt + 1;
    const nextSpace = buf.indexOf(SP, targetStart);
    const targetEnd = nextSpace >= 0 && nextSpace < start + lineLength ? nextSpace : start + lineLength;
    if (targetEnd - targetStart > limits.maxTargetBytes) return targetTooLong();
  }
  return needMore(end, limit);
}
