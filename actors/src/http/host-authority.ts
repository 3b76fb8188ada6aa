// Validates and normalizes a URI authority (Host field value or request-target authority).
import { isIPv6 } from 'node:net';

/** Where `parseAuthority` leaves its result: one reused object, so validation allocates nothing. */
export interface AuthorityParts {
  /** Normalized authority: lower-cased, one trailing dot removed, port without leading zeros. */
  host: string;
  /** The host without its port; an IP literal keeps its brackets. */
  hostname: string;
  /** The port number, or null when the authority has none. */
  port: number | null;
}

/**
 * Parses `uri-host [ ":" port ]` (RFC 9110 §7.2, RFC 3986 §3.2.2) into `out` and returns whether it is
 * valid. We are deliberately narrower than RFC 3986 because the host decides routing and must have one
 * reading only:
 * - reg-name: ALPHA / DIGIT / "-" / "." / "_" / "~" only. Percent-encoding and sub-delims are refused:
 *   DNS names never need them and they would let two spellings reach different routes.
 *   Empty labels are refused, except one trailing dot, which is removed (as nginx does) so that
 *   `admin.example.com.` cannot dodge a rule for `admin.example.com`.
 * - a name whose last label is numeric (or 0x-hex) must be a strict dotted-quad IPv4address
 *   (dec-octets without leading zeros), so `127.1` or `0x7f.0.0.1` cannot pose as a name.
 * - IP-literal: an IPv6 address in brackets; zone identifiers and IPvFuture are refused.
 * - port: 1 to 5 digits, at most 65535 (an empty port after ":" is refused).
 * An empty string is invalid here; the caller decides whether an empty Host is acceptable.
 */
export function parseAuthority(s: string, requirePort: boolean, out: AuthorityParts): boolean {
  const len = s.length;
  if (len === 0) return false;
  let i = 0;
  let hasUpper = false;
  let nameEnd: number;
  let dropTrailingDot = false;
  if (s.charCodeAt(0) === 0x5b /* [ */) {
    const close = s.indexOf(']');
    if (close < 0) return false;
    const inner = s.slice(1, close);
    // isIPv6 accepts a zone ("fe80::1%eth0"); a URI may not carry one unencoded (RFC 6874), so refuse '%'.
    if (inner.indexOf('%') >= 0 || !isIPv6(inner)) return false;
    for (let k = 1; k < close; k++) {
      const c = s.charCodeAt(k);
      if (c >= 0x41 && c <= 0x5a) hasUpper = true;
    }
    nameEnd = close + 1;
    i = nameEnd;
  } else {
    let labelStart = 0;
    let lastLabelStart = 0;
    for (; i < len; i++) {
      const c = s.charCodeAt(i);
      if (c === 0x3a /* : */) break;
      if (c === 0x2e /* . */) {
        if (i === labelStart) return false; // empty label
        labelStart = i + 1;
        continue;
      }
      if (c >= 0x41 && c <= 0x5a) {
        hasUpper = true;
      } else if (!((c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x5f || c === 0x7e)) {
        return false;
      }
      lastLabelStart = labelStart;
    }
    nameEnd = i;
    if (nameEnd === 0) return false;
    if (labelStart === nameEnd) {
      // The name ends with '.', and that was not an empty label run (checked above): drop it.
      dropTrailingDot = true;
      if (nameEnd === 1) return false;
    } else {
      lastLabelStart = labelStart;
    }
    if (looksNumeric(s, lastLabelStart, dropTrailingDot ? nameEnd - 1 : nameEnd) && !isDottedQuad(s, 0, dropTrailingDot ? nameEnd - 1 : nameEnd)) {
      return false;
    }
  }
  let port: number | null = null;
  let portHasLeadingZero = false;
  if (i < len) {
    if (s.charCodeAt(i) !== 0x3a) return false; // e.g. "[::1]x"
    const portStart = i + 1;
    const digits = len - portStart;
    if (digits < 1 || digits > 5) return false;
    let p = 0;
    for (let k = portStart; k < len; k++) {
      const c = s.charCodeAt(k);
      if (c < 0x30 || c > 0x39) return false;
      p = p * 10 + (c - 0x30);
    }
    if (p > 65535) return false;
    portHasLeadingZero = digits > 1 && s.charCodeAt(portStart) === 0x30;
    port = p;
  } else if (requirePort) {
    return false;
  }
  if (!hasUpper && !dropTrailingDot && !portHasLeadingZero) {
    // Already normal: reuse the input, no allocation in the common case.
    out.host = s;
    out.hostname = port === null ? s : s.slice(0, nameEnd);
    out.port = port;
    return true;
  }
  let hostname = s.slice(0, dropTrailingDot ? nameEnd - 1 : nameEnd);
  if (hasUpper) hostname = hostname.toLowerCase();
  out.hostname = hostname;
  out.host = port === null ? hostname : `${hostname}:${port}`;
  out.port = port;
  return true;
}

/** WHATWG's "ends in a number": the last label is all digits, or 0x followed by hex digits. */
function looksNumeric(s: string, start: number, end: number): boolean {
  if (start >= end) return false;
  let i = start;
  if (end - start >= 2 && s.charCodeAt(i) === 0x30 && (s.charCodeAt(i + 1) | 0x20) === 0x78) {
    i += 2;
    for (; i < end; i++) {
      const c = s.charCodeAt(i) | 0x20;
      if (!((c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66))) return false;
    }
    return true;
  }
  for (; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}

/** RFC 3986 §3.2.2 IPv4address: four dec-octets 0-255 without leading zeros. */
function isDottedQuad(s: string, start: number, end: number): boolean {
  let octets = 0;
  let i = start;
  while (i <= end) {
    const octetStart = i;
    let value = 0;
    while (i < end) {
      const c = s.charCodeAt(i);
      if (c === 0x2e) break;
      if (c < 0x30 || c > 0x39) return false;
      value = value * 10 + (c - 0x30);
      i++;
    }
    const digits = i - octetStart;
    if (digits === 0 || digits > 3 || value > 255) return false;
    if (digits > 1 && s.charCodeAt(octetStart) === 0x30) return false;
    octets++;
    if (i === end) break;
    i++; // skip '.'
  }
  return octets === 4;
}
