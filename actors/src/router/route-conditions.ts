// All request conditions of one route, compiled from its `match` block and checked cheapest first.
import type { MatchConfig } from '@switchyard/config';
import { CidrMatcher } from './cidr-matcher.js';
import { HeaderMatcher } from './header-matcher.js';
import { HostMatcher } from './host-matcher.js';
import { MethodMatcher } from './method-matcher.js';
import { PathMatcher, PathPrefixMatcher, PathRegexMatcher } from './path-matcher.js';
import { QueryMatcher } from './query-matcher.js';
import type { MatchCache, RequestFacts, RequestMatcher } from './request-facts.js';

/**
 * The `match` block of a route: the keys given are ANDed, a list inside one key is ORed, and an empty
 * block matches every request. One field per matcher kind (null when absent) rather than an array of
 * `RequestMatcher`s: each call site then only ever sees one class, which keeps V8's inline caches
 * monomorphic. Checks run cheapest and most selective first: method, host, path, prefix, regex,
 * headers, query (the only one that may parse), source CIDR.
 */
export class RouteConditions implements RequestMatcher {
  readonly matchesAll: boolean;
  private readonly method: MethodMatcher | null;
  /** The host condition, or null; public so the route table can index routes by exact host. */
  readonly host: HostMatcher | null;
  private readonly path: PathMatcher | null;
  private readonly pathPrefix: PathPrefixMatcher | null;
  private readonly pathRegex: PathRegexMatcher | null;
  private readonly headers: HeaderMatcher | null;
  private readonly query: QueryMatcher | null;
  private readonly sourceCidr: CidrMatcher | null;

  constructor(match: Readonly<MatchConfig>) {
    this.method = match.method !== undefined ? new MethodMatcher(match.method) : null;
    this.host = match.host !== undefined ? new HostMatcher(match.host) : null;
    this.path = match.path !== undefined ? new PathMatcher(match.path) : null;
    this.pathPrefix = match.pathPrefix !== undefined ? new PathPrefixMatcher(match.pathPrefix) : null;
    this.pathRegex = match.pathRegex !== undefined ? new PathRegexMatcher(match.pathRegex) : null;
    this.headers = match.headers !== undefined && Object.keys(match.headers).length > 0 ? new HeaderMatcher(match.headers) : null;
    this.query = match.query !== undefined && Object.keys(match.query).length > 0 ? new QueryMatcher(match.query) : null;
    this.sourceCidr = match.sourceCidr !== undefined ? new CidrMatcher(match.sourceCidr) : null;
    this.matchesAll =
      this.method === null &&
      this.host === null &&
      this.path === null &&
      this.pathPrefix === null &&
      this.pathRegex === null &&
      this.headers === null &&
      this.query === null &&
      this.sourceCidr === null;
  }

  matches(facts: RequestFacts, cache: MatchCache): boolean {
    if (this.matchesAll) return true;
    if (this.method !== null && !this.method.matches(facts, cache)) return false;
    if (this.host !== null && !this.host.matches(facts, cache)) return false;
    if (this.path !== null && !this.path.matches(facts, cache)) return false;
    if (this.pathPrefix !== null && !this.pathPrefix.matches(facts, cache)) return false;
    if (this.pathRegex !== null && !this.pathRegex.matches(facts, cache)) return false;
    if (this.headers !== null && !this.headers.matches(facts, cache)) return false;
    if (this.query !== null && !this.query.matches(facts, cache)) return false;
    if (this.sourceCidr !== null && !this.sourceCidr.matches(facts, cache)) return false;
    return true;
  }
}
