// A/B test: a stable hash of a user cookie (or of the client address without one) puts each user in one bucket.
import { defineRouter } from '@switchyard/actors';

interface AbOptions {
  /** Upstream of variant A and of variant B. */
  a: string;
  b: string;
  /** Share of users in B, percent. Default 50. */
  percentB?: number;
  /** The cookie identifying a user. Default `uid`. */
  cookie?: string;
}

/** FNV-1a, 32 bits: fast, stable across restarts and nodes, good enough to spread ids over 100 buckets. */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

export default defineRouter<undefined, AbOptions>({
  name: 'ab-cookie',
  decide(req, ctx) {
    const id = req.cookie(ctx.options.cookie ?? 'uid') ?? req.clientAddress;
    const inB = fnv1a(id) % 100 < (ctx.options.percentB ?? 50);
    ctx.metrics.count(inB ? 'variant.b' : 'variant.a');
    return { kind: 'forward', upstream: inB ? ctx.options.b : ctx.options.a, setHeaders: { 'x-variant': inB ? 'b' : 'a' } };
  },
});
