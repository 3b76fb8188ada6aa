// Starts a Node.js peer proxy script (a sibling in test/dist/bench/http/) as its own pinned process.
import { fileURLToPath } from 'node:url';
import { freePort } from './free-port.js';
import { spawnTracked, waitForPort } from './processes.js';
import type { RunningTarget, TargetPlacement } from './target.js';

/**
 * Runs `node <script> --port <free port> ...args(port)` and waits until the port accepts.
 * The script must exit when its stdin ends (the harness holds it open).
 */
export async function startNodeScriptTarget(
  name: string,
  script: string,
  args: readonly string[],
  placement: TargetPlacement = {},
): Promise<RunningTarget> {
  const port = await freePort();
  const path = fileURLToPath(new URL(`./${script}`, import.meta.url));
  const proc = spawnTracked(name, process.execPath, [path, '--port', String(port), ...args], { ...placement, keepStdinOpen: true });
  try {
    await waitForPort(port, proc);
  } catch (err) {
    await proc.stop();
    throw err;
  }
  return { port, pid: proc.pid, stop: () => proc.stop() };
}

/** npm `http-proxy` with a keep-alive agent (http-proxy-server.ts). */
export function startNodeHttpProxy(originPort: number, placement: TargetPlacement = {}): Promise<RunningTarget> {
  return startNodeScriptTarget('http-proxy', 'http-proxy-server.js', ['--target', `http://127.0.0.1:${originPort}`], placement);
}

/** A bare Node.js TCP pipe, no HTTP (node-pipe-server.ts): the floor of Node's socket layer. */
export function startNodePipe(originPort: number, placement: TargetPlacement = {}): Promise<RunningTarget> {
  return startNodeScriptTarget('node-pipe', 'node-pipe-server.js', ['--origin', String(originPort)], placement);
}
