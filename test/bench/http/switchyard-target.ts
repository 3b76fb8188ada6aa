// Starts Switchyard in front of the bench origin. The proxy team fills this in when the CLI lands.
import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { freePort } from './free-port.js';
import { repoRoot } from './paths.js';
import { spawnTracked, waitForPort } from './processes.js';
import { TargetNotBuiltError, type RunningTarget, type TargetPlacement } from './target.js';

/**
 * Where the compiled CLI is expected. Until it exists, {@link startSwitchyard} throws
 * {@link TargetNotBuiltError} and the harness prints "switchyard: not built yet".
 */
const CLI_ENTRY = join(repoRoot(), 'adapters', 'dist', 'src', 'cli', 'main.js');

/**
 * Starts Switchyard as an HTTP reverse proxy to 127.0.0.1:`originPort`, in its own process,
 * pinned to `placement.cpu`. Resolves once it accepts connections.
 *
 * Contract for the proxy team: listen on 127.0.0.1 on the given port, forward every request to
 * the origin with pooled keep-alive upstream connections, strip hop-by-hop headers, and
 * return the pid of the process that serves (one process, one core, like the other proxies).
 * Adjust the flags below to whatever the CLI accepts.
 */
export async function startSwitchyard(originPort: number, placement: TargetPlacement = {}): Promise<RunningTarget> {
  if (!existsSync(CLI_ENTRY)) {
    throw new TargetNotBuiltError('switchyard', `no ${relative(repoRoot(), CLI_ENTRY)}`);
  }
  const port = await freePort();
  const args = [CLI_ENTRY, '--listen', `127.0.0.1:${port}`, '--upstream', `http://127.0.0.1:${originPort}`];
  const proc = spawnTracked('switchyard', process.execPath, args, { ...placement, keepStdinOpen: true });
  try {
    await waitForPort(port, proc);
  } catch (err) {
    await proc.stop();
    throw err;
  }
  return { port, pid: proc.pid, stop: () => proc.stop() };
}
