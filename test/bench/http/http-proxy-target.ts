// Starts http-proxy-server.js (node `http-proxy` with a keep-alive agent) as its own pinned process.
import { fileURLToPath } from 'node:url';
import { freePort } from './free-port.js';
import { spawnTracked, waitForPort } from './processes.js';
import type { RunningTarget, TargetPlacement } from './target.js';

/** The compiled server script, a sibling of this file in test/dist/bench/http/. */
const SERVER_SCRIPT = fileURLToPath(new URL('./http-proxy-server.js', import.meta.url));

export async function startNodeHttpProxy(originPort: number, placement: TargetPlacement = {}): Promise<RunningTarget> {
  const port = await freePort();
  const args = [SERVER_SCRIPT, '--port', String(port), '--target', `http://127.0.0.1:${originPort}`];
  const proc = spawnTracked('http-proxy', process.execPath, args, { ...placement, keepStdinOpen: true });
  try {
    await waitForPort(port, proc);
  } catch (err) {
    await proc.stop();
    throw err;
  }
  return { port, pid: proc.pid, stop: () => proc.stop() };
}
