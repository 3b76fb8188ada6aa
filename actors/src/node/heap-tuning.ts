// Process-wide V8 heap setting for a proxy process: called once by the entry points, never by a library.
import v8 from 'node:v8';

/**
 * The old-generation growing factor a proxy process runs with, as `--heap-growing-percent` (300 = ×4,
 * the most V8 itself grows a large heap by).
 *
 * Why: every socket read allocates a fresh 64 KiB buffer outside the V8 heap, and V8 frees young
 * buffers only at a scavenge, which it triggers after 32 MiB of them. V8 counts that external
 * memory against the old generation's next limit, but sizes the limit from old-generation
 * allocation speed alone, which is tiny for a relay; so after any full GC the limit sits only
 * ~8 MiB above the live heap, and a bulk transfer starts a full mark-compact every ~40 MiB of
 * traffic. With our ~15 MiB heap those took a quarter of the proxy's CPU (perf: concurrent
 * marking and sweeping) and held TCP bulk at 0.6-0.8× a bare `net` pipe; the bare pipe escapes
 * only because its tiny heap never has its first full GC (the same pipe with our modules merely
 * imported drops to our figure). A fixed factor keeps the limit above the buffer churn.
 * Cost: up to ×4 the live heap before a full GC, instead of as little as ×1.1.
 */
export const PROXY_HEAP_GROWING_PERCENT = 300;

const FLAG = '--heap-growing-percent';

/**
 * Turned off in a proxy process: V8's allocation-site pretenuring (allocating objects from a
 * literal straight into the old generation once most of them have survived a scavenge).
 *
 * Why: a connection's objects live a few milliseconds, but the ones in flight when a scavenge runs
 * survive it, and under `Connection: close` at 10k connections/s that was enough for V8 to pretenure
 * a dozen of the literals a socket and a connection are made of (`--trace-pretenuring-statistics`).
 * An old object that dies still points at the young objects stored in it, and a scavenge treats
 * such pointers as roots: each connection's young graph then survived and was promoted, to be
 * freed only by a mark-compact. Measured on the close bench: 27% of the young generation survived
 * each scavenge instead of 5.6%, scavenges took 8.5 ms instead of 2.4, mark-compacts ran every
 * second, p99 was 24 ms instead of 9.7, and throughput 10.8k instead of 12.3k req/s. It started
 * once HTTP client sockets read through the shared buffer (shared-read-buffer.ts), which changed
 * which objects survive; nothing in a relay lives long enough to gain from pretenuring.
 */
const PRETENURING_FLAG = 'allocation-site-pretenuring';

/**
 * Sets the heap growing factor for this process unless the operator already chose one
 * (`node --heap-growing-percent=…` or NODE_OPTIONS), and turns pretenuring off unless the operator
 * named that flag. Returns the flags it set. The factor is effective from the next full GC and
 * pretenuring is consulted at every scavenge, so calling it after the modules have loaded is enough.
 */
export function tuneHeapForRelaying(execArgv: readonly string[] = process.execArgv, nodeOptions: string = process.env['NODE_OPTIONS'] ?? ''): string[] {
  const isChosen = (flag: string): boolean => execArgv.some((arg) => arg.includes(flag)) || nodeOptions.includes(flag);
  const set: string[] = [];
  if (!isChosen(FLAG)) set.push(`${FLAG}=${PROXY_HEAP_GROWING_PERCENT}`);
  if (!isChosen(PRETENURING_FLAG)) set.push(`--no-${PRETENURING_FLAG}`);
  for (const flag of set) v8.setFlagsFromString(flag);
  return set;
}
