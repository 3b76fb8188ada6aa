// Declares a message type once: its name, its zod schema, its inferred TypeScript type and a parser.
import { z } from 'zod';

/** A message as it travels in process: a plain object whose `type` names it. */
export interface Message<T extends string = string> {
  readonly type: T;
}

/** The outcome of parsing untrusted input: a typed message, or every problem with its path. */
export type ParseResult<M> =
  | { readonly ok: true; readonly value: M }
  | { readonly ok: false; readonly issues: readonly ParseIssue[] };

export interface ParseIssue {
  readonly path: string;
  readonly message: string;
}

type Shape = z.ZodRawShape;

/** The payload fields a message type declares, as its schema outputs them. */
export type PayloadFields<S extends Shape> = z.output<z.ZodObject<S>>;
/** A declared message: its payload fields plus its literal `type`. */
export type TypedMessage<T extends string, S extends Shape> = PayloadFields<S> & { readonly type: T };

/**
 * One declared message type. Build messages with `make` (typed, never parsed again in process);
 * run `parse` only where data enters from outside (NATS, WebSocket, config, scripts).
 */
export interface MessageType<T extends string = string, S extends Shape = Shape, R = unknown> {
  readonly type: T;
  /** The full schema, `type` literal included. */
  readonly schema: z.ZodType<TypedMessage<T, S>>;
  /** The schema of a reply, when this message is a request answered through `ask`. */
  readonly replySchema: z.ZodType<R> | undefined;
  make(payload: PayloadFields<S>): TypedMessage<T, S>;
  parse(input: unknown): ParseResult<TypedMessage<T, S>>;
  is(message: Message): message is TypedMessage<T, S>;
}

/** The TypeScript type of the messages a `MessageType` declares. */
export type MessageOf<M> = M extends MessageType<infer T, infer S, infer _R> ? TypedMessage<T, S> : never;
/** The reply type of a request message type. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ReplyOf<M> = M extends MessageType<string, any, infer R> ? R : never;

const TYPE_NAME = /^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)+$/;

/**
 * Declares a message type.
 * @example
 * export const TargetMarkedDown = defineMessage('target.marked-down', {
 *   target: z.string(),
 *   reason: z.enum(['timeout', 'refused', 'bad-status']),
 * });
 * export type TargetMarkedDown = MessageOf<typeof TargetMarkedDown>;
 * bus.publish(TargetMarkedDown.make({ target: 'a', reason: 'timeout' }));
 */
export function defineMessage<const T extends string, S extends Shape>(type: T, shape: S): MessageType<T, S, never>;
export function defineMessage<const T extends string, S extends Shape, R>(
  type: T,
  shape: S,
  options: { reply: z.ZodType<R> },
): MessageType<T, S, R>;
export function defineMessage<const T extends string, S extends Shape, R>(
  type: T,
  shape: S,
  options?: { reply: z.ZodType<R> },
): MessageType<T, S, R> {
  if (!TYPE_NAME.test(type)) {
    throw new TypeError(`message type "${type}" must read area.name in lower-case kebab segments`);
  }
  type Out = TypedMessage<T, S>;
  const schema = z.object({ ...shape, type: z.literal(type) }) as unknown as z.ZodType<Out>;
  return {
    type,
    schema,
    replySchema: options?.reply,
    make(payload) {
      // Spread keeps the caller's object untouched; `type` last so a payload cannot forge it.
      return { ...payload, type } as Out;
    },
    parse(input) {
      const result = schema.safeParse(input);
      return result.success ? { ok: true, value: result.data as Out } : { ok: false, issues: toIssues(result.error) };
    },
    is(message): message is Out {
      return message.type === type;
    },
  };
}

/** Turns zod issues into `path: reason` pairs a person can act on. */
export function toIssues(error: z.ZodError): ParseIssue[] {
  return error.issues.map((issue) => ({ path: issue.path.map(String).join('.') || '(root)', message: issue.message }));
}
