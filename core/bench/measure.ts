// Tiny timing helpers for the core benchmarks: warm up, repeat, take the median.

export interface Figure {
  name: string;
  nsPerOp: number;
}

/** Runs `body(iterations)` a few times after a warm-up and returns the median ns per iteration. */
export function measureSync(iterations: number, body: (n: number) => void, repeats = 7): number {
  body(Math.min(iterations, 100_000));
  const samples: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const start = process.hrtime.bigint();
    body(iterations);
    samples.push(Number(process.hrtime.bigint() - start) / iterations);
  }
  return median(samples);
}

export async function measureAsync(iterations: number, body: (n: number) => Promise<void>, repeats = 7): Promise<number> {
  await body(Math.min(iterations, 10_000));
  const samples: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const start = process.hrtime.bigint();
    await body(iterations);
    samples.push(Number(process.hrtime.bigint() - start) / iterations);
  }
  return median(samples);
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

export function fmt(ns: number): string {
  return ns < 10 ? ns.toFixed(2) : ns < 100 ? ns.toFixed(1) : ns.toFixed(0);
}

export function perSecond(ns: number): string {
  const rate = 1e9 / ns;
  return rate >= 1e6 ? `${(rate / 1e6).toFixed(1)} M/s` : `${(rate / 1e3).toFixed(0)} k/s`;
}
