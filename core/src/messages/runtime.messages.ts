// Facts the runtime itself reports on the bus: actor lifecycle, supervision, dead letters, failures.
import { z } from 'zod';
import { defineMessage, type MessageOf } from './define-message.js';

/** An error as it appears in an event: stable code and text, plus the original in process. */
export const ErrorInfo = z.object({
  code: z.string(),
  message: z.string(),
  /** The thrown value itself; in process only, never sent across nodes. */
  cause: z.unknown().optional(),
});
export type ErrorInfo = z.infer<typeof ErrorInfo>;

export const ActorStarted = defineMessage('actor.started', {
  address: z.string(),
  parent: z.string().optional(),
});
export type ActorStarted = MessageOf<typeof ActorStarted>;

export const StopReason = z.enum(['requested', 'failed', 'parent-stopped', 'restarts-exceeded', 'system-stopped']);
export type StopReason = z.infer<typeof StopReason>;

export const ActorStopped = defineMessage('actor.stopped', {
  address: z.string(),
  reason: StopReason,
});
export type ActorStopped = MessageOf<typeof ActorStopped>;

export const ActorFailed = defineMessage('actor.failed', {
  address: z.string(),
  phase: z.enum(['init', 'receive', 'signal', 'stop']),
  messageType: z.string().optional(),
  error: ErrorInfo,
});
export type ActorFailed = MessageOf<typeof ActorFailed>;

export const Directive = z.enum(['restart', 'resume', 'stop', 'escalate']);
export type Directive = z.infer<typeof Directive>;

export const SupervisionDecided = defineMessage('supervision.decided', {
  parent: z.string(),
  child: z.string(),
  directive: Directive,
  /** Restarts of this child within the current window, this one included. */
  restartsInWindow: z.number().int(),
  /** Backoff before a restart takes effect. */
  delayMs: z.number().int(),
  /** Why a restart turned into a stop, when it did. */
  note: z.string().optional(),
  error: ErrorInfo,
});
export type SupervisionDecided = MessageOf<typeof SupervisionDecided>;

export const ActorRestarted = defineMessage('actor.restarted', {
  address: z.string(),
  restarts: z.number().int(),
});
export type ActorRestarted = MessageOf<typeof ActorRestarted>;

export const DeadLetterReason = z.enum(['mailbox-full', 'mailbox-dropped-oldest', 'mailbox-rejected', 'recipient-stopped']);
export type DeadLetterReason = z.infer<typeof DeadLetterReason>;

export const DeadLetter = defineMessage('actor.dead-letter', {
  recipient: z.string(),
  messageType: z.string(),
  reason: DeadLetterReason,
  /** The undelivered message itself (in process only). */
  message: z.unknown(),
});
export type DeadLetter = MessageOf<typeof DeadLetter>;

export const SubscriberFailed = defineMessage('bus.subscriber-failed', {
  /** The message type being delivered, when the bus could tell. */
  messageType: z.string().optional(),
  error: ErrorInfo,
  /** Failures not reported because the report budget for this second was spent. */
  suppressed: z.number().int(),
});
export type SubscriberFailed = MessageOf<typeof SubscriberFailed>;

export const FrameRejected = defineMessage('transport.frame-rejected', {
  subject: z.string(),
  code: z.enum(['ERR_TRANSPORT_FRAME_REJECTED', 'ERR_TRANSPORT_VERSION_MISMATCH', 'ERR_MESSAGE_INVALID']),
  reason: z.string(),
  /** The node the frame claimed to come from, when it got that far. */
  node: z.string().optional(),
  /** Frames this bridge has rejected so far. */
  rejectedTotal: z.number().int(),
});
export type FrameRejected = MessageOf<typeof FrameRejected>;

export const SnapshotReplaced = defineMessage('snapshot.replaced', {
  name: z.string(),
  version: z.number().int(),
  by: z.string().optional(),
});
export type SnapshotReplaced = MessageOf<typeof SnapshotReplaced>;

/** Delivered to a watcher's `signal` handler when a watched actor stops. */
export const ActorTerminated = defineMessage('actor.terminated', {
  address: z.string(),
  reason: StopReason,
});
export type ActorTerminated = MessageOf<typeof ActorTerminated>;

/** Turns anything thrown into the ErrorInfo an event carries. */
export function errorInfo(thrown: unknown, fallbackCode = 'ERR_RUNTIME_UNKNOWN'): ErrorInfo {
  if (thrown instanceof Error) {
    const code = (thrown as { code?: unknown }).code;
    return { code: typeof code === 'string' ? code : fallbackCode, message: thrown.message, cause: thrown };
  }
  return { code: fallbackCode, message: String(thrown), cause: thrown };
}
