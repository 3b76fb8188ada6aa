// Keeps target pools alive across reloads, so a config change does not drop warm connections.
import { readFileSync } from 'node:fs';
import tls from 'node:tls';
import type { DeadlineSweeper } from './deadline-sweeper.js';
import type { DynamicPools, UpstreamTimeouts } from './proxy-snapshot.js';
import { TargetPool, type PoolEndpoint, type PoolLimits } from './target-pool.js';

/** Dynamic (chocon) pools are kept this long after their last use before being closed. */
const DYNAMIC_POOL_LIMITS = { maxIdle: 32, idleTimeoutMs: 60_000, maxConnections: Infinity };

/**
 * Pools are keyed by everything that makes a connection unsuitable for another use: scheme, host,
 * port and TLS settings. A reload asks for pools by key; those nobody asked for are retired (idle
 * connections closed, busy ones closed when their exchange ends).
 */
export class PoolRegistry implements DynamicPools {
  private readonly pools = new Map<string, TargetPool>();
  private readonly dynamicKeys = new Set<string>();

  constructor(private readonly sweeper: DeadlineSweeper) {}

  poolFor(key: string, host: string, port: number, scheme: 'http' | 'https', verify: boolean, ca: string | undefined, timeouts: UpstreamTimeouts): TargetPool {
    const existing = this.pools.get(key);
    if (existing !== undefined) return existing;
    const endpoint: PoolEndpoint = { host, port };
    if (scheme === 'https') endpoint.tls = tlsOptions(host, verify, ca);
    const pool = new TargetPool(key, endpoint, { ...DYNAMIC_POOL_LIMITS, connectTimeoutMs: timeouts.connectMs }, this.sweeper);
    this.pools.set(key, pool);
    this.dynamicKeys.add(key);
    return pool;
  }

  /** The pool for a configured target, created or updated with the current limits. */
  configured(key: string, endpoint: PoolEndpoint, limits: PoolLimits): TargetPool {
    const existing = this.pools.get(key);
    if (existing !== undefined) {
      existing.updateLimits(limits);
      return existing;
    }
    const pool = new TargetPool(key, endpoint, limits, this.sweeper);
    this.pools.set(key, pool);
    return pool;
  }

  /** Retires configured pools whose keys are not in `inUse`; dynamic pools stay. */
  retainOnly(inUse: ReadonlySet<string>): void {
    for (const [key, pool] of this.pools) {
      if (inUse.has(key) || this.dynamicKeys.has(key)) continue;
      pool.retire();
      this.pools.delete(key);
    }
  }

  all(): IterableIterator<TargetPool> {
    return this.pools.values();
  }

  retireAll(): void {
    for (const pool of this.pools.values()) pool.retire();
    this.pools.clear();
    this.dynamicKeys.clear();
  }
}

export function tlsOptions(servername: string, verify: boolean, caPath: string | undefined): tls.ConnectionOptions {
  const options: tls.ConnectionOptions = { rejectUnauthorized: verify };
  // SNI must not be an IP literal (RFC 6066 §3).
  if (!/^[\d.]+$/.test(servername) && !servername.includes(':')) options.servername = servername;
  // One secure context per pool, not one per connection: building it (parsing the CA) costs
  // about a fifth of a new upstream TLS connection's CPU.
  if (caPath !== undefined) options.secureContext = tls.createSecureContext({ ca: readFileSync(caPath) });
  return options;
}
