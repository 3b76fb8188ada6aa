// Origins and peers of the L4 bench that are node programs (node-servers.ts), and what starting them needs.
import { createSocket } from 'node:dgram';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../http/free-port.js';
import { repoRoot } from '../http/paths.js';
import { spawnTracked, type ManagedProcess } from '../http/processes.js';
import type { RunningTarget, TargetPlacement } from '../http/target.js';

const SERVERS_ENTRY = join(repoRoot(), 'test', 'dist', 'bench', 'l4', 'node-servers.js');
const HOST = '127.0.0.1';

/** A server the bench started and stops by pid. */
export interface L4Target extends RunningTarget {
  process: ManagedProcess;
}

export type NodeServerMode = 'tcp-origin' | 'tcp-pipe' | 'ws-echo' | 'udp-echo' | 'udp-relay';

/**
 * Starts one of the node servers on a free port (a UDP one for the udp modes) and waits until it
 * says it listens. `origin` is the port the piping and relaying modes forward to.
 */
export async function startNodeServer(name: string, mode: NodeServerMode, placement: TargetPlacement = {}, origin?: number): Promise<L4Target> {
  const port = mode.startsWith('udp') ? await freeUdpPort() : await freePort();
  const args = [SERVERS_ENTRY, mode, '--port', String(port), ...(origin === undefined ? [] : ['--origin', String(origin)])];
  const proc = spawnTracked(name, process.execPath, args, { ...placement, keepStdinOpen: true });
  try {
    await waitForLine(proc, 'listening ');
  } catch (err) {
    await proc.stop();
    throw err;
  }
  return { port, pid: proc.pid, process: proc, stop: () => proc.stop() };
}

/**
 * Resolves with the first stdout line of `proc` that starts with `prefix`. Rejects when the
 * process exits first or after `timeoutMs`, with its last output in the message.
 */
export async function waitForLine(proc: ManagedProcess, prefix: string, timeoutMs = 10_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const line = proc.stdout.split('\n').find((l) => l.startsWith(prefix));
    if (line !== undefined) return line;
    if (proc.hasExited) throw new Error(`${proc.name} exited before printing "${prefix.trim()}":\n${proc.tail()}`);
    await sleep(20);
  }
  throw new Error(`${proc.name} did not print "${prefix.trim()}" within ${timeoutMs} ms:\n${proc.tail()}`);
}

/** A UDP port on 127.0.0.1 that was free a moment ago. */
export function freeUdpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    socket.once('error', reject);
    socket.bind(0, HOST, () => {
      const { port } = socket.address();
      socket.close(() => resolve(port));
    });
  });
}
