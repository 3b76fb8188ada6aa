// Builds each upstream's runtime for one config version: targets, their pools, retry policy, picker.
import type { Config, UpstreamConfig } from '@switchyard/config';
import type { HealthViews, UpstreamHealthView } from '../health/index.js';
import type { PoolRegistry } from '../proxy/pool-registry.js';
import { tlsOptions } from '../proxy/pool-registry.js';
import type { UpstreamRuntime } from '../proxy/proxy-snapshot.js';
import type { PoolEndpoint } from '../proxy/target-pool.js';
import { TargetRuntime } from '../proxy/target-runtime.js';
import { createPicker } from './create-picker.js';
import { InflightTable } from './inflight-table.js';
import { RetryBudget } from './retry-budget.js';

export interface BuiltUpstreams {
  upstreams: Map<string, UpstreamRuntime>;
  /** Pool keys in use, so the registry can retire the rest. */
  poolKeys: Set<string>;
}

/** Builds every upstream of `config`, reusing pools from the registry where the key matches. */
export function buildUpstreams(config: Readonly<Config>, registry: PoolRegistry, views: HealthViews): BuiltUpstreams {
  const upstreams = new Map<string, UpstreamRuntime>();
  const poolKeys = new Set<string>();
  for (const upstream of config.upstreams) {
    const runtime = buildUpstream(upstream, registry, poolKeys);
    applyHealthView(runtime, upstream, views.get(upstream.name));
    upstreams.set(upstream.name, runtime);
  }
  return { upstreams, poolKeys };
}

/**
 * Rebuilds an upstream's picker over the targets its health view lets take traffic, with weights
 * scaled by slow start. Without a view (no health state yet) every active, weighted target counts.
 */
export function applyHealthView(runtime: UpstreamRuntime, config: Readonly<UpstreamConfig>, view: UpstreamHealthView | undefined): void {
  const candidates: TargetRuntime[] = [];
  // Targets out of rotation weigh nothing, so nothing (not even the queue fallback) picks them.
  for (const target of runtime.targets) target.weight = 0;
  if (view === undefined) {
    for (const target of runtime.targets) {
      target.weight = config.targets[target.index]?.state === 'draining' ? 0 : target.configuredWeight;
      if (target.weight > 0) candidates.push(target);
    }
  } else {
    for (const index of view.routable) {
      const target = runtime.targets[index];
      if (target === undefined) continue;
      // Factors are in (0, 1]; weights stay positive so a ramping target still gets a trickle.
      target.weight = Math.max(1e-3, target.configuredWeight * (view.weightFactors[index] ?? 1));
      candidates.push(target);
    }
  }
  runtime.picker = createPicker(config, candidates);
  runtime.outlier = view?.outlier;
}

function buildUpstream(config: Readonly<UpstreamConfig>, registry: PoolRegistry, poolKeys: Set<string>): UpstreamRuntime {
  const scheme = config.tls === undefined ? 'http' : 'https';
  const inflight = new InflightTable(config.targets.length);
  const targets: TargetRuntime[] = config.targets.map((target, index) => {
    const { host, port } = target.address;
    const hostForUrl = host.includes(':') ? `[${host}]` : host;
    const address = `${hostForUrl}:${port}`;
    const endpoint: PoolEndpoint = { host, port };
    if (config.tls !== undefined) endpoint.tls = tlsOptions(config.tls.servername ?? host, config.tls.verify, config.tls.ca);
    const key = `${scheme}://${address}|${config.tls?.servername ?? ''}|${config.tls?.verify ?? ''}|${config.tls?.ca ?? ''}|${config.proxyProtocol ?? ''}`;
    poolKeys.add(key);
    const maxConnections = target.maxConnections ?? config.pool.maxConnections ?? Infinity;
    const pool = registry.configured(key, endpoint, {
      maxIdle: config.pool.maxIdle,
      idleTimeoutMs: config.pool.idleTimeout,
      maxConnections,
      connectTimeoutMs: config.timeouts.connect,
    });
    const isDefaultPort = port === (scheme === 'https' ? 443 : 80);
    return new TargetRuntime(inflight, index, {
      upstream: config.name,
      address,
      hostHeader: isDefaultPort ? hostForUrl : address,
      pool,
      configuredWeight: target.weight,
      maxConnections,
    });
  });
  const origins = targets.map((t) => `${scheme}://${t.hostHeader}`);
  return {
    name: config.name,
    scheme,
    targets,
    picker: createPicker(config, targets),
    outlier: undefined,
    timeouts: { connectMs: config.timeouts.connect, responseHeadMs: config.timeouts.responseHead, idleMs: config.timeouts.idle },
    origins,
    retries: config.retries,
    retryOn: new Set(config.retryOn),
    retryBudget: new RetryBudget(config.retryBudget),
    queueTimeoutMs: config.queueTimeout,
    proxyProtocol: config.proxyProtocol,
    pool: { maxIdle: config.pool.maxIdle, idleTimeoutMs: config.pool.idleTimeout },
  };
}
