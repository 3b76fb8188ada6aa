// Facts the primary publishes about its worker processes: on the event stream like any other event.
import { defineMessage, type MessageOf } from '@switchyard/core';
import { z } from 'zod';

/**
 * A worker process ended without being asked to. `restartInMs` is the backoff before it is forked
 * again (absent while the node is shutting down, when nothing is restarted).
 */
export const WorkerExited = defineMessage('worker.exited', {
  worker: z.number().int().positive(),
  pid: z.number().int(),
  code: z.number().int().nullable(),
  signal: z.string().nullable(),
  restartInMs: z.number().int().nonnegative().optional(),
  /** Restarts of this slot in a row without a long enough healthy run in between. */
  attempt: z.number().int().nonnegative(),
  at: z.number().int(),
});
export type WorkerExited = MessageOf<typeof WorkerExited>;

/** A worker forked after a crash serves again (it said ready). */
export const WorkerRestarted = defineMessage('worker.restarted', {
  worker: z.number().int().positive(),
  pid: z.number().int(),
  attempt: z.number().int().positive(),
  at: z.number().int(),
});
export type WorkerRestarted = MessageOf<typeof WorkerRestarted>;
