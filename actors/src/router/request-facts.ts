// The read-only request view the router matches on, and the per-request scratch its lazy parts live in.
import { parseIpInto, type IpFamily } from './ip-address.js';

/**
 * What the router sees of one request. The connection code fills it once per request from the parsed
 * head; matchers only read it. Everything here is already normalized by the parser, so matching never
 * lower-cases, trims or decodes anything per request.
 */
export interface RequestFacts {
  /** Listener name. */
  readonly listener: string;
  /** Method as received: a case-sensitive token (RFC 9110 §9.1); config methods are upper-case. */
  readonly method: string;
  /** Lower-cased host WITHOUT port ('' if none); an IPv6 literal keeps its brackets. */
  readonly host: string;
  /** Port from Host / authority if given. */
  readonly port: number | undefined;
  /** Already normalized by the parser (dot-segments removed, `//` merged, unreserved %XX decoded). */
  readonly path: string;
  /** After '?', without it; '' when none. */
  readonly rawQuery: string;
  /** Flat raw `[name, value, name, value, ...]`, names as received. */
  readonly headers: readonly string[];
  /** Client IP (after PROXY protocol / trusted XFF): IPv4 dotted, IPv6, or IPv4-mapped `::ffff:1.2.3.4`. */
  readonly sourceIp: string;
  readonly scheme: 'http' | 'https';
}

/**
 * Whether header name `name` (as received) equals `lowerName` (already lower-case), ignoring ASCII case,
 * without allocating. `c | 0x20` folds only letters correctly (it would also map `^` onto `~` and `@`
 * onto a backtick), so the folded compare is accepted only when the expected char is a letter.
 */
export function headerNameEquals(name: string, lowerName: string): boolean {
  const n = lowerName.length;
  if (name.length !== n) return false;
  for (let i = 0; i < n; i++) {
    const c = name.charCodeAt(i);
    const t = lowerName.charCodeAt(i);
    if (c !== t && ((c | 0x20) !== t || t < 0x61 || t > 0x7a)) return false;
  }
  return true;
}

/**
 * The value of the first field named `lowerName` (lower-case) in a flat raw header array, or undefined.
 * @example headerValue(['Host', 'a', 'X-Env', 'blue'], 'x-env') // 'blue'
 */
export function headerValue(headers: readonly string[], lowerName: string): string | undefined {
  for (let i = 0; i + 1 < headers.length; i += 2) {
    if (headerNameEquals(headers[i] as string, lowerName)) return headers[i + 1];
  }
  return undefined;
}

const NO_PARAMS: readonly string[] = Object.freeze([]);

/**
 * Per-request scratch for the parts of `RequestFacts` that are parsed only when some route asks:
 * the decoded query parameters and the numeric source address.
 *
 * Each part is keyed by the text it was parsed from, compared by value. A cache may therefore be reused
 * across requests (one per connection, or the route table's own) without a reset: a different text is
 * parsed afresh, the same text gives the same result. Not shared across threads (there are none).
 */
export class MatchCache {
  private queryText: string | undefined = undefined;
  private params: readonly string[] = NO_PARAMS;
  private ipText: string | undefined = undefined;
  private family: IpFamily = 0;
  private words: Uint32Array | undefined;

  /**
   * The parsed source address: `[0]` holds an IPv4 address; `[0..3]` the 32-bit words of an IPv6 one.
   * Made on first use: a cache lives per client connection, and most never meet a `sourceCidr` rule,
   * so a typed array (and its ArrayBuffer) per accepted connection would be garbage for nothing.
   */
  get ipWords(): Uint32Array {
    if (this.words === undefined) this.words = new Uint32Array(4);
    return this.words;
  }

  /**
   * The query parameters of `rawQuery` as flat decoded `[name, value, ...]`, in order, with the
   * `application/x-www-form-urlencoded` semantics of `URLSearchParams` (`+` is a space, `%XX` decoded,
   * a bad escape kept literally, empty pieces skipped, `a` alone is `a=''`). Parsed once per text.
   */
  queryParams(rawQuery: string): readonly string[] {
    if (this.queryText !== rawQuery) {
      this.params = rawQuery === '' ? NO_PARAMS : parseQuery(rawQuery);
      this.queryText = rawQuery;
    }
    return this.params;
  }

  /** The first decoded value of query parameter `name`, or undefined. */
  queryValue(rawQuery: string, name: string): string | undefined {
    const params = this.queryParams(rawQuery);
    for (let i = 0; i < params.length; i += 2) if (params[i] === name) return params[i + 1];
    return undefined;
  }

  /**
   * Parses `ip` into `ipWords` (once per text) and returns its family: 4 (IPv4, including IPv4-mapped
   * IPv6 such as `::ffff:10.1.2.3`), 6, or 0 when it is not an IP address.
   */
  sourceFamily(ip: string): IpFamily {
    if (this.ipText !== ip) {
      this.family = parseIpInto(ip, this.ipWords);
      this.ipText = ip;
    }
    return this.family;
  }
}

/** Splits and decodes a query string into flat `[name, value, ...]`. */
function parseQuery(raw: string): string[] {
  const out: string[] = [];
  // Fast path: nothing to decode, so a plain split has exactly the URLSearchParams result.
  if (raw.indexOf('%') < 0 && raw.indexOf('+') < 0) {
    let start = 0;
    const n = raw.length;
    while (start <= n) {
      let end = raw.indexOf('&', start);
      if (end < 0) end = n;
      if (end > start) {
        const eq = raw.indexOf('=', start);
        if (eq >= 0 && eq < end) out.push(raw.slice(start, eq), raw.slice(eq + 1, end));
        else out.push(raw.slice(start, end), '');
      }
      start = end + 1;
    }
    return out;
  }
  // The URLSearchParams constructor drops one leading '?' of its init string; a query that really
  // starts with '?' (request target "/x??a=1") must keep it, as URL.searchParams does.
  const params = new URLSearchParams(raw.charCodeAt(0) === 0x3f ? `?${raw}` : raw);
  for (const [name, value] of params) out.push(name, value);
  return out;
}

/**
 * One compiled request condition. Implementations are built once per config load and hold only
 * precomputed data, so `matches` allocates nothing (except the first query parse of a request).
 */
export interface RequestMatcher {
  matches(facts: RequestFacts, cache: MatchCache): boolean;
}
