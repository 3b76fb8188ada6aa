// Event-stream encoding benchmark: ns per event of one request's lifecycle, hand-written JSON against frameOf + JSON.stringify.
// Usage: node adapters/dist/bench/event-encode.bench.js (under the CPU lock). Prints the median of 9 runs per row.
import type { Message } from '@switchyard/core';
import { encodedBytes, encodeJsonEvent, encodeMsgpackEvent, frameOf, joinEvents } from '../src/events/event-frame.js';

const RUNS = 9;
const REQUESTS_PER_RUN = 200_000;

/** One forwarded request as the proxy publishes it: the six request steps, and its connection's two. */
function lifecycle(i: number): Message[] {
  const requestId = `1f3a9c-${i}`;
  return [
    { type: 'conn.opened', connId: i, listener: 'web', clientAddress: '127.0.0.1', clientPort: 40_000 + (i % 20_000), at: 1_763_781_234_567 + i },
    { type: 'request.received', connId: i, requestId, method: 'GET', target: `/api/users/${i}?fields=name`, host: 'example.test:8080' },
    { type: 'request.routed', requestId, route: 'api', action: 'forward' },
    { type: 'request.target-picked', requestId, upstream: 'app', target: '10.0.0.5:8080' },
    { type: 'request.upstream-connected', requestId, target: '10.0.0.5:8080', isReused: true, connectMs: 0 },
    { type: 'request.response-started', requestId, status: 200, upstreamHeaderMs: 0.412 },
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
      upstreamHeaderMs: 0.412,
      totalMs: 0.734,
      termination: 'ok',
      userAgent: 'wrk/4.2.0 (Linux x86_64)',
      startedAt: 1_763_781_234_567 + i,
    },
    { type: 'conn.closed', connId: i, listener: 'web', requests: 1, bytesIn: 96, bytesOut: 1412, durationMs: 1.2, cause: 'client-closed' },
  ] as unknown as Message[];
}

const EVENTS = Array.from({ length: 1024 }, (_, i) => lifecycle(i)).flat();

interface Row {
  name: string;
  /** Encodes one event and returns its size in bytes, as the stream does before queueing it. */
  encode: (m: Message, ts: number) => number;
}

const ROWS: Row[] = [
  { name: 'frameOf + JSON.stringify + Buffer.from (before)', encode: (m, ts) => Buffer.from(JSON.stringify(frameOf(m, 'bench', ts)), 'utf8').length },
  { name: 'hand-written JSON + byte length (now)', encode: (m, ts) => encodedBytes(encodeJsonEvent(m, 'bench', '"bench"', ts)) },
  { name: 'msgpack (frameOf + pack)', encode: (m, ts) => encodeMsgpackEvent(m, 'bench', ts).length },
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
// Joining a turn's events into one frame: per event, on top of encoding.
const texts = EVENTS.slice(0, 128).map((m, i) => encodeJsonEvent(m, 'bench', '"bench"', i));
const joinStarted = process.hrtime.bigint();
let joined = 0;
for (let i = 0; i < 20_000; i++) joined += Buffer.byteLength(joinEvents(texts, 0, texts.length, 'json') as string);
lines.push(`${'join 128 events into one NDJSON frame'.padEnd(52)} ${(Number(process.hrtime.bigint() - joinStarted) / (20_000 * 128)).toFixed(0).padStart(6)} ns/event  (${joined > 0 ? 'ok' : 'empty'})`);
process.stdout.write(`${lines.join('\n')}\n`);
