import assert from 'node:assert/strict';
import { register as globalRegistry } from 'prom-client';
import { loadConfig } from '@switchyard/config';
import { ActorRestarted } from '@switchyard/core';
import { ProxyMetrics } from '../../src/metrics/proxy-metrics.js';
import { fixtureConfigInput, request, startFixture, StreamClient, type Fixture } from '../admin/admin-fixture.js';
import { waitFor } from '../helpers.js';

/** One sample of Prometheus text format: `name{a="b",c="d"} value`. */
interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** A tiny parser of the Prometheus text exposition format (0.0.4): samples only, comments skipped. */
function parsePrometheus(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/.exec(line);
    assert.ok(m !== null, `not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    const labelRe = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)",?/g;
    for (const lm of (m[2] ?? '').matchAll(labelRe)) {
      labels[lm[1] as string] = (lm[2] as string).replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    }
    const raw = m[3] as string;
    samples.push({ name: m[1] as string, labels, value: raw === '+Inf' ? Infinity : raw === '-Inf' ? -Infinity : Number(raw) });
  }
  return samples;
}

class Scrape {
  constructor(readonly samples: Sample[]) {}

  all(name: string, labels: Record<string, string> = {}): Sample[] {
    return this.samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  }

  sum(name: string, labels: Record<string, string> = {}): number {
    return this.all(name, labels).reduce((a, s) => a + s.value, 0);
  }

  one(name: string, labels: Record<string, string> = {}): number | undefined {
    const found = this.all(name, labels);
    assert.ok(found.length <= 1, `${name} ${JSON.stringify(labels)}: ${found.length} samples`);
    return found[0]?.value;
  }
}

describe('proxy metrics', () => {
  let fx: Fixture;
  const scrape = async (): Promise<Scrape> => {
    const res = await request(`${fx.adminUrl}/metrics`);
    assert.equal(res.status, 200);
    assert.match(String(res.headers['content-type']), /^text\/plain; version=0\.0\.4/);
    return new Scrape(parsePrometheus(res.body));
  };

  beforeEach(async () => {
    fx = await startFixture();
  });
  afterEach(() => fx.close());

  it('counts a known run: N requests sum to N, histogram counts N, by route, status and upstream', async () => {
    const paths = ['/api/1', '/api/2', '/api/3', '/api/4?status=503', '/api/5?status=404', '/static/a', '/static/b'];
    for (const p of paths) await request(`${fx.proxyUrl}${p}`);
    const m = await scrape();
    assert.equal(m.sum('switchyard_requests_total'), paths.length);
    assert.equal(m.one('switchyard_requests_total', { route: 'api', status: '200', upstream: 'app' }), 3);
    assert.equal(m.one('switchyard_requests_total', { route: 'api', status: '503', upstream: 'app' }), 1);
    assert.equal(m.one('switchyard_requests_total', { route: 'api', status: '404', upstream: 'app' }), 1);
    assert.equal(m.one('switchyard_requests_total', { route: 'static', status: '200', upstream: '' }), 2);

    assert.equal(m.sum('switchyard_request_duration_seconds_count'), paths.length);
    assert.equal(m.one('switchyard_request_duration_seconds_count', { route: 'api' }), 5);
    assert.equal(m.one('switchyard_request_duration_seconds_bucket', { route: 'api', le: '+Inf' }), 5);
    const sum = m.one('switchyard_request_duration_seconds_sum', { route: 'api' }) ?? -1;
    assert.ok(sum > 0 && sum < 5, `duration sum ${sum}`);
    const buckets = m.all('switchyard_request_duration_seconds_bucket', { route: 'api' }).map((s) => s.value);
    assert.deepEqual(buckets, [...buckets].sort((a, b) => a - b), 'cumulative buckets');
    assert.equal(m.one('switchyard_upstream_header_duration_seconds_count', { upstream: 'app' }), 5, 'only forwarded requests wait for an upstream');

    const counters = fx.node.counters()['web'];
    assert.ok(counters !== undefined);
    assert.equal(m.one('switchyard_bytes_total', { direction: 'in', listener: 'web' }), counters.bytesIn);
    assert.equal(m.one('switchyard_bytes_total', { direction: 'out', listener: 'web' }), counters.bytesOut);
    assert.ok(counters.bytesIn > 0 && counters.bytesOut > 0);
    assert.equal(m.one('switchyard_open_connections', { listener: 'web' }), counters.connectionsOpen);
    assert.equal(m.one('switchyard_config_version'), 1);
    assert.equal(m.one('switchyard_event_stream_dropped_total'), 0);
    assert.ok(m.all('switchyard_mailbox_depth').some((s) => s.labels['actor']?.includes('proxy') === true), 'the proxy actor has a mailbox');
  });

  it('reads open connections live at scrape time', async () => {
    const { Socket } = await import('node:net');
    const socket = new Socket();
    await new Promise<void>((resolve) => socket.connect(Number(new URL(fx.proxyUrl).port), '127.0.0.1', resolve));
    await waitFor(() => fx.node.counters()['web']?.connectionsOpen === 1, 2000, 'the connection to register');
    assert.equal((await scrape()).one('switchyard_open_connections', { listener: 'web' }), 1);
    socket.destroy();
    await waitFor(() => fx.node.counters()['web']?.connectionsOpen === 0, 2000, 'the connection to close');
    assert.equal((await scrape()).one('switchyard_open_connections', { listener: 'web' }), 0);
  });

  it('follows target health, ejections, retries and actor restarts from bus events', async () => {
    const bus = fx.node.bus;
    const target = `127.0.0.1:${fx.originPort}`;
    bus.publish({ type: 'target.health-changed', upstream: 'app', target, to: 'unhealthy' } as never);
    bus.publish({ type: 'target.ejected', upstream: 'app', target } as never);
    bus.publish({ type: 'target.ejected', upstream: 'app', target } as never);
    bus.publish({ type: 'request.retried', upstream: 'app', requestId: 'r1' } as never);
    bus.publish(ActorRestarted.make({ address: 'test-node/proxy/router', restarts: 1 }));
    let m = await scrape();
    assert.equal(m.one('switchyard_target_healthy', { upstream: 'app', target }), 0);
    assert.equal(m.one('switchyard_ejections_total', { upstream: 'app', target }), 2);
    assert.equal(m.one('switchyard_retries_total', { upstream: 'app' }), 1);
    assert.equal(m.one('switchyard_actor_restarts_total', { actor: 'test-node/proxy/router' }), 1);
    bus.publish({ type: 'target.health-changed', upstream: 'app', target, to: 'healthy' } as never);
    m = await scrape();
    assert.equal(m.one('switchyard_target_healthy', { upstream: 'app', target }), 1);

    // A reload that removes the target drops its health series; the new target's initial state shows.
    const input = fixtureConfigInput(fx.originPort);
    await fx.node.apply(loadConfig({ ...input, upstreams: [{ name: 'app', targets: [{ address: '127.0.0.1:1' }] }] }), 'test');
    await new Promise((resolve) => setImmediate(resolve));
    m = await scrape();
    assert.deepEqual(
      m.all('switchyard_target_healthy').map((series) => series.labels.target),
      ['127.0.0.1:1'],
    );
    assert.equal(m.one('switchyard_config_version'), 2);
  });

  it('counts events the stream dropped for slow clients', async () => {
    fx.admin.eventStream.droppedTotal = 0;
    const stream = await StreamClient.open(fx.wsUrl, 'type=conn.opened');
    fx.admin.eventStream.droppedTotal = 42;
    assert.equal((await scrape()).one('switchyard_event_stream_dropped_total'), 42);
    await stream.close();
  });

  it('keeps each node in its own registry, never the global one', async () => {
    const second = new ProxyMetrics({ node: fx.node });
    try {
      await request(`${fx.proxyUrl}/api/x`);
      const own = new Scrape(parsePrometheus(await second.render()));
      assert.equal(own.sum('switchyard_requests_total'), 1);
      assert.equal((await scrape()).sum('switchyard_requests_total'), 1);
      assert.equal(globalRegistry.getSingleMetric('switchyard_requests_total'), undefined);
    } finally {
      second.close();
    }
  });

  it('stops counting once closed', async () => {
    const metrics = new ProxyMetrics({ node: fx.node });
    metrics.close();
    await request(`${fx.proxyUrl}/api/x`);
    const m = new Scrape(parsePrometheus(await metrics.render()));
    assert.equal(m.sum('switchyard_requests_total'), 0);
  });
});
