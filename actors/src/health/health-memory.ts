// What the node remembers about target health across config reloads and health-actor restarts.
import type { HealthCheckConfig, UpstreamConfig } from '@switchyard/config';
import type { AdminOverride, HealthVerdict } from '@switchyard/core';

/** The last active verdict of one target. */
export interface RememberedHealth {
  readonly state: HealthVerdict;
  /** When that verdict began (ms since the epoch). */
  readonly since: number;
  readonly reason: string;
}

/**
 * The node's memory of health: one instance per node, created once by the node assembly and
 * handed to every incarnation of the health actor. It holds plain data only (so it could be
 * written to disk or shared over the cluster later):
 * - the last active verdict of each target, read by `initialState: last-known`;
 * - operator overrides (admin up/down);
 * - the upstream configs last applied, so a health actor restarted by its supervisor rebuilds
 *   its upstreams at once, with last-known states, instead of waiting for the next reload.
 */
export class HealthMemory {
  private readonly verdicts = new Map<string, RememberedHealth>();
  private readonly overrides = new Map<string, { override: AdminOverride; reason: string }>();
  /** The upstreams of the config last applied; undefined before the first `health.configure`. */
  upstreams: readonly Readonly<UpstreamConfig>[] | undefined = undefined;

  recall(upstream: string, target: string): RememberedHealth | undefined {
    return this.verdicts.get(keyOf(upstream, target));
  }

  remember(upstream: string, target: string, value: RememberedHealth): void {
    this.verdicts.set(keyOf(upstream, target), value);
  }

  recallAdmin(upstream: string, target: string): { override: AdminOverride; reason: string } | undefined {
    return this.overrides.get(keyOf(upstream, target));
  }

  /** Keeps an operator override (cleared by 'none'), so a restarted health actor honours it. */
  rememberAdmin(upstream: string, target: string, override: AdminOverride, reason: string): void {
    if (override === 'none') this.overrides.delete(keyOf(upstream, target));
    else this.overrides.set(keyOf(upstream, target), { override, reason });
  }

  /** Drops what is known of targets no longer configured, so the memory stays as big as the config. */
  retainOnly(upstreams: readonly Readonly<UpstreamConfig>[], addressOf: (upstream: Readonly<UpstreamConfig>, index: number) => string): void {
    const keep = new Set<string>();
    for (const upstream of upstreams) upstream.targets.forEach((_t, i) => keep.add(keyOf(upstream.name, addressOf(upstream, i))));
    for (const key of this.verdicts.keys()) if (!keep.has(key)) this.verdicts.delete(key);
    for (const key of this.overrides.keys()) if (!keep.has(key)) this.overrides.delete(key);
  }

  get size(): number {
    return this.verdicts.size;
  }
}

function keyOf(upstream: string, target: string): string {
  return `${upstream}\u0000${target}`;
}

/** The initial active verdict and its reason, for a target first seen (not carried over from a reload). */
export function resolveInitialState(
  initialState: HealthCheckConfig['initialState'],
  remembered: RememberedHealth | undefined,
): { state: HealthVerdict; reason: string } {
  switch (initialState) {
    case 'assume-healthy':
      return { state: 'healthy', reason: 'assumed healthy until checked (initialState: assume-healthy)' };
    case 'assume-unhealthy':
      return { state: 'unhealthy', reason: 'assumed unhealthy until checked (initialState: assume-unhealthy)' };
    case 'last-known':
      // Nothing remembered (a new target): start as the default configuration would, healthy.
      return remembered === undefined
        ? { state: 'healthy', reason: 'no last-known state; assumed healthy until checked' }
        : { state: remembered.state, reason: `last known state (${remembered.reason})` };
  }
}
