// The wire format of the event stream: each event `{ type, node, ts, ...payload }`, many events per WebSocket frame.
import { toPlainData } from '@switchyard/core';
import { Packr } from 'msgpackr';
import type { Message } from '@switchyard/core';
import { jsonEncoderOf } from './event-json.js';

/** The WebSocket subprotocol a client names to receive msgpack (binary) frames instead of JSON (text) ones. */
export const MSGPACK_SUBPROTOCOL = 'switchyard.msgpack';

export const FrameEncoding = { json: 'json', msgpack: 'msgpack' } as const;
export type FrameEncoding = (typeof FrameEncoding)[keyof typeof FrameEncoding];

/** The type of the frame that tells a client how many events it missed. */
export const STREAM_DROPPED = 'stream.dropped';

/** One event as a client receives it. */
export type EventFrame = Record<string, unknown> & { type: string };

/** One encoded event: JSON text (one line, no newline) or one msgpack map. */
export type EncodedEvent = string | Buffer;

// One instance per process (STYLE §4). Plain maps, not msgpackr records, so any msgpack decoder reads them.
const packr = new Packr({ useRecords: false });

/**
 * Builds the frame of one event. Only plain data goes out: `cause` fields that hold in-process thrown
 * values are dropped (a string `cause`, such as `conn.closed`'s, is kept), errors become
 * `{ name, message, code }`, and objects that are not plain (a socket inside a dead letter, say)
 * become their class name.
 */
export function frameOf(message: Message, node: string, ts: number, worker?: number): Record<string, unknown> {
  const frame: Record<string, unknown> = { type: message.type, node, ts };
  for (const key of Object.keys(message)) {
    if (key === 'type' || key === 'node' || key === 'ts') continue;
    const raw = (message as unknown as Record<string, unknown>)[key];
    if (key === 'cause' && typeof raw !== 'string') continue;
    const value = toPlainData(raw, 1);
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

/**
 * The JSON text of one event. `nodeJson` is `node` already encoded as a JSON string, so that the
 * lifecycle types, written by hand (event-json.ts), need no per-event work for it.
 */
export function encodeJsonEvent(message: Message, node: string, nodeJson: string, ts: number, worker?: number): string {
  // A worker's relayed event carries its slot too; the hand-written templates cover the node's own.
  const encode = worker === undefined ? jsonEncoderOf(message.type) : undefined;
  return encode === undefined ? JSON.stringify(frameOf(message, node, ts, worker)) : encode(message, nodeJson, ts);
}

/** The msgpack map of one event. */
export function encodeMsgpackEvent(message: Message, node: string, ts: number, worker?: number): Buffer {
  return packr.pack(frameOf(message, node, ts, worker));
}

/** Encodes one frame object (a `stream.dropped` report, say) as one event. */
export function encodeFrame(frame: Record<string, unknown>, encoding: FrameEncoding): EncodedEvent {
  return encoding === 'json' ? JSON.stringify(frame) : packr.pack(frame);
}

/** Bytes an encoded event takes on the wire (UTF-8 for JSON). */
export function encodedBytes(event: EncodedEvent): number {
  return typeof event === 'string' ? Buffer.byteLength(event, 'utf8') : event.length;
}

/**
 * The payload of one WebSocket frame holding `events[start..end)`, in order.
 *
 * JSON (a text frame): newline-delimited JSON, one event object per line, `\n` between them and none
 * after the last. JSON.stringify never writes a raw newline, so splitting on `\n` is safe.
 * msgpack (a binary frame): the events' maps back to back, a msgpack stream (msgpackr
 * `unpackMultiple`, @msgpack/msgpack `decodeMulti`, Python `Unpacker`).
 */
export function joinEvents(events: readonly EncodedEvent[], start: number, end: number, encoding: FrameEncoding): string | Buffer {
  if (encoding === 'json') return end - start === 1 ? (events[start] as string) : (events.slice(start, end) as string[]).join('\n');
  return end - start === 1 ? (events[start] as Buffer) : Buffer.concat(events.slice(start, end) as Buffer[]);
}

/**
 * The events of one frame of the stream, in order (for clients written in TypeScript, and tests).
 * @example
 * ws.on('message', (data: Buffer, isBinary: boolean) => { for (const event of decodeEventFrame(data, isBinary)) show(event); });
 */
export function decodeEventFrame(data: Uint8Array | string, isBinary: boolean): EventFrame[] {
  if (isBinary) return packr.unpackMultiple(typeof data === 'string' ? Buffer.from(data, 'utf8') : data) as EventFrame[];
  const text = typeof data === 'string' ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8');
  return text.split('\n').map((line) => JSON.parse(line) as EventFrame);
}
