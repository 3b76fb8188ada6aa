// Spawns bench servers and load generators with pid tracking, CPU pinning and a bounded stop.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { availableParallelism } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';

const OUTPUT_LIMIT_BYTES = 1024 * 1024;
const TERM_GRACE_MS = 3000;
const KILL_GRACE_MS = 2000;

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface SpawnOptions {
  /** Pin the process to this CPU with `taskset -c` (ignored when pinning is unavailable). */
  cpu?: number;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /**
   * Keep a pipe on the child's stdin. A child that exits when stdin ends (our node helpers do)
   * then dies with the harness even if the harness is killed with SIGKILL.
   */
  keepStdinOpen?: boolean;
}

/** A child process the bench started, and the only handle used to stop it. */
export class ManagedProcess {
  readonly pid: number;
  readonly exited: Promise<ExitInfo>;
  private exitInfo: ExitInfo | undefined;
  private stdoutText = '';
  private stderrText = '';

  constructor(
    readonly name: string,
    private readonly child: ChildProcess,
  ) {
    // A spawn failure (ENOENT) is reported as an 'error' event; without a listener it would crash the harness.
    child.on('error', (err) => (this.stderrText += `\n${name}: ${err.message}`));
    if (child.pid === undefined) throw new Error(`${name}: could not start ${child.spawnfile}`);
    this.pid = child.pid;
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (this.stdoutText = capped(this.stdoutText + chunk)));
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (this.stderrText = capped(this.stderrText + chunk)));
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exitInfo = { code, signal };
        resolve(this.exitInfo);
      });
    });
  }

  get hasExited(): boolean {
    return this.exitInfo !== undefined;
  }

  get stdout(): string {
    return this.stdoutText;
  }

  get stderr(): string {
    return this.stderrText;
  }

  /** The last lines of output, for error messages. */
  tail(lines = 20): string {
    return (this.stdoutText + this.stderrText).trimEnd().split('\n').slice(-lines).join('\n');
  }

  /** SIGTERM, then SIGKILL if the process is still alive after a grace period. Idempotent. */
  async stop(): Promise<void> {
    if (!this.hasExited) {
      signalPid(this.pid, 'SIGTERM');
      if (!(await exitsWithin(this.exited, TERM_GRACE_MS))) {
        signalPid(this.pid, 'SIGKILL');
        await exitsWithin(this.exited, KILL_GRACE_MS);
      }
    }
    this.child.stdin?.destroy();
    running.delete(this);
  }
}

const running = new Set<ManagedProcess>();

/** Whether `taskset` pinning is used: needs two or more CPUs and util-linux's `taskset`. */
export const canPin: boolean = cpuCount() >= 2 && hasCommand('taskset');

/** CPUs this process may use. */
export function cpuCount(): number {
  return availableParallelism();
}

/** Starts `command`, optionally pinned to one CPU; the pid is the command's own (taskset execs it). */
export function spawnTracked(name: string, command: string, args: readonly string[], options: SpawnOptions = {}): ManagedProcess {
  const [file, argv] = options.cpu !== undefined && canPin ? ['taskset', ['-c', String(options.cpu), command, ...args]] : [command, [...args]];
  const child = spawn(file, argv, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: [options.keepStdinOpen === true ? 'pipe' : 'ignore', 'pipe', 'pipe'],
  });
  const managed = new ManagedProcess(name, child);
  running.add(managed);
  void managed.exited.then(() => running.delete(managed));
  return managed;
}

/** Moves a running process to another CPU (`taskset -p`); a no-op when pinning is unavailable. */
export function setCpuAffinity(pid: number, cpu: number): void {
  if (!canPin) return;
  execFileSync('taskset', ['-p', '-c', String(cpu), String(pid)], { stdio: 'ignore' });
}

/** Stops every process still running, newest first. */
export async function stopAllProcesses(): Promise<void> {
  for (const proc of [...running].reverse()) await proc.stop();
}

/**
 * Resolves once 127.0.0.1:`port` accepts a TCP connection. Rejects when `proc` exits first or
 * after `timeoutMs`, with the process's last output in the message.
 */
export async function waitForPort(port: number, proc: ManagedProcess, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.hasExited) throw new Error(`${proc.name} exited before listening on ${port}:\n${proc.tail()}`);
    if (await canConnect(port)) return;
    await sleep(50);
  }
  throw new Error(`${proc.name} did not listen on ${port} within ${timeoutMs} ms:\n${proc.tail()}`);
}

/** Whether `command` is on PATH. */
export function hasCommand(command: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.setTimeout(500);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}

async function exitsWithin(exited: Promise<ExitInfo>, ms: number): Promise<boolean> {
  const ac = new AbortController();
  const timedOut = sleep(ms, false, { signal: ac.signal }).catch(() => false);
  const result = await Promise.race([exited.then(() => true), timedOut]);
  ac.abort();
  return result;
}

function signalPid(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // ESRCH: it exited between the check and the signal.
  }
}

function capped(text: string): string {
  return text.length > OUTPUT_LIMIT_BYTES ? text.slice(-OUTPUT_LIMIT_BYTES) : text;
}
