// Starts Switchyard in front of the bench origin, in its own process pinned to the proxy core.
import { join } from 'node:path';
import { freePort } from './free-port.js';
import { repoRoot } from './paths.js';
import { spawnTracked, waitForPort } from './processes.js';
import type { RunningTarget, TargetPlacement } from './target.js';

const SERVER_ENTRY = join(repoRoot(), 'test', 'dist', 'bench', 'http', 'switchyard-server.js');

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
}

export async function startSwitchyard(originPort: number, placement: TargetPlacement = {}, mode: SwitchyardMode = {}): Promise<RunningTarget> {
  const port = await freePort();
  const ports = [originPort, ...(mode.targetPorts ?? [])].join(',');
  const args = [SERVER_ENTRY, String(port), ports, ...(mode.withEvents === true ? ['--events'] : []), ...(mode.withHealthChecks === true ? ['--health'] : [])];
  const proc = spawnTracked('switchyard', process.execPath, args, { ...placement, keepStdinOpen: true });
  try {
    await waitForPort(port, proc);
  } catch (err) {
    await proc.stop();
    throw err;
  }
  return { port, pid: proc.pid, stop: () => proc.stop() };
}
