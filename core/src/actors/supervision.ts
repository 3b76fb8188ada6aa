// Supervisor strategies: what a parent does when a child throws, and the restart backoff.
import type { Directive } from '../messages/runtime.messages.js';

export interface Backoff {
  /** Delay before the first restart in a window. */
  minMs: number;
  /** The delay never grows past this. */
  maxMs: number;
  /** Each further restart in the window multiplies the delay by this. */
  factor: number;
  /** Share of the delay added at random (0.2 = up to +20%), so siblings do not restart in step. */
  jitter: number;
}

export interface SupervisorStrategy {
  /** The directive for a failure, or a function choosing one from the error. */
  decide: Directive | ((error: unknown, childAddress: string) => Directive);
  backoff: Backoff;
  /** Restarts allowed within `windowMs`; one more stops the child instead. */
  maxRestarts: number;
  windowMs: number;
}

export const DEFAULT_BACKOFF: Backoff = { minMs: 10, maxMs: 30_000, factor: 2, jitter: 0.2 };

/** Restart with exponential backoff, at most 10 times a minute, then stop: HAProxy-like patience. */
export const DEFAULT_STRATEGY: SupervisorStrategy = {
  decide: 'restart',
  backoff: DEFAULT_BACKOFF,
  maxRestarts: 10,
  windowMs: 60_000,
};

/** Builds a strategy from a few overrides of the default. */
export function supervisorStrategy(overrides: Partial<SupervisorStrategy> & { backoff?: Partial<Backoff> } = {}): SupervisorStrategy {
  return {
    ...DEFAULT_STRATEGY,
    ...overrides,
    backoff: { ...DEFAULT_BACKOFF, ...overrides.backoff },
  };
}

/** The delay before the n-th restart (1-based) in a window; `random` is injectable for tests. */
export function backoffDelayMs(backoff: Backoff, restartNumber: number, random: () => number = Math.random): number {
  const base = Math.min(backoff.maxMs, backoff.minMs * backoff.factor ** Math.max(0, restartNumber - 1));
  const withJitter = base + base * backoff.jitter * random();
  return Math.round(Math.min(backoff.maxMs, withJitter));
}

export function decideDirective(strategy: SupervisorStrategy, error: unknown, childAddress: string): Directive {
  return typeof strategy.decide === 'function' ? strategy.decide(error, childAddress) : strategy.decide;
}

/** Keeps the times of recent restarts and answers how many fall within the window. */
export class RestartWindow {
  private times: number[] = [];

  /** Records a restart at `now` and returns how many restarts the window holds, this one included. */
  record(now: number, windowMs: number): number {
    this.times = this.times.filter((t) => now - t < windowMs);
    this.times.push(now);
    return this.times.length;
  }
}
