// Starts Switchyard from a config object, in its own process pinned to the proxy core.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ConfigInput } from '@switchyard/config';
import { repoRoot } from '../http/paths.js';
import { spawnTracked } from '../http/processes.js';
import type { TargetPlacement } from '../http/target.js';
import { makeTempDir } from '../http/temp-dirs.js';
import { waitForLine, type L4Target } from './peers.js';

const SERVER_ENTRY = join(repoRoot(), 'test', 'dist', 'bench', 'l4', 'switchyard-l4-server.js');

/**
 * Starts a node with `config` (listeners may use port 0) and resolves once every listener is
 * bound. `port` is the port of the listener named `listener`.
 * @example
 *   const proxy = await startSwitchyardConfig('switchyard', { listeners: [{ name: 'tcp', protocol: 'tcp', address: '127.0.0.1:0' }], ... }, 'tcp', { cpu: 1 });
 */
export async function startSwitchyardConfig(name: string, config: ConfigInput, listener: string, placement: TargetPlacement = {}): Promise<L4Target> {
  const dir = makeTempDir(name);
  const configPath = join(dir, 'switchyard.json');
  writeFileSync(configPath, JSON.stringify({ ...config, server: { accessLog: { enabled: false }, ...config.server } }, null, 2));
  const proc = spawnTracked(name, process.execPath, [SERVER_ENTRY, configPath], { ...placement, keepStdinOpen: true });
  try {
    const line = await waitForLine(proc, 'listening ');
    const ports = JSON.parse(line.slice('listening '.length)) as Record<string, number>;
    const port = ports[listener];
    if (port === undefined) throw new Error(`${name}: no listener named ${listener} in ${line}`);
    return { port, pid: proc.pid, process: proc, stop: () => proc.stop() };
  } catch (err) {
    await proc.stop();
    throw err;
  }
}
