// Folds several rounds of the same measurements into one row per target and scenario: the median round.

/** What a round measured for one target in one scenario; `rps` is absent when it did not run. */
export interface RoundRow {
  target: string;
  scenario: string;
  rps?: number;
}

/**
 * For each target and scenario, the row of the median round by req/s (the lower middle for an even
 * count), with every round's req/s in run order. A rate from a single round of a noisy 2-core
 * machine can differ by as much as the effect being measured; the median of interleaved rounds
 * does not reward one lucky round the way a best-of does. Rows that never measured (failed,
 * skipped) stand for themselves when no round measured.
 */
export function medianRounds<T extends RoundRow>(rounds: readonly (readonly T[])[]): Array<T & { roundsRps: number[] }> {
  const groups = new Map<string, T[]>();
  for (const round of rounds) {
    for (const row of round) {
      const key = `${row.target}\u0000${row.scenario}`;
      const group = groups.get(key);
      if (group === undefined) groups.set(key, [row]);
      else group.push(row);
    }
  }
  const out: Array<T & { roundsRps: number[] }> = [];
  for (const group of groups.values()) {
    const measured = group.filter((row) => row.rps !== undefined);
    const roundsRps = measured.map((row) => row.rps as number);
    if (measured.length === 0) {
      out.push({ ...(group[0] as T), roundsRps });
      continue;
    }
    const sorted = [...measured].sort((a, b) => (a.rps as number) - (b.rps as number));
    out.push({ ...(sorted[Math.floor((sorted.length - 1) / 2)] as T), roundsRps });
  }
  return out;
}
