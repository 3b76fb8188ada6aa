// Turns a bus message into a wire frame `{ type, node, ts, ...payload }`, encoded as JSON or msgpack.
import { toPlainData } from '@switchyard/core';
import { Packr } from 'msgpackr';
import type { Message } from '@switchyard/core';

/** The WebSocket subprotocol a client names to receive msgpack (binary) frames instead of JSON (text) ones. */
export const MSGPACK_SUBPROTOCOL = 'switchyard.msgpack';

export const FrameEncoding = { json: 'json', msgpack: 'msgpack' } as const;
export type FrameEncoding = (typeof FrameEncoding)[keyof typeof FrameEncoding];

/** The type of the frame that tells a client how many events it missed. */
export const STREAM_DROPPED = 'stream.dropped';

// One instance per process (STYLE §4). Plain maps, not msgpackr records, so any msgpack decoder reads them.
const packr = new Packr({ useRecords: false });

/** Nesting kept in a frame; deeper values become "[…]". Events are flat; this only guards odd payloads. */

/**
 * Builds the frame of one event. Only plain data goes out: `cause` fields (in-process thrown values)
 * are dropped, errors become `{ name, message, code }`, and objects that are not plain (a socket
 * inside a dead letter, say) become their class name.
 */
export function frameOf(message: Message, node: string, ts: number, worker?: number): Record<string, unknown> {
  const frame: Record<string, unknown> = { type: message.type, node, ts };
  for (const key of Object.keys(message)) {
    if (key === 'type' || key === 'node' || key === 'ts' || key === 'cause') continue;
    const value = toPlainData((message as unknown as Record<string, unknown>)[key], 1);
    if (value !== undefined) frame[key] = value;
  }
  // Relayed by a worker process: tagged with its slot too (`node` is the worker's name then).
  if (worker !== undefined) frame['worker'] = worker;
  return frame;
}

/** The frame that reports `count` events dropped for this client since the last report. */
export function droppedFrameOf(count: number, node: string, ts: number): Record<string, unknown> {
  return { type: STREAM_DROPPED, node, ts, count };
}

/** Encodes a frame: UTF-8 JSON (sent as a text frame) or msgpack (a binary frame). */
export function encodeFrame(frame: Record<string, unknown>, encoding: FrameEncoding): Buffer {
  return encoding === 'json' ? Buffer.from(JSON.stringify(frame), 'utf8') : packr.pack(frame);
}

/** Decodes a msgpack frame (for clients written in TypeScript, and tests). */
export function decodeMsgpackFrame(data: Uint8Array): unknown {
  return packr.unpack(data);
}

