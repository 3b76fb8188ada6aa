// Shared pieces of the health tests: config builders, a scripted fake prober on the virtual clock.
import { HealthCheckConfig, UpstreamConfig } from '@switchyard/config';
import type { Clock } from '@switchyard/core';
import type { ProbeResult, ProbeTarget, Prober } from '../../src/health/index.js';

/** A parsed health check (defaults filled in), with jitter 0 unless asked. */
export function checkConfig(overrides: Record<string, unknown> = {}): HealthCheckConfig {
  return HealthCheckConfig.parse({ jitter: 0, ...overrides });
}

/** A parsed upstream named `name` over `addresses` ("10.0.0.1:80" or { address, state, weight }). */
export function upstreamConfig(name: string, targets: readonly (string | Record<string, unknown>)[], overrides: Record<string, unknown> = {}): UpstreamConfig {
  return UpstreamConfig.parse({
    name,
    targets: targets.map((t) => (typeof t === 'string' ? { address: t } : t)),
    ...overrides,
  });
}

export function addressesOf(n: number, port = 80): string[] {
  return Array.from({ length: n }, (_v, i) => `10.0.0.${i + 1}:${port}`);
}

/** One scripted outcome: a result after `latencyMs` of clock time, or a probe that never answers. */
export type Scripted = { ok: boolean; reason?: string; latencyMs?: number } | 'hang';
export type Script = (address: string, at: number, call: number) => Scripted;

export const PASS: Scripted = { ok: true, reason: 'connected' };
export const REFUSED: Scripted = { ok: false, reason: 'connect ECONNREFUSED' };

/** A prober that answers from a script and records every call (target and clock time). */
export class FakeProber implements Prober {
  readonly calls: { address: string; port: number; at: number; timeoutMs: number }[] = [];

  constructor(
    private readonly clock: Clock,
    public script: Script = () => PASS,
  ) {}

  probe(target: ProbeTarget, timeoutMs: number): Promise<ProbeResult> {
    const at = this.clock.now();
    const call = this.calls.filter((c) => c.address === target.address).length;
    this.calls.push({ address: target.address, port: target.port, at, timeoutMs });
    const outcome = this.script(target.address, at, call);
    if (outcome === 'hang') return new Promise<ProbeResult>(() => undefined);
    const latencyMs = outcome.latencyMs ?? 0;
    const result: ProbeResult = { ok: outcome.ok, latencyMs, reason: outcome.reason ?? (outcome.ok ? 'connected' : 'connect ECONNREFUSED') };
    if (latencyMs === 0) return Promise.resolve(result);
    return new Promise((resolve) => this.clock.setTimer(latencyMs, () => resolve(result)));
  }

  /** Call times of one target, relative to `origin`. */
  timesOf(address: string, origin: number): number[] {
    return this.calls.filter((c) => c.address === address).map((c) => c.at - origin);
  }
}

/** Differences between consecutive numbers. */
export function gaps(times: readonly number[]): number[] {
  return times.slice(1).map((t, i) => t - (times[i] as number));
}

/** A random source that replays `values` in a loop. */
export function sequence(...values: number[]): () => number {
  let i = 0;
  return () => values[i++ % values.length] as number;
}
