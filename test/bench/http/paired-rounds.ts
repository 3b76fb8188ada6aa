// Compares a target with its variant round by round (switchyard-50 and switchyard-50+health): ratios, and CPU per request.
import { formatRatio, formatTable, type Column } from './table.js';

/** What one round measured for one target in one scenario; fields are absent when it did not run. */
export interface PairedRow {
  target: string;
  scenario: string;
  rps?: number | undefined;
  /** The proxy's user and system CPU time per request, in µs. */
  userUsPerReq?: number | undefined;
  systemUsPerReq?: number | undefined;
}

/** A target and the variant of it whose cost the bench shows (the variant adds one feature). */
export interface Pair {
  baseline: string;
  variant: string;
}

/** Median and range of a figure over the rounds. */
export interface Spread {
  median: number;
  min: number;
  max: number;
}

/** One side's CPU per request over the rounds, in µs. */
export interface CpuPerRequest {
  total: Spread;
  user: Spread;
  system: Spread;
}

export interface PairedScenario {
  baseline: string;
  variant: string;
  scenario: string;
  /** variant req/s ÷ baseline req/s of the same round, in run order. */
  ratios: number[];
  ratio: Spread;
  /** Rounds in which the variant served at least as many req/s as the baseline. */
  variantAhead: number;
  baselineCpu: CpuPerRequest | undefined;
  variantCpu: CpuPerRequest | undefined;
}

/**
 * For every pair both of whose targets were measured in a scenario, the ratio of each round's
 * variant to the same round's baseline. A round's two runs are close in time (and the order of
 * targets flips every other round), so pairing them cancels the drift of a shared machine that a
 * ratio of two medians keeps; the range of the per-round ratios shows how far one pair of runs
 * can be trusted, and `variantAhead` is a sign test: a real 5% loss puts the variant behind in
 * nearly every round, noise puts it ahead in about half.
 *
 * CPU per request is the figure to read beside the ratio: with the proxy's core saturated,
 * req/s is its inverse, and its split shows whether the proxy's own code (user) or the kernel
 * work it triggers (system) moved.
 */
export function pairRounds(rounds: readonly (readonly PairedRow[])[], pairs: readonly Pair[]): PairedScenario[] {
  const scenarios = [...new Set(rounds.flatMap((round) => round.map((row) => row.scenario)))];
  const out: PairedScenario[] = [];
  for (const pair of pairs) {
    for (const scenario of scenarios) {
      const matched: Array<[PairedRow, PairedRow]> = [];
      for (const round of rounds) {
        const base = round.find((row) => row.target === pair.baseline && row.scenario === scenario);
        const variant = round.find((row) => row.target === pair.variant && row.scenario === scenario);
        if (base?.rps !== undefined && base.rps > 0 && variant?.rps !== undefined) matched.push([base, variant]);
      }
      if (matched.length === 0) continue;
      const ratios = matched.map(([base, variant]) => (variant.rps as number) / (base.rps as number));
      out.push({
        ...pair,
        scenario,
        ratios,
        ratio: spreadOf(ratios),
        variantAhead: ratios.filter((r) => r >= 1).length,
        baselineCpu: cpuPerRequest(matched.map(([base]) => base)),
        variantCpu: cpuPerRequest(matched.map(([, variant]) => variant)),
      });
    }
  }
  return out;
}

/** The median (the mean of the middle two for an even count) and the range. */
export function spreadOf(values: readonly number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
  return { median, min: sorted[0] as number, max: sorted[sorted.length - 1] as number };
}

function cpuPerRequest(rows: readonly PairedRow[]): CpuPerRequest | undefined {
  const known = rows.filter((row) => row.userUsPerReq !== undefined && row.systemUsPerReq !== undefined);
  if (known.length === 0) return undefined;
  return {
    total: spreadOf(known.map((row) => (row.userUsPerReq as number) + (row.systemUsPerReq as number))),
    user: spreadOf(known.map((row) => row.userUsPerReq as number)),
    system: spreadOf(known.map((row) => row.systemUsPerReq as number)),
  };
}

const COLUMNS: readonly Column[] = [
  { header: 'scenario' },
  { header: 'ratio', align: 'right' },
  { header: 'range', align: 'right' },
  { header: 'ahead', align: 'right' },
  { header: 'per round' },
  { header: 'base us/req', align: 'right' },
  { header: 'user+sys', align: 'right' },
  { header: 'variant us/req', align: 'right' },
  { header: 'user+sys', align: 'right' },
];

/**
 * One table per pair: the median per-round ratio, its range, the rounds the variant was ahead,
 * every round's ratio, then each side's median CPU µs per request (range) and its user+system split.
 */
export function renderPaired(paired: readonly PairedScenario[]): string {
  const blocks: string[] = [];
  for (const key of new Set(paired.map((p) => `${p.variant}\u0000${p.baseline}`))) {
    const rows = paired.filter((p) => `${p.variant}\u0000${p.baseline}` === key);
    const first = rows[0] as PairedScenario;
    blocks.push(
      `${first.variant} vs ${first.baseline}, paired by round (req/s ratio; proxy CPU µs per request, median and range):\n` +
        formatTable(
          COLUMNS,
          rows.map((p) => [
            p.scenario,
            formatRatio(p.ratio.median),
            `${p.ratio.min.toFixed(2)}–${p.ratio.max.toFixed(2)}`,
            `${p.variantAhead}/${p.ratios.length}`,
            p.ratios.map((r) => r.toFixed(2)).join(' '),
            formatCpuTotal(p.baselineCpu),
            formatCpuSplit(p.baselineCpu),
            formatCpuTotal(p.variantCpu),
            formatCpuSplit(p.variantCpu),
          ]),
        ),
    );
  }
  return blocks.join('\n\n');
}

function formatCpuTotal(cpu: CpuPerRequest | undefined): string {
  if (cpu === undefined) return '-';
  const { median, min, max } = cpu.total;
  return min === max ? median.toFixed(1) : `${median.toFixed(1)} (${min.toFixed(1)}–${max.toFixed(1)})`;
}

function formatCpuSplit(cpu: CpuPerRequest | undefined): string {
  return cpu === undefined ? '-' : `${cpu.user.median.toFixed(1)}+${cpu.system.median.toFixed(1)}`;
}
