// Runs the switchyard CLI as a child process and follows its output: JSON log lines on stderr, text on stdout.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { Closers } from './closers.js';
import { repoRoot } from './repo-root.js';

export const CLI_MAIN = path.join(repoRoot, 'adapters', 'dist', 'src', 'cli', 'main.js');

export type LogLine = Record<string, unknown> & { level?: string; msg?: string };

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A running CLI process. */
export class CliProcess {
  stdout = '';
  stderr = '';
  readonly logs: LogLine[] = [];
  readonly exited: Promise<Exit>;
  private readonly waiters = new Set<() => void>();
  private partialErr = '';

  constructor(readonly child: ChildProcess) {
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      this.stdout += chunk;
      this.wake();
    });
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderr += chunk;
      const lines = (this.partialErr + chunk).split('\n');
      this.partialErr = lines.pop() ?? '';
      for (const line of lines) {
        try {
          this.logs.push(JSON.parse(line) as LogLine);
        } catch {
          // not a log line (usage text, a stack trace): kept in `stderr` only
        }
      }
      this.wake();
    });
    this.exited = new Promise((resolve) => {
      child.on('exit', (code, signal) => {
        resolve({ code, signal });
        this.wake();
      });
    });
  }

  get isRunning(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Waits for a log line matching `match` (after `from`, an index into `logs`); fails if the process exits first. */
  async waitForLog(match: (line: LogLine) => boolean, options: { from?: number; timeoutMs?: number; what?: string } = {}): Promise<LogLine> {
    let found: LogLine | undefined;
    await this.waitUntil(() => (found = this.logs.slice(options.from ?? 0).find(match)) !== undefined, options.timeoutMs, options.what ?? 'a log line');
    return found as LogLine;
  }

  /** Waits for stdout to match. */
  async waitForStdout(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray> {
    let m: RegExpMatchArray | null = null;
    await this.waitUntil(() => (m = pattern.exec(this.stdout)) !== null, timeoutMs, `stdout to match ${pattern}`);
    return m as unknown as RegExpMatchArray;
  }

  signal(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  /** Ends the process if a test left it running (SIGKILL: a test that wanted a clean stop sent SIGTERM itself). */
  async kill(): Promise<void> {
    if (!this.isRunning) return;
    this.child.kill('SIGKILL');
    await this.exited;
  }

  private waitUntil(check: () => boolean, timeoutMs = 10_000, what: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const attempt = (): boolean => {
        if (check()) {
          finish();
          resolve();
          return true;
        }
        if (!this.isRunning) {
          finish();
          reject(new Error(`the CLI exited (${this.child.exitCode ?? this.child.signalCode}) while waiting for ${what}\nstdout:\n${this.stdout}\nstderr:\n${this.stderr}`));
          return true;
        }
        return false;
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}\nstdout:\n${this.stdout}\nstderr:\n${this.stderr}`));
      }, timeoutMs);
      const finish = (): void => {
        clearTimeout(timer);
        this.waiters.delete(waiter);
      };
      const waiter = (): void => void attempt();
      if (!attempt()) this.waiters.add(waiter);
    });
  }

  private wake(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}

/** Starts `node adapters/dist/src/cli/main.js ...args`; registers a kill with `closers`. */
export function startCli(args: readonly string[], closers: Closers, options: { cwd?: string } = {}): CliProcess {
  const child = spawn(process.execPath, [CLI_MAIN, ...args], { cwd: options.cwd ?? repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  const cli = new CliProcess(child);
  closers.add(() => cli.kill());
  return cli;
}

/** `host:port` of a `listening` log line → a base URL. */
export function urlOf(line: LogLine): string {
  return `http://${String(line['address'])}`;
}
