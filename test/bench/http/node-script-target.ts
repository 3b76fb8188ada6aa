// Starts a Node.js peer proxy script (a sibling in test/dist/bench/http/) as its own pinned process.
import { fileURLToPath } from 'node:url';
import { freePort } from './free-port.js';
import { spawnTracked, waitForPort } from './processes.js';
import type { RunningTarget, TargetPlacement } from './target.js';

/**
 * Runs `node <script> ...argsFor(port)` with a free port and waits until the port accepts. `script`
 * is a sibling of this file in test/dist/bench/http/; it must exit when its stdin ends (the harness
 * holds it open).
 */
export async function startNodeScriptTarget(
  name: string,
  script: string,
  argsFor: (port: number) => readonly string[],
  placement: TargetPlacement = {},
): Promise<RunningTarget> {
  const port = await freePort();
  const path = fileURLToPath(new URL(`./${script}`, import.meta.url));
  const proc = spawnTracked(name, process.execPath, [path, ...argsFor(port)], { ...placement, keepStdinOpen: true });
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
  return startNodeScriptTarget('http-proxy', 'http-proxy-server.js', (port) => ['--port', String(port), '--target', `http://127.0.0.1:${originPort}`], placement);
}

/** A bare Node.js TCP pipe, no HTTP (node-pipe-server.ts): the floor of Node's socket layer. */
export function startNodePipe(originPort: number, placement: TargetPlacement = {}): Promise<RunningTarget> {
  return startNodeScriptTarget('node-pipe', 'node-pipe-server.js', (port) => ['--port', String(port), '--origin', String(originPort)], placement);
}

/** The least a Node.js HTTP keep-alive proxy does (node-http-floor-server.ts): the ceiling for any of them. */
export function startNodeHttpFloor(originPort: number, placement: TargetPlacement = {}): Promise<RunningTarget> {
  return startNodeScriptTarget('node-http-floor', 'node-http-floor-server.js', (port) => ['--port', String(port), '--origin', String(originPort)], placement);
}
