// Normalizes a request path for routing and forwarding, refusing the spellings that could bypass a path rule.
import { HEX_VALUE } from './char-classes.js';
import type { HttpErrorCode } from './http-error-codes.js';

/** What a route may opt in to; everything is refused by default (ARCHITECTURE §8 rule 4). */
export interface PathOptions {
  /** Keep %2F (as "%2F", never as a separator) instead of refusing it. */
  readonly allowEncodedSlash?: boolean;
  /** Keep a raw "\" and %5C (as "%5C") instead of refusing them. */
  readonly allowBackslash?: boolean;
  /** Keep ";" path parameters instead of refusing them. */
  readonly allowPathParams?: boolean;
}

export type PathResult = PathNormalized | PathRefused;

export interface PathNormalized {
  readonly ok: true;
  readonly path: string;
}
export interface PathRefused {
  readonly ok: false;
  /** Answer 400 with this code. */
  readonly code: HttpErrorCode;
  readonly reason: string;
}

const NO_OPTIONS: PathOptions = Object.freeze({});
const UPPER_HEX = '0123456789ABCDEF';

/**
 * Returns the path to route on and to forward, so that the upstream sees the very path the rules matched:
 * - unreserved %XX (ALPHA DIGIT - . _ ~) is decoded; any other escape is kept with upper-case hex
 *   (RFC 3986 §6.2.2.1-2), and decoding happens once only (%252e stays %252E);
 * - "//" runs are merged, and dot-segments removed (RFC 3986 §5.2.4), %2E included;
 * - refused: an encoded "/" (%2F), "\" or %5C, ";" path parameters (each unless opted in), %00 always,
 *   bytes outside visible ASCII, and a ".." that would climb above the root. Climbing is refused rather
 *   than clamped (nginx also answers 400): no conforming client sends it, so it is a probe, and refusing
 *   it means one path never has two readings. With path parameters allowed, a dot-segment carrying
 *   parameters ("..;x", the Tomcat bypass) is still refused.
 * The path must start with "/" (origin-form, or the path of an absolute-form target).
 *
 * Fast path: a path without "%", "\", ";", "//" or "/." is returned as the same string, untouched.
 *
 * @example
 * normalizePath('/a/./b/../c', {}) // { ok: true, path: '/a/c' }
 */
export function normalizePath(rawPath: string, options: PathOptions = NO_OPTIONS): PathResult {
  const n = rawPath.length;
  if (n === 0 || rawPath.charCodeAt(0) !== 0x2f) return refuse('ERR_HTTP_PATH_INVALID', 'the path does not start with "/"');
  let prev = 0x2f;
  for (let i = 1; i < n; i++) {
    const c = rawPath.charCodeAt(i);
    if (c === 0x25 || c === 0x5c || c === 0x3b || (prev === 0x2f && (c === 0x2f || c === 0x2e))) {
      return normalizeSlow(rawPath, options);
    }
    if (c < 0x21 || c > 0x7e) return refuse('ERR_HTTP_PATH_INVALID', 'the path holds a byte outside visible ASCII');
    prev = c;
  }
  return { ok: true, path: rawPath };
}

function normalizeSlow(rawPath: string, options: PathOptions): PathResult {
  const n = rawPath.length;
  const out: string[] = [];
  let segment = '';
  let hasParams = false;
  for (let i = 1; i <= n; i++) {
    const c = i < n ? rawPath.charCodeAt(i) : 0x2f;
    if (c === 0x2f) {
      const isLast = i === n;
      if (segment === '' || segment === '.') {
        // merged "//" or "/./": contributes nothing but a trailing "/" at the end
      } else if (segment === '..') {
        if (out.pop() === undefined) return refuse('ERR_HTTP_PATH_TRAVERSAL', '".." climbs above the root');
      } else {
        if (hasParams && isDotSegmentWithParams(segment)) {
          return refuse('ERR_HTTP_PATH_PARAMS', 'a dot-segment carries path parameters');
        }
        out.push(segment);
        if (isLast) return { ok: true, path: `/${out.join('/')}` };
      }
      if (isLast) return { ok: true, path: out.length === 0 ? '/' : `/${out.join('/')}/` };
      segment = '';
      hasParams = false;
      continue;
    }
    if (c === 0x25) {
      const hi = i + 1 < n ? (HEX_VALUE[rawPath.charCodeAt(i + 1) & 0xff] as number) : -1;
      const lo = i + 2 < n ? (HEX_VALUE[rawPath.charCodeAt(i + 2) & 0xff] as number) : -1;
      if (hi < 0 || lo < 0 || rawPath.charCodeAt(i + 1) > 0xff || rawPath.charCodeAt(i + 2) > 0xff) {
        return refuse('ERR_HTTP_PATH_BAD_ESCAPE', '"%" not followed by two hex digits');
      }
      const v = hi * 16 + lo;
      i += 2;
      if (v === 0) return refuse('ERR_HTTP_PATH_NUL', 'the path holds %00');
      if (v === 0x2f && options.allowEncodedSlash !== true) return refuse('ERR_HTTP_PATH_ENCODED_SLASH', 'the path holds %2F');
      if (v === 0x5c && options.allowBackslash !== true) return refuse('ERR_HTTP_PATH_BACKSLASH', 'the path holds %5C');
      segment += isUnreserved(v) ? String.fromCharCode(v) : `%${UPPER_HEX[hi]}${UPPER_HEX[lo]}`;
      continue;
    }
    if (c === 0x5c && options.allowBackslash !== true) return refuse('ERR_HTTP_PATH_BACKSLASH', 'the path holds "\\"');
    if (c === 0x3b) {
      if (options.allowPathParams !== true) return refuse('ERR_HTTP_PATH_PARAMS', 'the path holds ";" parameters');
      hasParams = true;
    }
    if (c < 0x21 || c > 0x7e) return refuse('ERR_HTTP_PATH_INVALID', 'the path holds a byte outside visible ASCII');
    segment += rawPath[i];
  }
  // Unreachable: the loop ends on the virtual "/" at i === n.
  return { ok: true, path: rawPath };
}

/** RFC 3986 §2.3: unreserved = ALPHA / DIGIT / "-" / "." / "_" / "~". */
function isUnreserved(v: number): boolean {
  return (v >= 0x41 && v <= 0x5a) || (v >= 0x61 && v <= 0x7a) || (v >= 0x30 && v <= 0x39) || v === 0x2d || v === 0x2e || v === 0x5f || v === 0x7e;
}

/** "." or ".." followed by ";...": a dot-segment to servlet containers, an ordinary one to RFC 3986. */
function isDotSegmentWithParams(segment: string): boolean {
  const semi = segment.indexOf(';');
  if (semi < 0) return false;
  const head = segment.slice(0, semi);
  return head === '.' || head === '..';
}

function refuse(code: HttpErrorCode, reason: string): PathRefused {
  return { ok: false, code, reason };
}
