// Test doubles for the CLI's orchestration: a proxy node that records what it is told, a logger that keeps lines.
import { EMPTY } from 'rxjs';
import { loadConfig, type Config, type ConfigInput } from '@switchyard/config';
import { Bus, type LogFields, type Logger } from '@switchyard/core';
import type { AppLogger, LogLevel } from '../../src/logging/logger.js';
import type { BoundListener, ProxyNode } from '@switchyard/actors';
import type { CliIo, CliSignal } from '../../src/cli/cli-io.js';
import { Writable } from 'node:stream';

export interface LogLine {
  level: 'debug' | 'info' | 'warn' | 'error';
  fields: LogFields;
  message: string;
}

/** A logger that records every line (children share the record). */
export class RecordingLogger implements AppLogger {
  level: LogLevel = 'info';
  constructor(
    readonly lines: LogLine[] = [],
    private readonly bindings: LogFields = {},
  ) {}
  debug(fields: LogFields, message: string): void {
    this.lines.push({ level: 'debug', fields: { ...this.bindings, ...fields }, message });
  }
  info(fields: LogFields, message: string): void {
    this.lines.push({ level: 'info', fields: { ...this.bindings, ...fields }, message });
  }
  warn(fields: LogFields, message: string): void {
    this.lines.push({ level: 'warn', fields: { ...this.bindings, ...fields }, message });
  }
  error(fields: LogFields, message: string): void {
    this.lines.push({ level: 'error', fields: { ...this.bindings, ...fields }, message });
  }
  child(bindings: LogFields): Logger {
    return new RecordingLogger(this.lines, { ...this.bindings, ...bindings });
  }
  setLevel(level: LogLevel): void {
    this.level = level;
  }
  messages(level?: LogLine['level']): string[] {
    return this.lines.filter((l) => level === undefined || l.level === level).map((l) => l.message);
  }
}

export function config(input: Partial<ConfigInput> = {}): Readonly<Config> {
  return loadConfig({ listeners: [{ name: 'web', address: '127.0.0.1:0' }], ...input });
}

/** A proxy node without sockets: applies by recording, fails when told to. */
export class FakeNode implements ProxyNode {
  readonly bus: Bus;
  readonly system = undefined as unknown as ProxyNode['system'];
  configVersion = 1;
  configSource = 'startup';
  readonly applied: { config: Readonly<Config>; source: string }[] = [];
  readonly closed: { graceMs?: number }[] = [];
  /** When set, the next apply rejects with it. */
  failNextApply: Error | undefined;
  /** Resolves apply only when released (to test overlapping reloads). */
  applyGate: Promise<void> | undefined;

  /** `bus` is the one the command handed to startNode, as the real node uses it. */
  constructor(
    public config: Readonly<Config>,
    bus?: Bus,
  ) {
    this.bus = bus ?? new Bus();
  }

  drained: { upstream: string; target: string; isDraining: boolean }[] = [];

  async drain(upstream: string, target: string, isDraining = true): Promise<boolean> {
    this.drained.push({ upstream, target, isDraining });
    return true;
  }

  async explainHealth(): ReturnType<ProxyNode['explainHealth']> {
    return { upstreams: [] } as unknown as Awaited<ReturnType<ProxyNode['explainHealth']>>;
  }

  readonly connections$ = EMPTY as ProxyNode['connections$'];

  targetHealth(): ReturnType<ProxyNode['targetHealth']> {
    return undefined;
  }

  counters(): ReturnType<ProxyNode['counters']> {
    return {};
  }

  listeners(): BoundListener[] {
    return this.config.listeners.map((l, i) => ({ name: l.name, protocol: l.protocol, host: l.address.host, port: l.address.port || 40000 + i }));
  }

  async apply(next: Readonly<Config>, source: string): Promise<void> {
    if (this.applyGate !== undefined) await this.applyGate;
    const failure = this.failNextApply;
    if (failure !== undefined) {
      this.failNextApply = undefined;
      throw failure;
    }
    this.applied.push({ config: next, source });
    this.config = next;
    this.configVersion++;
  }

  async close(options?: { graceMs?: number }): Promise<void> {
    this.closed.push(options ?? {});
    this.bus.close();
  }
}

class StringSink extends Writable {
  text = '';
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    this.text += chunk.toString('utf8');
    callback();
  }
}

/** A CliIo whose output is kept in strings and whose signals are sent by the test. */
export class FakeIo implements CliIo {
  readonly stdout = new StringSink();
  readonly stderr = new StringSink();
  private readonly handlers = new Map<CliSignal, Set<() => void>>();
  constructor(readonly cwd: string = process.cwd()) {}

  onSignal(signal: CliSignal, handler: () => void): () => void {
    let set = this.handlers.get(signal);
    if (set === undefined) this.handlers.set(signal, (set = new Set()));
    set.add(handler);
    return () => set.delete(handler);
  }

  signal(signal: CliSignal): void {
    for (const h of [...(this.handlers.get(signal) ?? [])]) h();
  }

  listenerCount(signal: CliSignal): number {
    return this.handlers.get(signal)?.size ?? 0;
  }

  get out(): string {
    return this.stdout.text;
  }
  get err(): string {
    return this.stderr.text;
  }
}
