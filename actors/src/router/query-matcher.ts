// Matches decoded query parameters against exact values, a regex, or presence.
import type { ValueMatch } from '@switchyard/config';
import type { MatchCache, RequestFacts, RequestMatcher } from './request-facts.js';
import { ValueCondition } from './value-match.js';

/**
 * `match.query`: every listed parameter must satisfy its condition (AND across names). Names and
 * values are decoded with `URLSearchParams` semantics (`+` is a space, `%XX` decoded) and names
 * compare case-sensitively, as `URLSearchParams.get` does.
 * - exact: some occurrence (`?a=1&a=2`) equals one of the values; `?flag` has the value `''`.
 * - `{ regex }`: some occurrence's value matches.
 * - `{ present: true | false }`: the parameter appears / does not appear, whatever its value.
 * The query is parsed only when a route with a query condition is reached, once per request
 * (`MatchCache`); a request without a query never parses anything.
 */
export class QueryMatcher implements RequestMatcher {
  private readonly conditions: readonly ValueCondition[];

  constructor(query: Readonly<Record<string, ValueMatch>>) {
    this.conditions = Object.entries(query).map(([name, m]) => new ValueCondition(name, m));
  }

  matches(facts: RequestFacts, cache: MatchCache): boolean {
    const params = cache.queryParams(facts.rawQuery);
    const conditions = this.conditions;
    for (let c = 0; c < conditions.length; c++) {
      const cond = conditions[c] as ValueCondition;
      const name = cond.name;
      let found = false;
      for (let i = 0; i < params.length; i += 2) {
        if (params[i] !== name) continue;
        if (cond.isPresenceOnly || cond.accepts(params[i + 1] as string)) {
          found = true;
          break;
        }
      }
      if (found !== cond.mustBePresent) return false;
    }
    return true;
  }
}
