// A histogram for the hottest path (every HTTP request): each series is created once and its observe function only
// finds the bucket and adds, where prom-client's Histogram converts, validates and hashes the labels on every call.
// Registered in prom-client's registry, which renders it like its own histograms.
import type { Metric, Registry } from 'prom-client';

/** One line of the rendered histogram, as prom-client's registry reads it from a metric's get(). */
interface SampleValue {
  metricName: string;
  labels: Record<string, string | number>;
  value: number;
}

interface Series {
  labels: Record<string, string>;
  /** Observations per bucket (not cumulative); the last one is +Inf. */
  counts: number[];
  sum: number;
  count: number;
}

export class RequestHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly series = new Map<string, Series>();

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly labelNames: readonly string[],
    private readonly buckets: readonly number[],
    registry: Registry,
  ) {
    registry.registerMetric(this as unknown as Metric);
  }

  /** The observe function of one series (label values in the order of labelNames). */
  observer(...values: string[]): (value: number) => void {
    const key = values.join('\u0000');
    let series = this.series.get(key);
    if (!series) {
      const labels = Object.fromEntries(this.labelNames.map((name, index) => [name, values[index] ?? '']));
      series = { labels, counts: new Array<number>(this.buckets.length + 1).fill(0), sum: 0, count: 0 };
      this.series.set(key, series);
    }
    const target = series;
    const { buckets } = this;
    return (value) => {
      let index = 0;
      while (index < buckets.length && value > buckets[index]!) index += 1;
      target.counts[index]! += 1;
      target.sum += value;
      target.count += 1;
    };
  }

  get(): Promise<{
    name: string;
    help: string;
    type: 'histogram';
    values: SampleValue[];
    aggregator: 'sum';
  }> {
    const values: SampleValue[] = [];
    for (const series of this.series.values()) {
      let cumulative = 0;
      for (const [index, count] of series.counts.entries()) {
        cumulative += count;
        const le = index < this.buckets.length ? this.buckets[index]! : '+Inf';
        values.push({
          metricName: `${this.name}_bucket`,
          labels: { ...series.labels, le },
          value: cumulative,
        });
      }
      values.push({ metricName: `${this.name}_sum`, labels: series.labels, value: series.sum });
      values.push({ metricName: `${this.name}_count`, labels: series.labels, value: series.count });
    }
    return Promise.resolve({
      name: this.name,
      help: this.help,
      type: this.type,
      values,
      aggregator: this.aggregator,
    });
  }

  reset(): void {
    this.series.clear();
  }
}
