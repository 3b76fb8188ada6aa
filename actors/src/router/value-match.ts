// One compiled header / query-parameter condition (exact values, regex, or presence).
import type { ValueMatch } from '@switchyard/config';

const EXACT = 0;
const REGEX = 1;
const PRESENT = 2;

/**
 * A `ValueMatch` compiled for the hot path: a fixed-shape object (same fields whatever the kind, so
 * call sites stay monomorphic) with the RegExp built once, without flags.
 */
export class ValueCondition {
  /** The lower-cased header name, or the query parameter name as written. */
  readonly name: string;
  private readonly kind: number;
  private readonly values: readonly string[];
  private readonly regex: RegExp | undefined;
  /** For `{ present }`: whether the name must appear (true) or must not (false). */
  readonly mustBePresent: boolean;
  /** Whether any value is enough: presence conditions never look at the value. */
  readonly isPresenceOnly: boolean;

  constructor(name: string, match: ValueMatch) {
    this.name = name;
    switch (match.kind) {
      case 'exact':
        this.kind = EXACT;
        this.values = [...new Set(match.values)];
        this.regex = undefined;
        this.mustBePresent = true;
        break;
      case 'regex':
        this.kind = REGEX;
        this.values = [];
        this.regex = new RegExp(match.regex);
        this.mustBePresent = true;
        break;
      case 'present':
        this.kind = PRESENT;
        this.values = [];
        this.regex = undefined;
        this.mustBePresent = match.present;
        break;
    }
    this.isPresenceOnly = this.kind === PRESENT;
  }

  /** Whether one occurrence's value satisfies an exact or regex condition. */
  accepts(value: string): boolean {
    if (this.kind === EXACT) {
      const values = this.values;
      for (let i = 0; i < values.length; i++) if (values[i] === value) return true;
      return false;
    }
    if (this.kind === REGEX) return (this.regex as RegExp).test(value);
    return true;
  }
}
