// The envelope a message travels in between nodes: identity, routing, timing and protocol version.
import { z } from 'zod';

/** The wire protocol version this build speaks. A receiver drops any other and counts it. */
export const PROTOCOL_VERSION = 1;

export const Envelope = z.object({
  /** Unique id of this envelope. */
  id: z.string().min(1).max(128),
  /** The message type carried, `area.name`. */
  type: z.string().min(1).max(128),
  /** Protocol version of the sender. */
  v: z.number().int().nonnegative(),
  /** Address of the sending actor, when an actor sent it. */
  sender: z.string().max(512).optional(),
  /** Correlates a reply with its request. */
  correlationId: z.string().max(128).optional(),
  /** Where a reply should go. */
  replyTo: z.string().max(512).optional(),
  /** Epoch milliseconds after which the message is worthless. */
  deadline: z.number().int().optional(),
  /** Trace id carried across hops. */
  traceId: z.string().max(128).optional(),
  /** Epoch milliseconds when the envelope was made. */
  ts: z.number().int().nonnegative(),
  /** The node that sent it. */
  node: z.string().min(1).max(256),
  /** The message itself, validated against its own schema on receipt. */
  payload: z.unknown(),
});
export type Envelope = z.infer<typeof Envelope>;
