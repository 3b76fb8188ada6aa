// Starts Switchyard in front of the bench origin, in its own process pinned to the proxy core.
import { startNodeScriptTarget } from './node-script-target.js';
import type { RunningTarget, TargetPlacement } from './target.js';

/**
 * Starts Switchyard as an HTTP reverse proxy to 127.0.0.1:`originPort` with pooled keep-alive
 * upstream connections and no access log (as the nginx and HAProxy configs here). With
 * `withEvents`, a bus subscriber receives every lifecycle event, so the bench shows what
 * observing every connection costs.
 */
export interface SwitchyardMode {
  /** A bus subscriber receives every lifecycle event. */
  withEvents?: boolean;
  /** More ports of the same origin, each one more target of the upstream. */
  targetPorts?: readonly number[];
  /** Active HTTP health checks on every target (2 s interval, HAProxy-like defaults). */
  withHealthChecks?: boolean;
  /** With `withHealthChecks`: another probe interval than the default 2 s. */
  healthIntervalMs?: number | undefined;
}

export function startSwitchyard(originPort: number, placement: TargetPlacement = {}, mode: SwitchyardMode = {}): Promise<RunningTarget> {
  const ports = [originPort, ...(mode.targetPorts ?? [])].join(',');
  const flags = [
    ...(mode.withEvents === true ? ['--events'] : []),
    ...(mode.withHealthChecks === true ? ['--health'] : []),
    ...(mode.withHealthChecks === true && mode.healthIntervalMs !== undefined ? ['--health-interval-ms', String(mode.healthIntervalMs)] : []),
  ];
  return startNodeScriptTarget('switchyard', 'switchyard-server.js', (port) => [String(port), ports, ...flags], placement);
}
