// One coarse timer for every connection deadline, instead of a timer per socket per phase.
import type { Cancellable, Clock } from '@switchyard/core';
import { SlotSet } from './slot-set.js';

/** Something with a deadline; `deadline` is clock milliseconds, 0 when none is armed. */
export interface Timed {
  deadline: number;
  onDeadline(now: number): void;
  /** The member's index in the sweeper (`SlotSet`), -1 when not in it; only the sweeper writes it. */
  sweepSlot: number;
}

/**
 * Checks the deadlines of live connections on one shared interval (STYLE §11: keep timeouts on a
 * shared coarse timer and read the clock once per tick). Arming a deadline is a field write, so
 * the per-request cost of timeouts is nothing; the price is up to `resolutionMs` of lateness.
 */
export class DeadlineSweeper {
  /** A SlotSet, not a Set: members churn once per connection (see slot-set.ts). */
  private readonly members = new SlotSet<'sweepSlot', Timed>('sweepSlot');
  private ticker: Cancellable | undefined;
  /** The clock reading of the last tick, cheap enough to stamp events with. */
  now: number;

  constructor(
    private readonly clock: Clock,
    private readonly resolutionMs = 100,
  ) {
    this.now = clock.monotonic();
  }

  /** A fresh clock reading (also refreshes `now`): use it to arm a deadline. */
  time(): number {
    this.now = this.clock.monotonic();
    return this.now;
  }

  add(member: Timed): void {
    this.members.add(member);
    if (this.ticker === undefined) this.ticker = this.clock.setInterval(this.resolutionMs, () => this.sweep());
  }

  remove(member: Timed): void {
    this.members.delete(member);
    if (this.members.size === 0 && this.ticker !== undefined) {
      this.ticker.cancel();
      this.ticker = undefined;
    }
  }

  get size(): number {
    return this.members.size;
  }

  private sweep(): void {
    const now = this.clock.monotonic();
    this.now = now;
    this.members.forEachBackwards((member) => {
      if (member.deadline !== 0 && member.deadline <= now) {
        member.deadline = 0;
        member.onDeadline(now);
      }
    });
  }

  stop(): void {
    this.ticker?.cancel();
    this.ticker = undefined;
    this.members.clear();
  }
}
