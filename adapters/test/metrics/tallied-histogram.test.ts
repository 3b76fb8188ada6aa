// TalliedHistogram against prom-client's own Histogram: the same observations must render the same.
import assert from 'node:assert/strict';
import { AggregatorRegistry, Histogram, Registry } from 'prom-client';
import { TalliedHistogram } from '../../src/metrics/tallied-histogram.js';

const BUCKETS = [0.0005, 0.001, 0.0025, 0.01, 0.1, 1, 10];
/** Values on, between, under and over the bounds, and repeated. */
const OBSERVED: [string, number][] = [
  ['a', 0.0001],
  ['a', 0.0005],
  ['a', 0.00051],
  ['b', 0.003],
  ['a', 1],
  ['b', 12.5],
  ['a', 0.263],
  ['c', 0],
  ['b', 0.003],
];

function both(): { stock: Registry; tallied: Registry; stockHistogram: Histogram<'route'>; talliedHistogram: TalliedHistogram<'route'> } {
  const stock = new Registry();
  const tallied = new Registry();
  const config = { name: 'x_duration_seconds', help: 'Durations.', labelNames: ['route'] as const, buckets: BUCKETS };
  const stockHistogram = new Histogram({ ...config, labelNames: [...config.labelNames], registers: [stock] });
  const talliedHistogram = new TalliedHistogram({ ...config, registers: [tallied] });
  return { stock, tallied, stockHistogram, talliedHistogram };
}

describe('TalliedHistogram', () => {
  it('renders the same text and JSON as a stock histogram fed the same observations', async () => {
    const { stock, tallied, stockHistogram, talliedHistogram } = both();
    for (const [route, value] of OBSERVED) {
      stockHistogram.labels(route).observe(value);
      talliedHistogram.seriesOf(route).observe(value);
    }
    assert.equal(await tallied.metrics(), await stock.metrics());
    assert.deepEqual(await tallied.getMetricsAsJSON(), await stock.getMetricsAsJSON());
  });

  it('sums across worker registries as a stock histogram does', async () => {
    const parts = [];
    for (let worker = 0; worker < 2; worker++) {
      const { tallied, talliedHistogram } = both();
      for (const [route, value] of OBSERVED) talliedHistogram.seriesOf(route).observe(value * (worker + 1));
      parts.push(await tallied.getMetricsAsJSON());
    }
    const stockParts = [];
    for (let worker = 0; worker < 2; worker++) {
      const { stock, stockHistogram } = both();
      for (const [route, value] of OBSERVED) stockHistogram.labels(route).observe(value * (worker + 1));
      stockParts.push(await stock.getMetricsAsJSON());
    }
    assert.equal(await AggregatorRegistry.aggregate(parts).metrics(), await AggregatorRegistry.aggregate(stockParts).metrics());
  });

  it('keeps a held series counting after a reset, from zero', async () => {
    const { tallied, talliedHistogram } = both();
    const series = talliedHistogram.seriesOf('a');
    series.observe(0.002);
    tallied.resetMetrics();
    series.observe(0.02);
    const text = await tallied.metrics();
    assert.match(text, /x_duration_seconds_count\{route="a"\} 1\n/);
    assert.match(text, /x_duration_seconds_sum\{route="a"\} 0.02\n/);
  });

  it('ignores a value that is not a finite number', async () => {
    const { tallied, talliedHistogram } = both();
    talliedHistogram.seriesOf('a').observe(Number.NaN);
    talliedHistogram.seriesOf('a').observe(Number.POSITIVE_INFINITY);
    assert.match(await tallied.metrics(), /x_duration_seconds_count\{route="a"\} 0\n/);
  });
});
