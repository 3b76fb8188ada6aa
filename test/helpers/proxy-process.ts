// Runs a proxy node in a child process, so a test can read the proxy's own memory use (RSS) undisturbed.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Closers } from './closers.js';

/**
 * Child side (this file run as a script): starts a node from the config JSON in argv[2], prints
 * `{"port":N}`, samples memory every 20 ms (after a forced GC), and answers stdin commands with one
 * JSON line `{"rss":N,"arrayBuffers":N}`: `mark` (restart the peaks from now), `peak` (peaks since).
 */
async function childMain(): Promise<void> {
  const { startProxyNode } = await import('@switchyard/actors');
  const { loadConfig } = await import('@switchyard/config');
  const node = await startProxyNode(loadConfig(JSON.parse(process.argv[2] as string)));
  // Collecting before each sample makes RSS reflect what is live, not garbage the GC has not
  // reached yet: a proxy passing 10 MB through allocates 10 MB of short-lived buffers either way.
  let peak = 0;
  let peakBuffers = 0;
  const sample = (): void => {
    global.gc?.();
    const usage = process.memoryUsage();
    if (usage.rss > peak) peak = usage.rss;
    if (usage.arrayBuffers > peakBuffers) peakBuffers = usage.arrayBuffers;
  };
  sample();
  setInterval(sample, 20).unref();
  process.stdin.setEncoding('utf8');
  let buffered = '';
  process.stdin.on('data', (chunk: string) => {
    buffered += chunk;
    let nl = buffered.indexOf('\n');
    while (nl >= 0) {
      const command = buffered.slice(0, nl).trim();
      buffered = buffered.slice(nl + 1);
      if (command === 'mark') {
        peak = 0;
        peakBuffers = 0;
        sample();
      } else if (command === 'peak') {
        sample();
      }
      if (command === 'mark' || command === 'peak') process.stdout.write(`${JSON.stringify({ rss: peak, arrayBuffers: peakBuffers })}\n`);
      nl = buffered.indexOf('\n');
    }
  });
  process.stdin.on('end', () => void node.close({ graceMs: 0 }).then(() => process.exit(0)));
  process.stdout.write(`${JSON.stringify({ port: node.listeners()[0]?.port })}\n`);
}

/** A proxy in a child process. */
export class ProxyProcess {
  private lines: string[] = [];
  private partial = '';
  private waiter: (() => void) | undefined;
  stderr = '';

  constructor(readonly child: ChildProcess) {
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      const parts = (this.partial + chunk).split('\n');
      this.partial = parts.pop() ?? '';
      this.lines.push(...parts.filter((p) => p.trim() !== ''));
      this.waiter?.();
    });
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (this.stderr += chunk));
  }

  /** The next JSON line from the child, within `timeoutMs`. */
  nextLine(timeoutMs = 10_000): Promise<Record<string, number>> {
    return new Promise((resolve, reject) => {
      const attempt = (): boolean => {
        const line = this.lines.shift();
        if (line === undefined) return false;
        clearTimeout(timer);
        this.waiter = undefined;
        resolve(JSON.parse(line) as Record<string, number>);
        return true;
      };
      const timer = setTimeout(() => {
        this.waiter = undefined;
        reject(new Error(`proxy process: no output within ${timeoutMs} ms; stderr:\n${this.stderr}`));
      }, timeoutMs);
      if (!attempt()) this.waiter = () => void attempt();
    });
  }

  /** `mark` starts a measurement; `peak` reads the highest RSS and live ArrayBuffer bytes since. */
  async command(name: 'mark' | 'peak'): Promise<{ rss: number; arrayBuffers: number }> {
    this.child.stdin?.write(`${name}\n`);
    const line = await this.nextLine();
    return { rss: line.rss as number, arrayBuffers: line.arrayBuffers as number };
  }
}

/** Starts the proxy child with a config input object; returns it and its port. Killed by `closers`. */
export async function startProxyProcess(config: unknown, closers: Closers): Promise<{ proc: ProxyProcess; port: number }> {
  const child = spawn(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), JSON.stringify(config)], { stdio: ['pipe', 'pipe', 'pipe'] });
  const proc = new ProxyProcess(child);
  closers.add(
    () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGKILL');
      }),
  );
  const first = await proc.nextLine();
  return { proc, port: first.port as number };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) void childMain();
