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
 * Sets the heap growing factor for this process unless the operator already chose one
 * (`node --heap-growing-percent=…` or NODE_OPTIONS). Effective from the next full GC, so calling it
 * after the modules have loaded is enough.
 */
export function tuneHeapForRelaying(execArgv: readonly string[] = process.execArgv, nodeOptions: string = process.env['NODE_OPTIONS'] ?? ''): boolean {
  if (execArgv.some((arg) => arg.startsWith(FLAG)) || nodeOptions.includes(FLAG)) return false;
  v8.setFlagsFromString(`${FLAG}=${PROXY_HEAP_GROWING_PERCENT}`);
  return true;
}
