// Matches the request host against exact names and `*.suffix` wildcards.
import type { MatchCache, RequestFacts, RequestMatcher } from './request-facts.js';

/**
 * `match.host`: the request host (lower-cased, without port, as `RequestFacts.host`) equals one of
 * the exact names, or ends with the suffix of a `*.example.com` pattern after one or more labels
 * (`a.example.com`, `a.b.example.com`; never the apex `example.com`). Patterns are lower-cased by the
 * config schema. A list matches when any pattern does.
 */
export class HostMatcher implements RequestMatcher {
  /** Exact names, checked by `===` when few (cheaper than hashing the per-request host string). */
  private readonly exactList: readonly string[];
  private readonly exactSet: ReadonlySet<string> | undefined;
  /** `.example.com` for each `*.example.com`. */
  private readonly suffixes: readonly string[];

  constructor(patterns: readonly string[]) {
    const exact = new Set<string>();
    const suffixes = new Set<string>();
    for (const p of patterns) {
      const lower = p.toLowerCase();
      if (lower.startsWith('*.')) suffixes.add(lower.slice(1));
      else exact.add(lower);
    }
    this.exactList = exact.size <= 8 ? [...exact] : [];
    this.exactSet = exact.size > 8 ? exact : undefined;
    this.suffixes = [...suffixes];
    this.exactNames = [...exact];
    this.hasWildcards = suffixes.size > 0;
  }

  /** The exact (non-wildcard) names, lower-cased; the route table indexes routes by them. */
  readonly exactNames: readonly string[];
  /** Whether some pattern is a `*.suffix` wildcard. */
  readonly hasWildcards: boolean;

  matches(facts: RequestFacts, _cache: MatchCache): boolean {
    return this.matchesHost(facts.host);
  }

  matchesHost(host: string): boolean {
    const list = this.exactList;
    for (let i = 0; i < list.length; i++) if (list[i] === host) return true;
    if (this.exactSet !== undefined && this.exactSet.has(host)) return true;
    const suffixes = this.suffixes;
    for (let i = 0; i < suffixes.length; i++) {
      const s = suffixes[i] as string;
      // Longer than the suffix: at least one label before it (the parser refuses empty labels).
      if (host.length > s.length && host.endsWith(s)) return true;
    }
    return false;
  }
}
