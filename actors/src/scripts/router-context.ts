// One router instance's context: its state, options, clock, logger and metrics (used inline, in workers, in tests).
import type { RouterContext, RouterLogFields, RouterLogger, RouterMetrics } from './router-api.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** Where a router's log lines go: the bus in a node, a list in tests, the parent thread in a worker. */
export type LogSink = (level: LogLevel, message: string, fields: RouterLogFields | undefined) => void;

export interface ClockFns {
  now(): number;
  monotonic(): number;
}

/** Counters and gauges of one router instance, as plain numbers in one map. */
export class MetricValues implements RouterMetrics {
  readonly values = new Map<string, number>();

  count(name: string, by = 1): void {
    if (typeof name !== 'string' || typeof by !== 'number' || !Number.isFinite(by)) return;
    this.values.set(name, (this.values.get(name) ?? 0) + by);
  }

  gauge(name: string, value: number): void {
    if (typeof name !== 'string' || typeof value !== 'number' || !Number.isFinite(value)) return;
    this.values.set(name, value);
  }

  toRecord(): Record<string, number> {
    return Object.fromEntries(this.values);
  }
}

class SinkLogger implements RouterLogger {
  constructor(private readonly sink: LogSink) {}
  debug(message: string, fields?: RouterLogFields): void {
    this.sink('debug', String(message), fields);
  }
  info(message: string, fields?: RouterLogFields): void {
    this.sink('info', String(message), fields);
  }
  warn(message: string, fields?: RouterLogFields): void {
    this.sink('warn', String(message), fields);
  }
  error(message: string, fields?: RouterLogFields): void {
    this.sink('error', String(message), fields);
  }
}

/** The context handed to `init`'s router: one per router instance (a restart makes a new one). */
export class RouterContextImpl<S = unknown, O = Readonly<Record<string, unknown>>> implements RouterContext<S, O> {
  state: S;
  readonly log: RouterLogger;
  readonly metrics: MetricValues;

  constructor(
    readonly route: string,
    readonly options: O,
    private readonly clock: ClockFns,
    sink: LogSink,
    initialState: S,
    metrics: MetricValues = new MetricValues(),
  ) {
    this.state = initialState;
    this.log = new SinkLogger(sink);
    this.metrics = metrics;
  }

  now(): number {
    return this.clock.now();
  }

  monotonic(): number {
    return this.clock.monotonic();
  }
}

export const processClock: ClockFns = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
};
