// Canary release: a header or a cookie opts in or out; everyone else is split by weight.
import assert from 'node:assert/strict';
import { defineRouter, type RouterDecision, type RouterSelfTest } from '@switchyard/actors';

interface CanaryOptions {
  /** Upstream names. */
  stable: string;
  canary: string;
  /** Share of unmarked traffic sent to the canary, in percent (0-100). Default 5. */
  weight?: number;
  /** `x-canary: always` / `never` forces a side. Default `x-canary`. */
  header?: string;
  /** Cookie `canary=always` / `never` forces a side (set it to keep a user on one side). Default `canary`. */
  cookie?: string;
}

function forced(value: string | undefined): boolean | undefined {
  if (value === 'always' || value === '1' || value === 'true') return true;
  if (value === 'never' || value === '0' || value === 'false') return false;
  return undefined;
}

export default defineRouter<undefined, CanaryOptions>({
  name: 'canary',
  decide(req, ctx) {
    const { stable, canary } = ctx.options;
    const choice = forced(req.header(ctx.options.header ?? 'x-canary')) ?? forced(req.cookie(ctx.options.cookie ?? 'canary'));
    if (choice !== undefined) {
      ctx.metrics.count(choice ? 'forced.canary' : 'forced.stable');
      return { kind: 'forward', upstream: choice ? canary : stable };
    }
    const weight = Math.min(100, Math.max(0, ctx.options.weight ?? 5));
    return { kind: 'split', split: [{ upstream: stable, weight: 100 - weight }, { upstream: canary, weight }] };
  },
});

/** Runs at every load: a version that fails it never goes live. */
export function selfTest(t: RouterSelfTest): void {
  const canary = t.options.canary as string;
  const stable = t.options.stable as string;
  assert.deepEqual(t.decide({ headers: { 'x-canary': 'always' } }), { kind: 'forward', upstream: canary } satisfies RouterDecision);
  assert.deepEqual(t.decide({ cookies: { canary: 'never' } }), { kind: 'forward', upstream: stable } satisfies RouterDecision);
  assert.equal(t.decide({}).kind, 'split');
}
