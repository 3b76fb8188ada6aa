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

/**
 * The literal text every match of regex `source` must start with, when the source is anchored (`^`)
 * and has no alternation; '' when none can be told. Used as a cheap `startsWith` check before
 * `RegExp.test`, whose call alone costs more than most misses. A literal char followed by a
 * quantifier (`?`, `*`, `{`, `+`) is not part of the prefix; `\/` and other escaped punctuation are.
 */
export function regexLiteralPrefix(source: string): string {
  if (source.charCodeAt(0) !== 0x5e /* ^ */ || source.indexOf('|') >= 0) return '';
  let out = '';
  let i = 1;
  while (i < source.length) {
    const c = source[i] as string;
    let literal: string;
    let next: number;
    if (c === '\\') {
      const e = source[i + 1];
      if (e === undefined || /[A-Za-z0-9]/.test(e)) break; // \d, \w, \b, \1, \x41, ...: not a plain char
      literal = e;
      next = i + 2;
    } else if ('^$.|?*+()[]{}'.includes(c)) {
      break;
    } else {
      literal = c;
      next = i + 1;
    }
    const q = source[next];
    if (q === '?' || q === '*' || q === '{' || q === '+') break;
    out += literal;
    i = next;
  }
  return out;
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
  /** For each of `regexes`: the glob's text before its first `*`, checked before the RegExp runs. */
  private readonly regexPrefixes: readonly string[];

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
    this.regexPrefixes = [...regexes.keys()].map((p) => {
      // A leading "/**" matches '' too, so only the text before a '/' that precedes the first '*'
      // is certain; "/a/**/b" → "/a", "/api/v*" → "/api/v".
      const star = p.indexOf('*');
      return p.charCodeAt(star - 1) === 0x2f && p.charCodeAt(star + 1) === 0x2a ? p.slice(0, star - 1) : p.slice(0, star);
    });
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
    const literal = this.regexPrefixes;
    for (let i = 0; i < regexes.length; i++) {
      if (path.startsWith(literal[i] as string) && (regexes[i] as RegExp).test(path)) return true;
    }
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
  /** What every match starts with (see `regexLiteralPrefix`), checked first: most paths miss here. */
  private readonly literalPrefix: string;

  constructor(source: string) {
    this.regex = new RegExp(source);
    this.literalPrefix = regexLiteralPrefix(source);
  }

  matches(facts: RequestFacts, _cache: MatchCache): boolean {
    const path = facts.path;
    return path.startsWith(this.literalPrefix) && this.regex.test(path);
  }
}
