// What the script runtime reports on the bus, and the one command it takes from outside (promote a shadow).
import { ErrorInfo, defineMessage, type MessageOf } from '@switchyard/core';
import { z } from 'zod';

const Problem = z.object({ message: z.string(), line: z.number().int().optional(), column: z.number().int().optional() });

/** A script version went live for new requests: at config apply, after a file change, or by promotion. */
export const ScriptLoaded = defineMessage('script.loaded', {
  route: z.string(),
  path: z.string(),
  hash: z.string(),
  isolation: z.enum(['inline', 'worker']),
  /** True when this is the shadow version. */
  isShadow: z.boolean(),
  cause: z.enum(['config', 'file-changed', 'promoted']),
});
export type ScriptLoaded = MessageOf<typeof ScriptLoaded>;

/** A changed script file could not be compiled, imported or self-tested: the previous version keeps running. */
export const ScriptReloadFailed = defineMessage('script.reload-failed', {
  route: z.string(),
  path: z.string(),
  /** The version still serving. */
  keptHash: z.string(),
  problems: z.array(Problem),
});
export type ScriptReloadFailed = MessageOf<typeof ScriptReloadFailed>;

export const ScriptFailureReason = z.enum(['threw', 'budget-exceeded', 'timeout', 'invalid-decision', 'worker-exited', 'event-handler-threw']);
export type ScriptFailureReason = z.infer<typeof ScriptFailureReason>;

/**
 * A router failed on a request (or an event): the request fell back (`fallback` route, else 502)
 * and, unless it was the shadow, the router is restarted by its supervisor with backoff.
 */
export const ScriptFailed = defineMessage('script.failed', {
  route: z.string(),
  path: z.string(),
  hash: z.string(),
  isShadow: z.boolean(),
  reason: ScriptFailureReason,
  error: ErrorInfo,
  requestId: z.string().optional(),
});
export type ScriptFailed = MessageOf<typeof ScriptFailed>;

/** The shadow version decided differently from the active one; the response followed the active one. */
export const ScriptShadowDisagreed = defineMessage('script.shadow-disagreed', {
  route: z.string(),
  requestId: z.string(),
  method: z.string(),
  path: z.string(),
  /** Canonical JSON of each decision. */
  active: z.string(),
  shadow: z.string(),
});
export type ScriptShadowDisagreed = MessageOf<typeof ScriptShadowDisagreed>;

/** Command: make the shadow version of `route`'s script the active one. */
export const PromoteScript = defineMessage('script.promote', { route: z.string() });
export type PromoteScript = MessageOf<typeof PromoteScript>;

/** A router's log line (published only when someone listens). */
export const ScriptLogged = defineMessage('script.logged', {
  route: z.string(),
  level: z.enum(['debug', 'info', 'warn', 'error']),
  message: z.string(),
  fields: z.record(z.string(), z.unknown()).optional(),
});
export type ScriptLogged = MessageOf<typeof ScriptLogged>;

/** Counters of one script route and its router's own metrics, every stats tick (when someone listens). */
export const ScriptStats = defineMessage('script.stats', {
  route: z.string(),
  requests: z.number().int(),
  failures: z.number().int(),
  fallbacks: z.number().int(),
  shadowCompared: z.number().int(),
  shadowDisagreed: z.number().int(),
  shadowFailed: z.number().int(),
  restarts: z.number().int(),
  metrics: z.record(z.string(), z.number()),
});
export type ScriptStats = MessageOf<typeof ScriptStats>;
