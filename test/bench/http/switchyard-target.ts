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
export async function startSwitchyard(originPort: number, placement: TargetPlacement = {}, withEvents = false): Promise<RunningTarget> {
  const port = await freePort();
  const args = [SERVER_ENTRY, String(port), String(originPort), ...(withEvents ? ['--events'] : [])];
  const proc = spawnTracked(withEvents ? 'switchyard+events' : 'switchyard', process.execPath, args, { ...placement, keepStdinOpen: true });
  try {
    await waitForPort(port, proc);
  } catch (err) {
    await proc.stop();
    throw err;
  }
  return { port, pid: proc.pid, stop: () => proc.stop() };
}
