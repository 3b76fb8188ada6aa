// Prometheus metrics of one node: counters and histograms fed by bus events, gauges read at scrape time.
import { ActorRestarted, RequestCompleted, type Bus, type Message, type ActorSystem } from '@switchyard/core';
import type { Config } from '@switchyard/config';
import type { ListenerCounters } from '@switchyard/actors';
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { TalliedHistogram, type HistogramSeries } from './tallied-histogram.js';

/** What the metrics read of a proxy node. */
export interface MetricsNode {
  readonly bus: Bus;
  readonly system: Pick<ActorSystem, 'mailboxDepths'>;
  readonly configVersion: number;
  readonly config: Readonly<Config>;
  counters(): Record<string, ListenerCounters>;
}

export interface ProxyMetricsOptions {
  node: MetricsNode;
  /** Events the WebSocket stream dropped for slow clients, read at scrape time. */
  eventStreamDropped?: () => number;
  /** Also export the process metrics of prom-client (CPU, memory, event loop lag, GC). Default false. */
  processMetrics?: boolean;
}

/**
 * Seconds. A proxy answers in well under a millisecond when pooled and local, and may wait up to
 * its timeouts (60 s by default) on a slow upstream: fine steps at the low end, a few long ones.
 */
export const PROXY_DURATION_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/**
 * Event types the metrics count that the health and balancing issues are to declare in core.
 * Until they are declared, nobody publishes them and these counters stay at zero.
 */
export const PENDING_EVENT_TYPES = {
  /** `{ upstream, target, to: 'healthy' | 'unhealthy' }` */
  targetHealthChanged: 'target.health-changed',
  /** `{ upstream, target }` */
  targetEjected: 'target.ejected',
  /** `{ upstream, ... }`: one per retry of a request on another target. */
  requestRetried: 'request.retried',
} as const;

/** Requests of one label set, counted here and handed to prom-client at scrape time. */
interface RequestTally {
  readonly labels: { route: string; status: string; upstream: string };
  count: number;
}

/**
 * The metrics of one node, in a registry of its own (never prom-client's global one, so several
 * nodes can live in one process and tests do not leak into each other).
 *
 * Cost: enabling metrics subscribes to `request.completed`, a per-request event, so the proxy
 * builds one event object per request (and one `observe` per histogram). Everything else is
 * either rare (config, health, restarts) or read from the node's plain counters at scrape time.
 * @example
 * const metrics = new ProxyMetrics({ node });
 * res.setHeader('Content-Type', metrics.contentType);
 * res.end(await metrics.render());
 * metrics.close();
 */
export class ProxyMetrics {
  readonly registry = new Registry();
  private readonly subscriptions: { unsubscribe(): void }[] = [];
  private readonly requests: Counter<'route' | 'status' | 'upstream'>;
  private readonly duration: TalliedHistogram<'route'>;
  private readonly upstreamHeader: TalliedHistogram<'upstream'>;
  private readonly targetHealthy: Gauge<'upstream' | 'target'>;
  private readonly retries: Counter<'upstream'>;
  private readonly ejections: Counter<'upstream' | 'target'>;
  private readonly restarts: Counter<'actor'>;
  // Per-request metrics are tallied here, by route, then status, then upstream, and read by
  // prom-client at scrape time: its own inc/observe build, validate and hash a label object per call
  // (~1 µs each, three per request).
  private readonly requestTallies = new Map<string, Map<number, Map<string, RequestTally>>>();
  private readonly durationSeries = new Map<string, HistogramSeries>();
  private readonly headerSeries = new Map<string, HistogramSeries>();
  /** The target health series set so far, to prune the ones a reload removed. */
  private readonly healthSeries = new Map<string, { upstream: string; target: string }>();

  constructor(private readonly options: ProxyMetricsOptions) {
    const { node } = options;
    const registers = [this.registry];
    if (options.processMetrics === true) collectDefaultMetrics({ register: this.registry });

    const requestTallies = this.requestTallies;
    this.requests = new Counter({
      name: 'switchyard_requests_total',
      help: 'Requests answered, by route, status code and upstream ("" when none).',
      labelNames: ['route', 'status', 'upstream'],
      registers,
      collect() {
        this.reset();
        for (const byStatus of requestTallies.values()) for (const byUpstream of byStatus.values()) for (const tally of byUpstream.values()) this.inc(tally.labels, tally.count);
      },
    });
    this.duration = new TalliedHistogram({
      name: 'switchyard_request_duration_seconds',
      help: 'Time from the request head arriving to the last response byte sent, by route.',
      labelNames: ['route'],
      buckets: PROXY_DURATION_BUCKETS,
      registers,
    });
    this.upstreamHeader = new TalliedHistogram({
      name: 'switchyard_upstream_header_duration_seconds',
      help: 'Time from the request sent upstream to the response head received, by upstream.',
      labelNames: ['upstream'],
      buckets: PROXY_DURATION_BUCKETS,
      registers,
    });
    new Gauge({
      name: 'switchyard_open_connections',
      help: 'Client connections open now, by listener.',
      labelNames: ['listener'],
      registers,
      collect() {
        this.reset();
        for (const [listener, c] of Object.entries(node.counters())) this.set({ listener }, c.connectionsOpen);
      },
    });
    new Counter({
      name: 'switchyard_bytes_total',
      help: 'Bytes received from (in) and sent to (out) clients, heads included, by listener. Restarts at 0 when a listener is re-created.',
      labelNames: ['direction', 'listener'],
      registers,
      collect() {
        this.reset();
        for (const [listener, c] of Object.entries(node.counters())) {
          this.inc({ direction: 'in', listener }, c.bytesIn);
          this.inc({ direction: 'out', listener }, c.bytesOut);
        }
      },
    });
    const forgetRemovedTargets = (gauge: Gauge<'upstream' | 'target'>): void => this.forgetRemovedTargets(gauge, node.config);
    this.targetHealthy = new Gauge({
      name: 'switchyard_target_healthy',
      // Summed over worker processes it would count workers: a target is healthy if every worker says so.
      aggregator: 'min',
      help: '1 when the target is healthy, 0 when not; absent until its health is first known.',
      labelNames: ['upstream', 'target'],
      registers,
      collect() {
        forgetRemovedTargets(this);
      },
    });
    this.retries = new Counter({
      name: 'switchyard_retries_total',
      help: 'Requests retried on another target, by upstream.',
      labelNames: ['upstream'],
      registers,
    });
    this.ejections = new Counter({
      name: 'switchyard_ejections_total',
      help: 'Targets ejected by passive health checks (outlier detection).',
      labelNames: ['upstream', 'target'],
      registers,
    });
    const eventStreamDropped = options.eventStreamDropped;
    new Counter({
      name: 'switchyard_event_stream_dropped_total',
      help: 'Events the WebSocket event stream dropped because a client read too slowly.',
      registers,
      collect() {
        this.reset();
        this.inc(eventStreamDropped?.() ?? 0);
      },
    });
    new Gauge({
      name: 'switchyard_mailbox_depth',
      help: 'Messages waiting in each actor mailbox.',
      labelNames: ['actor'],
      registers,
      collect() {
        this.reset();
        for (const { address, size } of node.system.mailboxDepths()) this.set({ actor: address }, size);
      },
    });
    this.restarts = new Counter({
      name: 'switchyard_actor_restarts_total',
      help: 'Actor restarts by their supervisor.',
      labelNames: ['actor'],
      registers,
    });
    new Gauge({
      name: 'switchyard_config_version',
      aggregator: 'max',
      help: 'Version of the config being served (1 at startup, +1 per applied reload).',
      registers,
      collect() {
        this.set(node.configVersion);
      },
    });

    const bus = node.bus;
    this.subscriptions.push(
      bus.subscribe(RequestCompleted, (e) => this.onRequestCompleted(e)),
      bus.subscribe(ActorRestarted, (e) => this.restarts.inc({ actor: e.address })),
      this.subscribeByName(PENDING_EVENT_TYPES.targetHealthChanged, (m) => {
        const upstream = m['upstream'];
        const target = m['target'];
        if (typeof upstream !== 'string' || typeof target !== 'string') return;
        this.targetHealthy.set({ upstream, target }, m['to'] === 'healthy' ? 1 : 0);
        this.healthSeries.set(`${upstream}\u0000${target}`, { upstream, target });
      }),
      this.subscribeByName(PENDING_EVENT_TYPES.targetEjected, (m) => {
        if (typeof m['upstream'] === 'string' && typeof m['target'] === 'string') this.ejections.inc({ upstream: m['upstream'], target: m['target'] });
      }),
      this.subscribeByName(PENDING_EVENT_TYPES.requestRetried, (m) => {
        this.retries.inc({ upstream: typeof m['upstream'] === 'string' ? m['upstream'] : '' });
      }),
    );
  }

  /** The `Content-Type` of `render()`'s output (Prometheus text format 0.0.4). */
  get contentType(): string {
    return this.registry.contentType;
  }

  /** The metrics in Prometheus text format. */
  render(): Promise<string> {
    return this.registry.metrics();
  }

  /** Unsubscribes from the bus. The registry keeps its last values. */
  close(): void {
    for (const s of this.subscriptions) s.unsubscribe();
    this.subscriptions.length = 0;
  }

  private onRequestCompleted(e: RequestCompleted): void {
    const route = e.route ?? '';
    const upstream = e.upstream ?? '';
    let byStatus = this.requestTallies.get(route);
    if (byStatus === undefined) this.requestTallies.set(route, (byStatus = new Map()));
    let byUpstream = byStatus.get(e.status);
    if (byUpstream === undefined) byStatus.set(e.status, (byUpstream = new Map()));
    let tally = byUpstream.get(upstream);
    if (tally === undefined) byUpstream.set(upstream, (tally = { labels: { route, status: String(e.status), upstream }, count: 0 }));
    tally.count++;
    let duration = this.durationSeries.get(route);
    if (duration === undefined) this.durationSeries.set(route, (duration = this.duration.seriesOf(route)));
    duration.observe(e.totalMs / 1000);
    if (e.upstreamHeaderMs >= 0) {
      let header = this.headerSeries.get(upstream);
      if (header === undefined) this.headerSeries.set(upstream, (header = this.upstreamHeader.seriesOf(upstream)));
      header.observe(e.upstreamHeaderMs / 1000);
    }
  }

  /** At scrape time: a target taken out of the config should not report its last health forever. */
  private forgetRemovedTargets(gauge: Gauge<'upstream' | 'target'>, config: Readonly<Config>): void {
    if (this.healthSeries.size === 0) return;
    const current = new Set(config.upstreams.flatMap((u) => u.targets.map((t) => `${u.name}\u0000${t.address.text}`)));
    for (const [key, labels] of this.healthSeries) {
      if (current.has(key)) continue;
      gauge.remove(labels);
      this.healthSeries.delete(key);
    }
  }

  /** Subscribes to a type by name (one core does not declare yet); a throw is reported, not raised. */
  private subscribeByName(type: string, handler: (message: Record<string, unknown>) => void): { unsubscribe(): void } {
    const bus = this.options.node.bus;
    return bus.onPrefix(type).subscribe((message: Message) => {
      if (message.type !== type) return;
      try {
        handler(message as unknown as Record<string, unknown>);
      } catch (err) {
        bus.reportSubscriberFailure(err, type);
      }
    });
  }
}
