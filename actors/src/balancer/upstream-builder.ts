// Builds each upstream's runtime for one config version: targets, their pools, and the picker.
import type { Config, UpstreamConfig } from '@switchyard/config';
import type { PoolRegistry } from '../proxy/pool-registry.js';
import { tlsOptions } from '../proxy/pool-registry.js';
import type { TargetRuntime, UpstreamRuntime } from '../proxy/proxy-snapshot.js';
import type { PoolEndpoint } from '../proxy/target-pool.js';
import { SmoothWeightedRoundRobin } from './smooth-weighted-round-robin.js';

interface WeightedTarget extends TargetRuntime {
  readonly weight: number;
}

export interface BuiltUpstreams {
  upstreams: Map<string, UpstreamRuntime>;
  /** Pool keys in use, so the registry can retire the rest. */
  poolKeys: Set<string>;
}

/** Builds every upstream of `config`, reusing pools from the registry where the key matches. */
export function buildUpstreams(config: Readonly<Config>, registry: PoolRegistry): BuiltUpstreams {
  const upstreams = new Map<string, UpstreamRuntime>();
  const poolKeys = new Set<string>();
  for (const upstream of config.upstreams) upstreams.set(upstream.name, buildUpstream(upstream, registry, poolKeys));
  return { upstreams, poolKeys };
}

function buildUpstream(config: Readonly<UpstreamConfig>, registry: PoolRegistry, poolKeys: Set<string>): UpstreamRuntime {
  const scheme = config.tls === undefined ? 'http' : 'https';
  const targets: WeightedTarget[] = config.targets.map((target) => {
    const { host, port } = target.address;
    const hostForUrl = host.includes(':') ? `[${host}]` : host;
    const address = `${hostForUrl}:${port}`;
    const endpoint: PoolEndpoint = { host, port };
    if (config.tls !== undefined) endpoint.tls = tlsOptions(config.tls.servername ?? host, config.tls.verify, config.tls.ca);
    const key = `${scheme}://${address}|${config.tls?.servername ?? ''}|${config.tls?.verify ?? ''}|${config.tls?.ca ?? ''}|${config.proxyProtocol ?? ''}`;
    poolKeys.add(key);
    const pool = registry.configured(key, endpoint, {
      maxIdle: config.pool.maxIdle,
      idleTimeoutMs: config.pool.idleTimeout,
      maxConnections: target.maxConnections ?? config.pool.maxConnections ?? Infinity,
      connectTimeoutMs: config.timeouts.connect,
    });
    const isDefaultPort = port === (scheme === 'https' ? 443 : 80);
    return {
      upstream: config.name,
      address,
      hostHeader: isDefaultPort ? hostForUrl : address,
      pool,
      // A draining target takes no new requests.
      weight: target.state === 'draining' ? 0 : target.weight,
    };
  });
  const picker = new SmoothWeightedRoundRobin(targets);
  const origins = targets.flatMap((t) => {
    const isDefaultPort = t.address.endsWith(scheme === 'https' ? ':443' : ':80');
    return isDefaultPort ? [`${scheme}://${t.hostHeader}`] : [`${scheme}://${t.address}`];
  });
  return {
    name: config.name,
    scheme,
    targets,
    pick: () => picker.pick(),
    timeouts: { connectMs: config.timeouts.connect, responseHeadMs: config.timeouts.responseHead, idleMs: config.timeouts.idle },
    origins,
  };
}
