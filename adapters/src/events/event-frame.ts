// The wire format of the event stream: each event `{ type, node, ts, ...payload }`, many events per WebSocket frame.
import { toPlainData } from '@switchyard/core';
import { Packr } from 'msgpackr';
import type { Message } from '@switchyard/core';
import type { ByteWriter } from './byte-writer.js';
import type { JsonEventEncoder } from './event-json.js';
import type { MsgpackEventEncoder } from './event-msgpack.js';

/** The WebSocket subprotocol a client names to receive msgpack (binary) frames instead of JSON (text) ones. */
export const MSGPACK_SUBPROTOCOL = 'switchyard.msgpack';

export const FrameEncoding = { json: 'json', msgpack: 'msgpack' } as const;
export type FrameEncoding = (typeof FrameEncoding)[keyof typeof FrameEncoding];

/** The type of the frame that tells a client how many events it missed. */
export const STREAM_DROPPED = 'stream.dropped';

/** One event as a client receives it. */
export type EventFrame = Record<string, unknown> & { type: string };

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
 * Writes the JSON of one of this node's own events into `w` (UTF-8, one line, no newline): by hand
 * for the lifecycle types (`encoder`, made for this node's name), else through frameOf.
 */
export function encodeJsonEvent(w: ByteWriter, encoder: JsonEventEncoder, message: Message, ts: number): void {
  if (!encoder.write(w, message, ts)) w.utf8(JSON.stringify(frameOf(message, encoder.node, ts)));
}

/**
 * Writes the JSON of an event relayed by another node or a worker (tagged with its slot). Its
 * fields were not built by this process's typed code (a relayed event's schema only requires
 * `type` and `ts`), so it takes the generic path: the hand-written encoders read fixed shapes.
 */
export function encodeRelayedJsonEvent(w: ByteWriter, message: Message, node: string, ts: number, worker?: number): void {
  w.utf8(JSON.stringify(frameOf(message, node, ts, worker)));
}

/**
 * Writes the msgpack map of one of this node's own events into `w`: by hand for the lifecycle types
 * (`encoder`, made for this node's name), else through frameOf and msgpackr.
 */
export function encodeMsgpackEvent(w: ByteWriter, encoder: MsgpackEventEncoder, message: Message, ts: number): void {
  if (!encoder.write(w, message, ts)) encodeRelayedMsgpackEvent(w, message, encoder.node, ts);
}

/** Writes the msgpack map of an event relayed by another node or a worker: the generic path, as for JSON. */
export function encodeRelayedMsgpackEvent(w: ByteWriter, message: Message, node: string, ts: number, worker?: number): void {
  const packed = packr.pack(frameOf(message, node, ts, worker));
  w.copy(packed, 0, packed.length);
}

/** Writes one frame object (a `cluster.events-dropped` report, say) as one event into `w`. */
export function writeFrame(w: ByteWriter, frame: Record<string, unknown>, encoding: FrameEncoding): void {
  if (encoding === 'json') w.utf8(JSON.stringify(frame));
  else {
    const packed = packr.pack(frame);
    w.copy(packed, 0, packed.length);
  }
}

/** One frame object (a `stream.dropped` report) as the payload of a WebSocket frame of its own. */
export function encodeFrame(frame: Record<string, unknown>, encoding: FrameEncoding): string | Buffer {
  return encoding === 'json' ? JSON.stringify(frame) : packr.pack(frame);
}

/**
 * What separates the events of one WebSocket frame, if anything.
 *
 * JSON (a text frame): newline-delimited JSON, one event object per line, `\n` between them and none
 * after the last. JSON.stringify never writes a raw newline, so splitting on `\n` is safe.
 * msgpack (a binary frame): the events' maps back to back, a msgpack stream (msgpackr
 * `unpackMultiple`, @msgpack/msgpack `decodeMulti`, Python `Unpacker`).
 */
export function separatorOf(encoding: FrameEncoding): number | undefined {
  return encoding === 'json' ? 0x0a : undefined;
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
