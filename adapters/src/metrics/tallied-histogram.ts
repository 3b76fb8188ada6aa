// A prom-client Histogram whose per-request observe is a bucket search and three additions; prom-client renders it.
import { Histogram, type Aggregator, type HistogramConfiguration, type MetricObjectWithValues, type MetricValue } from 'prom-client';

/** One label set of a TalliedHistogram: what a request pays for is `observe`. */
export class HistogramSeries {
  /** Observations per bucket (not cumulative); the last slot is +Inf. */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(
    private readonly bounds: readonly number[],
    readonly labels: Readonly<Record<string, string>>,
  ) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  /** A non-finite value is ignored (prom-client would throw inside the caller's path). */
  observe(value: number): void {
    if (!Number.isFinite(value)) return;
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && value > (bounds[i] as number)) i++;
    this.counts[i] = (this.counts[i] as number) + 1;
    this.sum += value;
    this.count++;
  }
}

/**
 * A histogram for per-request observations. prom-client's own `labels(...).observe(v)` builds a
 * label object, validates it and hashes it on every call (about a microsecond, twice per request
 * with the admin listener on); here a caller keeps the `HistogramSeries` of its label set and each
 * observation only touches that series. prom-client still names, registers, renders and aggregates
 * the metric: `get()` hands the registry the same values, in the same order, as a stock Histogram
 * fed the same observations would (tallied-histogram.test.ts compares them).
 */
export class TalliedHistogram<T extends string> extends Histogram<T> {
  private readonly series = new Map<string, HistogramSeries>();
  private readonly bounds: readonly number[];
  private readonly names: readonly T[];
  /** What `get()` reports as the metric's name, help and cluster aggregator (as prom-client would). */
  private readonly described: { name: string; help: string; aggregator: Aggregator };

  constructor(config: HistogramConfiguration<T> & { buckets: readonly number[]; labelNames: readonly T[] }) {
    super({ ...config, buckets: [...config.buckets] });
    this.bounds = [...config.buckets].sort((a, b) => a - b);
    this.names = config.labelNames;
    this.described = { name: config.name, help: config.help, aggregator: config.aggregator ?? 'sum' };
  }

  /** The series of one label set, made on first use; keep it rather than asking per observation. */
  seriesOf(...values: string[]): HistogramSeries {
    const key = values.join('\u0000');
    let series = this.series.get(key);
    if (series === undefined) {
      const labels: Record<string, string> = {};
      this.names.forEach((name, i) => (labels[name] = values[i] ?? ''));
      series = new HistogramSeries(this.bounds, labels);
      this.series.set(key, series);
    }
    return series;
  }

  /**
   * The values in the shape prom-client's registry renders text from (`Registry.metrics()` asks a
   * histogram for this, not for `get()`): per series, each bucket's cumulative count with `le`, then
   * +Inf, sum and count, the series' labels as shared labels.
   */
  async getForPromString(): Promise<MetricObjectWithValues<MetricValue<T>>> {
    const { name, help, aggregator } = this.described;
    const bounds = this.bounds;
    const values: ExportedValue[] = [];
    for (const series of this.series.values()) {
      const shared = series.labels;
      let cumulative = 0;
      for (let i = 0; i < bounds.length; i++) {
        cumulative += series.counts[i] as number;
        values.push(exported({ le: bounds[i] as number }, cumulative, `${name}_bucket`, null, shared));
      }
      values.push(exported({ le: '+Inf' }, series.count, `${name}_bucket`, null, shared));
      values.push(exported({}, series.sum, `${name}_sum`, undefined, shared));
      values.push(exported({}, series.count, `${name}_count`, undefined, shared));
    }
    // prom-client's own type tag is the string 'histogram' (its typings call it an enum).
    return { name, help, type: 'histogram', values, aggregator } as unknown as MetricObjectWithValues<MetricValue<T>>;
  }

  /** As prom-client's: the same values with the shared labels folded into each value's labels. */
  override async get(): Promise<MetricObjectWithValues<MetricValue<T>>> {
    const data = await this.getForPromString();
    data.values = (data.values as unknown as ExportedValue[]).map(({ labels, sharedLabels, ...rest }) => ({ ...rest, labels: { ...labels, ...sharedLabels } })) as unknown as MetricValue<T>[];
    return data;
  }

  override reset(): void {
    // prom-client's constructor calls reset() before this class's fields exist.
    const all = this.series as Map<string, HistogramSeries> | undefined;
    if (all === undefined) return;
    // Series stay with their holders (they keep counting): zero them rather than forget them.
    for (const series of all.values()) {
      series.counts.fill(0);
      series.sum = 0;
      series.count = 0;
    }
  }
}

/** One exported value, field for field as prom-client's histogram makes them (`setValuePair`). */
interface ExportedValue {
  labels: Record<string, string | number>;
  sharedLabels: Readonly<Record<string, string>>;
  value: number;
  metricName: string;
  exemplar: null | undefined;
}

function exported(labels: Record<string, string | number>, value: number, metricName: string, exemplar: null | undefined, sharedLabels: Readonly<Record<string, string>>): ExportedValue {
  return { labels, sharedLabels, value, metricName, exemplar };
}
