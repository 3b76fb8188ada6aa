// A Clock whose time moves only when a test says so, for deterministic timer tests.
import type { Cancellable, Clock } from './clock.js';

interface Timer {
  at: number;
  seq: number;
  fn: () => void;
  intervalMs: number;
  isCancelled: boolean;
}

/** Lets queued microtasks and one macrotask turn run, so actors drain what timers told them. */
function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/**
 * Virtual time. `advance(ms)` fires every timer due within the span in time order, letting the
 * actors settle after each one, so a restart backoff of 30 s takes no real time in a test.
 * @example
 * const clock = new VirtualClock();
 * const system = createActorSystem({ clock });
 * await clock.advance(30_000);
 */
export class VirtualClock implements Clock {
  private current: number;
  private seq = 0;
  private timers: Timer[] = [];

  constructor(startMs = 1_700_000_000_000) {
    this.current = startMs;
  }

  now(): number {
    return this.current;
  }

  monotonic(): number {
    return this.current;
  }

  setTimer(delayMs: number, fn: () => void): Cancellable {
    return this.add(delayMs, fn, 0);
  }

  setInterval(intervalMs: number, fn: () => void): Cancellable {
    return this.add(intervalMs, fn, Math.max(1, intervalMs));
  }

  /** How many timers are waiting. */
  get pending(): number {
    return this.timers.filter((t) => !t.isCancelled).length;
  }

  /** Milliseconds until the next timer fires, or undefined when none is waiting. */
  nextDueInMs(): number | undefined {
    const next = this.timers.find((t) => !t.isCancelled);
    return next === undefined ? undefined : next.at - this.current;
  }

  /** Moves time forward by `ms`, firing due timers in order and settling the actors after each. */
  async advance(ms: number): Promise<void> {
    const until = this.current + ms;
    await settle();
    for (;;) {
      const next = this.takeDue(until);
      if (next === undefined) break;
      this.current = next.at;
      this.fire(next);
      await settle();
    }
    this.current = until;
    await settle();
  }

  private add(delayMs: number, fn: () => void, intervalMs: number): Cancellable {
    const timer: Timer = { at: this.current + Math.max(0, delayMs), seq: this.seq++, fn, intervalMs, isCancelled: false };
    this.insert(timer);
    return {
      cancel: () => {
        timer.isCancelled = true;
      },
    };
  }

  private insert(timer: Timer): void {
    // Few timers live at once in a test: a sorted array keeps the order obvious.
    let i = this.timers.length;
    while (i > 0) {
      const prev = this.timers[i - 1] as Timer;
      if (prev.at < timer.at || (prev.at === timer.at && prev.seq < timer.seq)) break;
      i--;
    }
    this.timers.splice(i, 0, timer);
  }

  private takeDue(until: number): Timer | undefined {
    while (this.timers.length > 0) {
      const head = this.timers[0] as Timer;
      if (head.isCancelled) {
        this.timers.shift();
        continue;
      }
      if (head.at > until) return undefined;
      this.timers.shift();
      return head;
    }
    return undefined;
  }

  private fire(timer: Timer): void {
    if (timer.intervalMs > 0) {
      timer.at += timer.intervalMs;
      timer.seq = this.seq++;
      this.insert(timer);
    }
    timer.fn();
  }
}
