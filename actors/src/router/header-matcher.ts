// Matches request header fields by name against exact values, a regex, or presence.
import type { ValueMatch } from '@switchyard/config';
import { headerNameEquals, type MatchCache, type RequestFacts, type RequestMatcher } from './request-facts.js';
import { ValueCondition } from './value-match.js';

/**
 * `match.headers`: every listed header must satisfy its condition (AND across names):
 * - exact (`"v"` / `["v1", "v2"]`): some field line with that name has a value equal to one of the
 *   values, case-sensitively. Values are compared per field line as the parser trimmed them; a list
 *   header sent as `a, b` on one line is the one value `"a, b"` (use a regex to look inside).
 * - `{ regex }`: some field line's value matches (unanchored unless the regex anchors itself).
 * - `{ present: true | false }`: a field with that name appears / does not appear, whatever its value.
 * Names compare ASCII case-insensitively against the raw header array, without allocating.
 */
export class HeaderMatcher implements RequestMatcher {
  private readonly conditions: readonly ValueCondition[];

  constructor(headers: Readonly<Record<string, ValueMatch>>) {
    this.conditions = Object.entries(headers).map(([name, m]) => new ValueCondition(name.toLowerCase(), m));
  }

  matches(facts: RequestFacts, _cache: MatchCache): boolean {
    const headers = facts.headers;
    const conditions = this.conditions;
    for (let c = 0; c < conditions.length; c++) {
      const cond = conditions[c] as ValueCondition;
      const name = cond.name;
      let found = false;
      for (let i = 0; i + 1 < headers.length; i += 2) {
        if (!headerNameEquals(headers[i] as string, name)) continue;
        if (cond.isPresenceOnly || cond.accepts(headers[i + 1] as string)) {
          found = true;
          break;
        }
      }
      if (found !== cond.mustBePresent) return false;
    }
    return true;
  }
}
