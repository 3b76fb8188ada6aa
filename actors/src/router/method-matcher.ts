// Matches the request method against the route's method set.
import type { MatchCache, RequestFacts, RequestMatcher } from './request-facts.js';

/**
 * `match.method`: the method as received is one of the configured methods. The schema upper-cases
 * config methods; the request method is compared as received because methods are case-sensitive
 * (RFC 9110 §9.1), so a request `get` does not match `GET`.
 */
export class MethodMatcher implements RequestMatcher {
  private readonly methods: readonly string[];

  constructor(methods: readonly string[]) {
    this.methods = [...new Set(methods)];
  }

  matches(facts: RequestFacts, _cache: MatchCache): boolean {
    const m = facts.method;
    const list = this.methods;
    // A handful of methods at most: a scan of `===` beats hashing the request's string.
    for (let i = 0; i < list.length; i++) if (list[i] === m) return true;
    return false;
  }
}
