// Compiles `expectStatus` (200, "200-399") once into inclusive ranges that answer "is this status expected?".

/** A compiled `expectStatus` list. */
export interface StatusMatcher {
  matches(status: number): boolean;
  /** The list as the user wrote it, for reasons: "200-399", "200, 204". */
  readonly text: string;
}

/**
 * @example
 * const m = compileStatusMatcher([200, '300-399']);
 * m.matches(302); // true
 */
export function compileStatusMatcher(expect: readonly (number | string)[]): StatusMatcher {
  const ranges: [number, number][] = [];
  for (const entry of expect) {
    if (typeof entry === 'number') {
      ranges.push([entry, entry]);
      continue;
    }
    const dash = entry.indexOf('-');
    const lo = Number(dash < 0 ? entry : entry.slice(0, dash));
    const hi = Number(dash < 0 ? entry : entry.slice(dash + 1));
    if (!Number.isInteger(lo) || !Number.isInteger(hi) || lo > hi) throw new RangeError(`invalid status range ${JSON.stringify(entry)}`);
    ranges.push([lo, hi]);
  }
  return {
    text: expect.map(String).join(', '),
    matches(status: number): boolean {
      for (const [lo, hi] of ranges) if (status >= lo && status <= hi) return true;
      return false;
    },
  };
}
