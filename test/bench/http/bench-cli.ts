// Command-line pieces every bench runner shares: durations, required commands, usage errors.
import { join, relative } from 'node:path';
import { repoRoot } from './paths.js';
import { hasCommand } from './processes.js';

/** A bad command line: the runner prints its usage instead of a stack. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** `10s`, `10`, `1m` → seconds (whole seconds, as wrk takes them). */
export function parseDurationSec(text: string): number {
  const match = /^(\d+)(s|m)?$/.exec(text.trim());
  if (match === null) throw new UsageError(`--duration: expected e.g. 10s or 1m, got ${text}`);
  const value = Number(match[1]) * (match[2] === 'm' ? 60 : 1);
  if (value < 1) throw new UsageError('--duration: must be at least 1s');
  return value;
}

/** Fails naming the install script when a peer program the bench needs is missing. */
export function requireCommands(commands: readonly string[]): void {
  const missing = [...new Set(commands)].filter((c) => !hasCommand(c));
  if (missing.length > 0) {
    throw new Error(`missing ${missing.join(', ')}: run  bash ${relative(process.cwd(), join(repoRoot(), 'scripts', 'bench-deps.sh'))}`);
  }
}
