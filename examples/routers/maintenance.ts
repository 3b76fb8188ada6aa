// A maintenance window: between `start` and `end` every request (but the allowed paths) gets 503 with Retry-After.
import assert from 'node:assert/strict';
import { defineRouter, type RouterSelfTest } from '@switchyard/actors';

interface MaintenanceOptions {
  /** ISO 8601 instants. */
  start: string;
  end: string;
  /** Path prefixes still served during the window (health checks, status page). */
  allowPaths?: string[];
  message?: string;
}

interface Window {
  startMs: number;
  endMs: number;
}

export default defineRouter<Window, MaintenanceOptions>({
  name: 'maintenance',
  init(options) {
    const startMs = Date.parse(options.start);
    const endMs = Date.parse(options.end);
    if (!(startMs < endMs)) throw new Error(`maintenance window ${options.start} .. ${options.end} is empty or invalid`);
    return { startMs, endMs };
  },
  decide(req, ctx) {
    const now = ctx.now();
    const { startMs, endMs } = ctx.state;
    if (now < startMs || now >= endMs) return { kind: 'next' };
    if ((ctx.options.allowPaths ?? []).some((p) => req.path.startsWith(p))) return { kind: 'next' };
    // RFC 9110 §10.2.3: Retry-After in seconds, rounded up so a client never comes back early.
    const retryAfter = Math.max(1, Math.ceil((endMs - now) / 1000));
    return {
      kind: 'respond',
      status: 503,
      headers: { 'retry-after': String(retryAfter), 'cache-control': 'no-store' },
      body: ctx.options.message ?? 'Down for maintenance, back soon.\n',
    };
  },
});

export function selfTest(t: RouterSelfTest): void {
  // Whatever the window, a request is either served by the next route or answered 503 with Retry-After.
  const decision = t.decide({ path: '/' });
  if (decision.kind === 'respond') {
    assert.equal(decision.status, 503);
    assert.match(decision.headers?.['retry-after'] ?? '', /^\d+$/);
  } else {
    assert.equal(decision.kind, 'next');
  }
}
