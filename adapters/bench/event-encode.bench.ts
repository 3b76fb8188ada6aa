// Event-stream encoding benchmark: ns per event of one request's lifecycle, hand-written JSON bytes against frameOf + JSON.stringify.
// Usage: node adapters/dist/bench/event-encode.bench.js (under the CPU lock). Prints the median of 9 runs per row.
import type { Message } from '@switchyard/core';
import { ByteWriter } from '../src/events/byte-writer.js';
import { encodeJsonEvent, encodeMsgpackEvent, encodeRelayedMsgpackEvent, frameOf } from '../src/events/event-frame.js';
import { JsonEventEncoder } from '../src/events/event-json.js';
import { MsgpackEventEncoder } from '../src/events/event-msgpack.js';

const RUNS = 9;
const REQUESTS_PER_RUN = 200_000;

/**
 * One forwarded request as the proxy publishes it: the six request steps, and its connection's two.
 * Durations are fractions of a millisecond unlike each other (clock differences, as in the proxy):
 * repeated values would hit V8's number-to-string cache and flatter the encoders.
 */
function lifecycle(i: number): Message[] {
  const requestId = `1f3a9c-${i}`;
  const headerMs = 0.2 + Math.random();
  const totalMs = headerMs + Math.random();
  return [
    { type: 'conn.opened', connId: i, listener: 'web', clientAddress: '127.0.0.1', clientPort: 40_000 + (i % 20_000), at: 1_763_781_234_567 + i },
    { type: 'request.received', connId: i, requestId, method: 'GET', target: `/api/users/${i}?fields=name`, host: 'example.test:8080' },
    { type: 'request.routed', requestId, route: 'api', action: 'forward' },
    { type: 'request.target-picked', requestId, upstream: 'app', target: '10.0.0.5:8080' },
    { type: 'request.upstream-connected', requestId, target: '10.0.0.5:8080', isReused: true, connectMs: 0 },
    { type: 'request.response-started', requestId, status: 200, upstreamHeaderMs: headerMs },
    {
      type: 'request.completed',
      connId: i,
      requestId,
      listener: 'web',
      clientAddress: '127.0.0.1',
      clientPort: 40_000 + (i % 20_000),
      method: 'GET',
      target: `/api/users/${i}?fields=name`,
      httpVersion: '1.1',
      host: 'example.test:8080',
      status: 200,
      bytesIn: 96,
      bytesOut: 1412,
      route: 'api',
      upstream: 'app',
      targetAddress: '10.0.0.5:8080',
      upstreamConnectMs: 0,
      upstreamHeaderMs: headerMs,
      totalMs,
      termination: 'ok',
      userAgent: 'wrk/4.2.0 (Linux x86_64)',
      startedAt: 1_763_781_234_567.123 + i + totalMs,
    },
    { type: 'conn.closed', connId: i, listener: 'web', requests: 1, bytesIn: 96, bytesOut: 1412, durationMs: totalMs + Math.random(), cause: 'client-closed' },
  ] as unknown as Message[];
}

const EVENTS = Array.from({ length: 8192 }, (_, i) => lifecycle(i)).flat();

const jsonEncoder = new JsonEventEncoder('bench');
const msgpackEncoder = new MsgpackEventEncoder('bench');
const jsonWriter = new ByteWriter(4096);
const msgpackWriter = new ByteWriter(4096);

/** Encodes one event at the start of `w`, as the stream server does, and returns its size. */
function encodeInto(w: ByteWriter, encode: (w: ByteWriter) => void): number {
  w.pos = 0;
  encode(w);
  return w.pos;
}

interface Row {
  name: string;
  /** Encodes one event and returns its size in bytes, as the stream does before queueing it. */
  encode: (m: Message, ts: number) => number;
}

const ROWS: Row[] = [
  { name: 'frameOf + JSON.stringify + Buffer.from (before)', encode: (m, ts) => Buffer.from(JSON.stringify(frameOf(m, 'bench', ts)), 'utf8').length },
  { name: 'hand-written JSON bytes into a reused buffer (now)', encode: (m, ts) => encodeInto(jsonWriter, (w) => encodeJsonEvent(w, jsonEncoder, m, ts)) },
  { name: 'msgpack: frameOf + msgpackr pack (before)', encode: (m, ts) => encodeInto(msgpackWriter, (w) => encodeRelayedMsgpackEvent(w, m, 'bench', ts)) },
  { name: 'hand-written msgpack bytes into a reused buffer (now)', encode: (m, ts) => encodeInto(msgpackWriter, (w) => encodeMsgpackEvent(w, msgpackEncoder, m, ts)) },
];

function runOnce(row: Row): number {
  const started = process.hrtime.bigint();
  let bytes = 0;
  const count = REQUESTS_PER_RUN * 8;
  for (let i = 0; i < count; i++) {
    bytes += row.encode(EVENTS[i % EVENTS.length] as Message, 1_763_781_234_567 + i);
  }
  const ns = Number(process.hrtime.bigint() - started) / count;
  if (bytes === 0) throw new Error('nothing encoded');
  return ns;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

const lines: string[] = [];
const results = ROWS.map((row) => {
  runOnce(row);
  return { row, ns: median(Array.from({ length: RUNS }, () => runOnce(row))) };
});
const base = results[0]?.ns ?? 1;
for (const { row, ns } of results) lines.push(`${row.name.padEnd(52)} ${ns.toFixed(0).padStart(6)} ns/event  ${(base / ns).toFixed(2)}x`);
process.stdout.write(`${lines.join('\n')}\n`);
