// The pending side of an `ask`: settles once, by reply, failure, timeout or abort.
import type { Cancellable } from '../clock/clock.js';

export class ReplySlot {
  private isSettled = false;
  timer: Cancellable | undefined = undefined;
  private signal: AbortSignal | undefined = undefined;
  private onAbort: (() => void) | undefined = undefined;

  constructor(
    private readonly resolveFn: (value: unknown) => void,
    private readonly rejectFn: (error: unknown) => void,
  ) {}

  get settled(): boolean {
    return this.isSettled;
  }

  listenForAbort(signal: AbortSignal, onAbort: () => void): void {
    this.signal = signal;
    this.onAbort = onAbort;
    signal.addEventListener('abort', onAbort, { once: true });
  }

  resolve(value: unknown): void {
    if (this.finish()) this.resolveFn(value);
  }

  reject(error: unknown): void {
    if (this.finish()) this.rejectFn(error);
  }

  private finish(): boolean {
    if (this.isSettled) return false;
    this.isSettled = true;
    this.timer?.cancel();
    if (this.signal !== undefined && this.onAbort !== undefined) this.signal.removeEventListener('abort', this.onAbort);
    return true;
  }
}
