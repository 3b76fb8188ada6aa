// What a bench run records about the machine it ran on: cores, CPU model, pinning, Node and peer versions.
import { spawnSync } from 'node:child_process';
import { cpus } from 'node:os';
import { canPin, cpuCount, hasCommand } from './processes.js';

export interface HostInfo {
  cpus: number;
  cpuModel: string;
  pinned: boolean;
  node: string;
  versions: Record<string, string>;
}

/** The host, with the first line of `<tool> <args>` for each tool on PATH (`-v` prints to stderr for some). */
export function describeHost(tools: readonly (readonly [string, readonly string[]])[]): HostInfo {
  const versions: Record<string, string> = {};
  for (const [cmd, args] of tools) {
    if (!hasCommand(cmd)) continue;
    const out = spawnSync(cmd, [...args], { encoding: 'utf8' });
    versions[cmd] = `${out.stdout ?? ''}${out.stderr ?? ''}`.trim().split('\n')[0] ?? '';
  }
  return { cpus: cpuCount(), cpuModel: cpus()[0]?.model.trim() ?? 'unknown', pinned: canPin, node: process.version, versions };
}
