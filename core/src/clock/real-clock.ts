// The Clock on real time: Date.now, performance.now and the host's timers.
import type { Cancellable, Clock } from './clock.js';

interface HostTimer {
  unref?: () => void;
}

/**
 * Real time. Timers are unref'd where the host allows it, so a pending actor timer never keeps a
 * process alive on its own: servers and sockets do that.
 */
export class RealClock implements Clock {
  now(): number {
    return Date.now();
  }

  monotonic(): number {
    return performance.now();
  }

  setTimer(delayMs: number, fn: () => void): Cancellable {
    const handle = setTimeout(fn, Math.max(0, delayMs));
    (handle as unknown as HostTimer).unref?.();
    return { cancel: () => clearTimeout(handle) };
  }

  setInterval(intervalMs: number, fn: () => void): Cancellable {
    const handle = setInterval(fn, Math.max(1, intervalMs));
    (handle as unknown as HostTimer).unref?.();
    return { cancel: () => clearInterval(handle) };
  }
}

/** One real clock is enough per process. */
export const realClock: Clock = new RealClock();
