// Caps retries to a share of recent requests, so retries cannot multiply an outage (Envoy's retry budget).
import type { RetryBudgetConfig } from '@switchyard/config';

const WINDOW_SECONDS = 10;

/**
 * Counts requests and retries in one-second buckets over the last ten seconds. A retry is allowed
 * while retries stay under `percent` of requests or under `minPerSecond` × window, whichever is
 * larger: a healthy upstream with a little traffic can still retry, a failing one under load
 * cannot turn every request into three.
 */
export class RetryBudget {
  private readonly requests = new Uint32Array(WINDOW_SECONDS);
  private readonly retries = new Uint32Array(WINDOW_SECONDS);
  private second = -1;
  /** Retries refused since this budget was made. */
  refused = 0;

  constructor(private readonly config: Readonly<RetryBudgetConfig>) {}

  recordRequest(nowMs: number): void {
    this.advance(nowMs);
    const slot = this.second % WINDOW_SECONDS;
    this.requests[slot] = (this.requests[slot] as number) + 1;
  }

  /** Whether one more retry fits the budget now; counts it when it does. */
  tryRetry(nowMs: number): boolean {
    this.advance(nowMs);
    let requests = 0;
    let retries = 0;
    for (let i = 0; i < WINDOW_SECONDS; i++) {
      requests += this.requests[i] as number;
      retries += this.retries[i] as number;
    }
    const allowed = Math.max((requests * this.config.percent) / 100, this.config.minPerSecond * WINDOW_SECONDS);
    if (retries + 1 > allowed) {
      this.refused++;
      return false;
    }
    const slot = this.second % WINDOW_SECONDS;
    this.retries[slot] = (this.retries[slot] as number) + 1;
    return true;
  }

  private advance(nowMs: number): void {
    const second = Math.floor(nowMs / 1000);
    if (second === this.second) return;
    // Clear the buckets of the seconds that passed (all of them after a long pause).
    const gap = this.second < 0 ? WINDOW_SECONDS : Math.min(WINDOW_SECONDS, second - this.second);
    for (let i = 1; i <= gap; i++) {
      const slot = (second - gap + i) % WINDOW_SECONDS;
      this.requests[slot] = 0;
      this.retries[slot] = 0;
    }
    this.second = second;
  }
}
