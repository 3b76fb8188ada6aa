// Rewrites upstream Location / Content-Location / Refresh back to the client's view (ProxyPassReverse).
import { PrefixMapping } from './path-rewrite.js';

/**
 * What `rewriteLocation` needs for one response.
 * @example
 * { upstreamOrigins: ['http://127.0.0.1:8081', 'http://backend.internal'],
 *   clientOrigin: 'https://www.example.com', stripPrefix: '/api', replacePrefix: '/v2' }
 */
export interface LocationRewriteContext {
  /** Origins the upstream may call itself: the target address, and the Host value sent upstream. */
  readonly upstreamOrigins: readonly string[];
  /** Scheme and authority the client used, e.g. `https://www.example.com` or `http://a.test:8080`. */
  readonly clientOrigin: string;
  /** The route's stripPrefix / replacePrefix: the path mapping to invert. */
  readonly stripPrefix?: string;
  readonly replacePrefix?: string;
}

// Scratch of `parseOrigin`: offsets into the string parsed last. Parsing is synchronous.
let schemeEnd = 0;
let hostStart = 0;
let hostEnd = 0;
let authorityEnd = 0;
let port = -1;

/** Whether `a[aStart, aStart+len)` equals `b[bStart, bStart+len)` ignoring ASCII case. */
function regionEqualsIgnoreCase(a: string, aStart: number, b: string, bStart: number, len: number): boolean {
  for (let i = 0; i < len; i++) {
    const x = a.charCodeAt(aStart + i);
    const y = b.charCodeAt(bStart + i);
    if (x === y) continue;
    const lx = x | 0x20;
    if (lx !== (y | 0x20) || lx < 0x61 || lx > 0x7a) return false;
  }
  return true;
}

function isAlpha(c: number): boolean {
  const l = c | 0x20;
  return l >= 0x61 && l <= 0x7a;
}

/**
 * Parses `scheme://host[:port]` at `s[start, end)` into the scratch offsets; the authority ends at the
 * first '/', '?' or '#'. Refuses userinfo (`user@host`): such a URL is left alone rather than guessed at.
 */
function parseOrigin(s: string, start: number, end: number): boolean {
  let i = start;
  if (i >= end || !isAlpha(s.charCodeAt(i))) return false;
  for (i++; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x3a /* : */) break;
    if (!(isAlpha(c) || (c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2d || c === 0x2e)) return false;
  }
  if (i + 2 >= end || s.charCodeAt(i + 1) !== 0x2f || s.charCodeAt(i + 2) !== 0x2f) return false;
  schemeEnd = i;
  hostStart = i + 3;
  let j = hostStart;
  if (j < end && s.charCodeAt(j) === 0x5b /* [ */) {
    while (j < end && s.charCodeAt(j) !== 0x5d /* ] */) j++;
    if (j === end) return false;
    j++;
  } else {
    for (; j < end; j++) {
      const c = s.charCodeAt(j);
      if (c === 0x3a || c === 0x2f || c === 0x3f || c === 0x23) break;
      if (c === 0x40 /* @ */) return false;
    }
  }
  hostEnd = j;
  if (hostEnd === hostStart) return false;
  port = -1;
  if (j < end && s.charCodeAt(j) === 0x3a) {
    let p = 0;
    let digits = 0;
    for (j++; j < end; j++) {
      const c = s.charCodeAt(j);
      if (c < 0x30 || c > 0x39) break;
      p = p * 10 + (c - 0x30);
      if (++digits > 5) return false;
    }
    if (digits > 0) port = p; // "host:" means the default port (RFC 3986 §6.2.3)
  }
  if (j < end) {
    const c = s.charCodeAt(j);
    if (c !== 0x2f && c !== 0x3f && c !== 0x23) return false;
  }
  authorityEnd = j;
  if (port < 0) port = defaultPort(s, start, schemeEnd);
  return true;
}

/** 80 / 443 for http(s) and ws(s), -1 for other schemes (then only an explicit port can match). */
function defaultPort(s: string, start: number, end: number): number {
  const len = end - start;
  if (len === 4 && regionEqualsIgnoreCase(s, start, 'http', 0, 4)) return 80;
  if (len === 5 && regionEqualsIgnoreCase(s, start, 'https', 0, 5)) return 443;
  if (len === 2 && regionEqualsIgnoreCase(s, start, 'ws', 0, 2)) return 80;
  if (len === 3 && regionEqualsIgnoreCase(s, start, 'wss', 0, 3)) return 443;
  return -1;
}

/** Whether the URL origin parsed last (offsets given) equals `origin`; clobbers the scratch. */
function sameOrigin(url: string, uStart: number, uSchemeEnd: number, uHostStart: number, uHostEnd: number, uPort: number, origin: string): boolean {
  if (!parseOrigin(origin, 0, origin.length)) return false;
  const schemeLen = uSchemeEnd - uStart;
  const hostLen = uHostEnd - uHostStart;
  return (
    port === uPort &&
    schemeEnd === schemeLen &&
    hostEnd - hostStart === hostLen &&
    regionEqualsIgnoreCase(url, uStart, origin, 0, schemeLen) &&
    regionEqualsIgnoreCase(url, uHostStart, origin, hostStart, hostLen)
  );
}

/** Where the path of a URL starting at `from` ends: at '?', '#' or `end`. */
function pathEndOf(s: string, from: number, end: number): number {
  for (let i = from; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x3f || c === 0x23) return i;
  }
  return end;
}

/**
 * Rewrites the URL at `value[start, end)`; returns `value` itself when nothing changes, so the common
 * case allocates nothing.
 */
function rewriteUrlSpan(
  value: string,
  start: number,
  end: number,
  upstreamOrigins: readonly string[],
  clientOrigin: string,
  mapping: PrefixMapping | null,
): string {
  if (start >= end) return value;
  const first = value.charCodeAt(start);
  if (first === 0x2f /* / */) {
    // `//host/x` is a network-path reference to some host: not ours to guess at.
    if (end - start > 1 && value.charCodeAt(start + 1) === 0x2f) return value;
    if (mapping === null) return value;
    const pathEnd = pathEndOf(value, start, end);
    const path = value.slice(start, pathEnd);
    const mapped = mapping.invert(path);
    if (mapped === path) return value;
    return value.slice(0, start) + mapped + value.slice(pathEnd);
  }
  if (!parseOrigin(value, start, end)) return value;
  const uSchemeEnd = schemeEnd;
  const uHostStart = hostStart;
  const uHostEnd = hostEnd;
  const uPort = port;
  const uAuthorityEnd = authorityEnd;
  let matched = false;
  for (let i = 0; i < upstreamOrigins.length; i++) {
    if (sameOrigin(value, start, uSchemeEnd, uHostStart, uHostEnd, uPort, upstreamOrigins[i] as string)) {
      matched = true;
      break;
    }
  }
  if (!matched) return value;
  const pathEnd = pathEndOf(value, uAuthorityEnd, end);
  const origin = clientOrigin.endsWith('/') ? clientOrigin.slice(0, -1) : clientOrigin;
  const path = mapping === null ? value.slice(uAuthorityEnd, pathEnd) : mapping.invert(value.slice(uAuthorityEnd, pathEnd));
  return value.slice(0, start) + origin + path + value.slice(pathEnd);
}

function isWhitespace(c: number): boolean {
  return c === 0x20 || c === 0x09;
}

/** Finds the URL inside a Refresh value (`5; url=http://x/`, `0;URL='/y'`) and rewrites it. */
function rewriteRefreshValue(value: string, upstreamOrigins: readonly string[], clientOrigin: string, mapping: PrefixMapping | null): string {
  const n = value.length;
  let i = 0;
  while (i < n && isWhitespace(value.charCodeAt(i))) i++;
  while (i < n) {
    const c = value.charCodeAt(i);
    if ((c >= 0x30 && c <= 0x39) || c === 0x2e) i++;
    else break;
  }
  while (i < n && isWhitespace(value.charCodeAt(i))) i++;
  if (i < n && (value.charCodeAt(i) === 0x3b || value.charCodeAt(i) === 0x2c)) i++;
  while (i < n && isWhitespace(value.charCodeAt(i))) i++;
  if (i + 3 <= n && regionEqualsIgnoreCase(value, i, 'url', 0, 3)) {
    let j = i + 3;
    while (j < n && isWhitespace(value.charCodeAt(j))) j++;
    if (j < n && value.charCodeAt(j) === 0x3d /* = */) {
      j++;
      while (j < n && isWhitespace(value.charCodeAt(j))) j++;
      i = j;
    }
  }
  let end = n;
  const q = i < n ? value.charCodeAt(i) : 0;
  if (q === 0x22 || q === 0x27) {
    i++;
    const close = value.indexOf(q === 0x22 ? '"' : "'", i);
    if (close >= 0) end = close;
  } else {
    while (end > i && isWhitespace(value.charCodeAt(end - 1))) end--;
  }
  return rewriteUrlSpan(value, i, end, upstreamOrigins, clientOrigin, mapping);
}

/**
 * A route's response-header rewriter (Apache `ProxyPassReverse`), built once per route with its path
 * mapping precomputed; per response only the output string is allocated, and only when it changes.
 * - An absolute URL whose origin is one of `upstreamOrigins` (scheme and host compared ignoring case,
 *   an absent port meaning 80 for http and 443 for https) gets `clientOrigin` in place of its origin,
 *   and its path mapped back through the route's prefix mapping (`PrefixMapping.invert`).
 * - A path-absolute reference (`/x?y`) keeps its origin and gets only the path mapping.
 * - Anything else (another host, `//host/x`, relative `x/y`, URLs with userinfo) is left untouched.
 * Query and fragment are kept as they are.
 */
export class LocationRewriter {
  private readonly mapping: PrefixMapping | null;

  constructor(stripPrefix?: string, replacePrefix?: string) {
    const mapping = stripPrefix === undefined ? null : new PrefixMapping(stripPrefix, replacePrefix);
    this.mapping = mapping !== null && (mapping.strip.length > 0 || mapping.replace.length > 0) ? mapping : null;
  }

  /** Rewrites a `Location` or `Content-Location` value. */
  location(value: string, upstreamOrigins: readonly string[], clientOrigin: string): string {
    return rewriteUrlSpan(value, 0, value.length, upstreamOrigins, clientOrigin, this.mapping);
  }

  /** Rewrites the URL inside a `Refresh` value (`5; url=...`, `url=` matched ignoring case). */
  refresh(value: string, upstreamOrigins: readonly string[], clientOrigin: string): string {
    return rewriteRefreshValue(value, upstreamOrigins, clientOrigin, this.mapping);
  }

  /**
   * Rewrites the value of response field `lowerName` when it is `location`, `content-location` or
   * `refresh`; returns any other value unchanged.
   */
  header(lowerName: string, value: string, upstreamOrigins: readonly string[], clientOrigin: string): string {
    if (lowerName === 'location' || lowerName === 'content-location') return this.location(value, upstreamOrigins, clientOrigin);
    if (lowerName === 'refresh') return this.refresh(value, upstreamOrigins, clientOrigin);
    return value;
  }
}

// One-entry cache for the free functions, so a caller passing the same prefixes every time builds
// the mapping once.
let lastStrip: string | undefined;
let lastReplace: string | undefined;
let lastRewriter = new LocationRewriter();

function rewriterFor(ctx: LocationRewriteContext): LocationRewriter {
  if (ctx.stripPrefix !== lastStrip || ctx.replacePrefix !== lastReplace) {
    lastRewriter = new LocationRewriter(ctx.stripPrefix, ctx.replacePrefix);
    lastStrip = ctx.stripPrefix;
    lastReplace = ctx.replacePrefix;
  }
  return lastRewriter;
}

/**
 * Rewrites a `Location` / `Content-Location` value from the upstream's view to the client's
 * (see `LocationRewriter` for the rules). Routes hold a precompiled `LocationRewriter`; this is the
 * same, driven by one context object.
 * @example
 * rewriteLocation('http://127.0.0.1:8081/v2/login?next=%2F', {
 *   upstreamOrigins: ['http://127.0.0.1:8081'], clientOrigin: 'https://www.example.com',
 *   stripPrefix: '/api', replacePrefix: '/v2',
 * }); // 'https://www.example.com/api/login?next=%2F'
 */
export function rewriteLocation(value: string, ctx: LocationRewriteContext): string {
  return rewriterFor(ctx).location(value, ctx.upstreamOrigins, ctx.clientOrigin);
}

/** Rewrites the URL of a `Refresh` value (`5; url=http://...`) like `rewriteLocation`. */
export function rewriteRefresh(value: string, ctx: LocationRewriteContext): string {
  return rewriterFor(ctx).refresh(value, ctx.upstreamOrigins, ctx.clientOrigin);
}

/**
 * The origin the client used: `scheme://host[:port]`, the port left out when it is the scheme's
 * default. Built once per response that needs it.
 */
export function clientOriginOf(scheme: 'http' | 'https', host: string, clientPort: number | undefined): string {
  const isDefault = clientPort === undefined || (scheme === 'http' ? clientPort === 80 : clientPort === 443);
  const h = host.indexOf(':') >= 0 && host.charCodeAt(0) !== 0x5b ? `[${host}]` : host;
  return isDefault ? `${scheme}://${h}` : `${scheme}://${h}:${clientPort}`;
}
