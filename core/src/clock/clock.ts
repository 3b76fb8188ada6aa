// The Clock port: every timer in the runtime and in actors goes through it, so tests can own time.

/** A handle to cancel a scheduled timer; cancelling twice or after it fired is harmless. */
export interface Cancellable {
  cancel(): void;
}

export interface Clock {
  /** Milliseconds since the epoch (wall time for logs and deadlines). */
  now(): number;
  /** Monotonic milliseconds, for measuring durations. */
  monotonic(): number;
  /** Runs `fn` once after `delayMs`. */
  setTimer(delayMs: number, fn: () => void): Cancellable;
  /** Runs `fn` every `intervalMs` until cancelled. */
  setInterval(intervalMs: number, fn: () => void): Cancellable;
}
