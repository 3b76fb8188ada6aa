// Matches the request path: exact paths and globs, plain prefixes, and regular expressions.
import type { MatchCache, RequestFacts, RequestMatcher } from './request-facts.js';

const HEX = '0123456789ABCDEF';

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const l = c | 0x20;
  return l >= 0x61 && l <= 0x66 ? l - 0x61 + 10 : -1;
}

function isUnreserved(c: number): boolean {
  return (
    (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x2e || c === 0x5f || c === 0x7e
  );
}

/**
 * Spells a configured path (pattern, prefix) the way the request parser spells request paths, so they
 * can be compared as strings: `%XX` of an unreserved character is decoded, any other escape gets
 * upper-case hex (RFC 3986 §6.2.2). `/caf%c3%a9` becomes `/caf%C3%A9`, `/%7euser` becomes `/~user`.
 */
export function normalizePathEscapes(p: string): string {
  if (p.indexOf('%') < 0) return p;
  let out = '';
  for (let i = 0; i < p.length; i++) {
    const c = p.charCodeAt(i);
    if (c === 0x25 && i + 2 < p.length && hexValue(p.charCodeAt(i + 1)) >= 0 && hexValue(p.charCodeAt(i + 2)) >= 0) {
      const v = hexValue(p.charCodeAt(i + 1)) * 16 + hexValue(p.charCodeAt(i + 2));
      out += isUnreserved(v) ? String.fromCharCode(v) : `%${HEX[v >> 4]}${HEX[v & 15]}`;
      i += 2;
    } else {
      out += p[i];
    }
  }
  return out;
}

function escapeRegex(s: string): string {
  return s.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');
}

/** Compiles a glob (`*` within a segment, `**` as a whole segment) into an anchored RegExp. */
export function globToRegExp(pattern: string): RegExp {
  const segments = pattern.split('/');
  let src = '^';
  // segments[0] is '' (patterns start with '/').
  for (let i = 1; i < segments.length; i++) {
    const seg = segments[i] as string;
    if (seg === '**') src += '(?:/[^/]*)*';
    else src += `/${seg.split('*').map(escapeRegex).join('[^/]*')}`;
  }
  return new RegExp(`${src}$`);
}

/**
 * `match.path`: the path equals one of the patterns, or matches one of the globs.
 * - No `*`: exact, case-sensitive string equality (`/a` and `/a/` differ).
 * - `*` matches any characters within one segment, including none, but never `/`
 *   (`/api/*\/items` matches `/api/v1/items`; `/files/*` matches `/files/` and `/files/x`, not `/files`).
 * - `**` as a whole segment matches zero or more segments: `/oauth2/authorization/**` matches
 *   `/oauth2/authorization`, `/oauth2/authorization/`, `/oauth2/authorization/google` and
 *   `/oauth2/authorization/a/b`, but not `/oauth2/authorizationX`. `/a/**\/b` matches `/a/b` and `/a/x/y/b`.
 * - Every other character is literal (`?` too: the query is not part of the path).
 * Patterns are compared with the request path as normalized by the parser; `%XX` in a pattern is
 * normalized the same way at load (see `normalizePathEscapes`). A list matches when any entry does.
 *
 * Hot-path shape: exact paths are `===` scans (a Set beyond 8), `/prefix/**` is a segment-prefix check,
 * and only other globs run a RegExp.
 */
export class PathMatcher implements RequestMatcher {
  private readonly exactList: readonly string[];
  private readonly exactSet: ReadonlySet<string> | undefined;
  /** For each `<base>/**` pattern without other wildcards: `<base>` (`''` for `/**`). */
  private readonly segmentPrefixes: readonly string[];
  private readonly regexes: readonly RegExp[];

  constructor(patterns: readonly string[]) {
    const exact = new Set<string>();
    const prefixes = new Set<string>();
    const regexes = new Map<string, RegExp>();
    for (const raw of patterns) {
      const p = normalizePathEscapes(raw);
      if (p.indexOf('*') < 0) exact.add(p);
      else if (p.endsWith('/**') && p.indexOf('*') === p.length - 2) prefixes.add(p.slice(0, -3));
      else if (!regexes.has(p)) regexes.set(p, globToRegExp(p));
    }
    this.exactList = exact.size <= 8 ? [...exact] : [];
    this.exactSet = exact.size > 8 ? exact : undefined;
    this.segmentPrefixes = [...prefixes];
    this.regexes = [...regexes.values()];
  }

  matches(facts: RequestFacts, _cache: MatchCache): boolean {
    return this.matchesPath(facts.path);
  }

  matchesPath(path: string): boolean {
    const exact = this.exactList;
    for (let i = 0; i < exact.length; i++) if (exact[i] === path) return true;
    if (this.exactSet !== undefined && this.exactSet.has(path)) return true;
    const prefixes = this.segmentPrefixes;
    for (let i = 0; i < prefixes.length; i++) {
      const base = prefixes[i] as string;
      // `base` itself, or `base` followed by '/': the prefix ends at a segment boundary.
      if (path.startsWith(base) && (path.length === base.length || path.charCodeAt(base.length) === 0x2f)) return true;
    }
    const regexes = this.regexes;
    for (let i = 0; i < regexes.length; i++) if ((regexes[i] as RegExp).test(path)) return true;
    return false;
  }
}

/**
 * `match.pathPrefix`: the path starts with one of the prefixes as a plain string, like nginx
 * `location /api` and Envoy `prefix` (so `/api` also matches `/apix`; write `/api/` for a segment).
 * Prefixes are normalized like paths at load. A list matches when any prefix does.
 */
export class PathPrefixMatcher implements RequestMatcher {
  private readonly prefixes: readonly string[];

  constructor(prefixes: readonly string[]) {
    this.prefixes = [...new Set(prefixes.map(normalizePathEscapes))];
  }

  matches(facts: RequestFacts, _cache: MatchCache): boolean {
    const path = facts.path;
    const prefixes = this.prefixes;
    for (let i = 0; i < prefixes.length; i++) if (path.startsWith(prefixes[i] as string)) return true;
    return false;
  }
}

/**
 * `match.pathRegex`: `RegExp.test` on the normalized path (without query), compiled once without
 * flags, so unanchored unless the pattern anchors itself. The pattern sees the normalized path, with
 * upper-case hex in any remaining `%XX`.
 */
export class PathRegexMatcher implements RequestMatcher {
  private readonly regex: RegExp;

  constructor(source: string) {
    this.regex = new RegExp(source);
  }

  matches(facts: RequestFacts, _cache: MatchCache): boolean {
    return this.regex.test(facts.path);
  }
}
