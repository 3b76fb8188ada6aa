// JSON text of one event frame, written by hand for the per-request and per-connection lifecycle types.
import type { ConnClosed, ConnOpened, Message, RequestCompleted, RequestReceived, ResponseStarted, RouteMatched, TargetPicked, UpstreamConnected } from '@switchyard/core';

/** Writes the JSON of one event; `node` is already JSON (a quoted string). */
type JsonEncoder = (message: never, node: string, ts: number) => string;

// These run once per event inside the proxy's call, about six times per request with a subscriber of
// every event. A template with a fixed field order reads each field by name (one hidden class, no
// copy of the message, no generic walk) and quotes only the strings: it is several times cheaper than
// building a plain frame object and handing it to JSON.stringify, and writes the same JSON.
// When a schema gains a field, its encoder here must too (event-json.test.ts compares every field).
const ENCODERS: ReadonlyMap<string, JsonEncoder> = new Map<string, JsonEncoder>([
  [
    'conn.opened',
    (m: ConnOpened, node, ts) =>
      `{"type":"conn.opened","node":${node},"ts":${num(ts)},"connId":${num(m.connId)},"listener":${str(m.listener)},"clientAddress":${str(m.clientAddress)},"clientPort":${num(m.clientPort)},"at":${num(m.at)}}`,
  ],
  [
    'conn.closed',
    (m: ConnClosed, node, ts) =>
      `{"type":"conn.closed","node":${node},"ts":${num(ts)},"connId":${num(m.connId)},"listener":${str(m.listener)},"requests":${num(m.requests)},"bytesIn":${num(m.bytesIn)},"bytesOut":${num(m.bytesOut)},"durationMs":${num(m.durationMs)},"cause":${str(m.cause)}}`,
  ],
  [
    'request.received',
    (m: RequestReceived, node, ts) =>
      `{"type":"request.received","node":${node},"ts":${num(ts)},"connId":${num(m.connId)},"requestId":${str(m.requestId)},"method":${str(m.method)},"target":${str(m.target)},"host":${str(m.host)}}`,
  ],
  ['request.routed', (m: RouteMatched, node, ts) => `{"type":"request.routed","node":${node},"ts":${num(ts)},"requestId":${str(m.requestId)},"route":${str(m.route)},"action":${str(m.action)}}`],
  [
    'request.target-picked',
    (m: TargetPicked, node, ts) => `{"type":"request.target-picked","node":${node},"ts":${num(ts)},"requestId":${str(m.requestId)},"upstream":${str(m.upstream)},"target":${str(m.target)}}`,
  ],
  [
    'request.upstream-connected',
    (m: UpstreamConnected, node, ts) =>
      `{"type":"request.upstream-connected","node":${node},"ts":${num(ts)},"requestId":${str(m.requestId)},"target":${str(m.target)},"isReused":${m.isReused === true},"connectMs":${num(m.connectMs)}}`,
  ],
  [
    'request.response-started',
    (m: ResponseStarted, node, ts) =>
      `{"type":"request.response-started","node":${node},"ts":${num(ts)},"requestId":${str(m.requestId)},"status":${num(m.status)},"upstreamHeaderMs":${num(m.upstreamHeaderMs)}}`,
  ],
  [
    'request.completed',
    (m: RequestCompleted, node, ts) =>
      `{"type":"request.completed","node":${node},"ts":${num(ts)},"connId":${num(m.connId)},"requestId":${str(m.requestId)},"listener":${str(m.listener)},"clientAddress":${str(m.clientAddress)},"clientPort":${num(m.clientPort)},"method":${str(m.method)},"target":${str(m.target)},"httpVersion":${str(m.httpVersion)},"host":${str(m.host)},"status":${num(m.status)},"bytesIn":${num(m.bytesIn)},"bytesOut":${num(m.bytesOut)}${optStr(',"route":', m.route)}${optStr(',"upstream":', m.upstream)}${optStr(',"targetAddress":', m.targetAddress)},"upstreamConnectMs":${num(m.upstreamConnectMs)},"upstreamHeaderMs":${num(m.upstreamHeaderMs)},"totalMs":${num(m.totalMs)},"termination":${str(m.termination)}${optStr(',"userAgent":', m.userAgent)}${optStr(',"referer":', m.referer)},"startedAt":${num(m.startedAt)}}`,
  ],
]);

/** The event types with a hand-written encoder (for tests). */
export const HAND_ENCODED_TYPES: readonly string[] = [...ENCODERS.keys()];

/**
 * The hand-written JSON encoder of `type`, if it has one: it writes the frame
 * `{ type, node, ts, ...payload }` of one event, without a newline, exactly as `JSON.stringify` of
 * `frameOf` would. `node` is the node name already encoded as a JSON string (once, not per event).
 */
export function jsonEncoderOf(type: string): ((message: Message, node: string, ts: number) => string) | undefined {
  return ENCODERS.get(type) as ((message: Message, node: string, ts: number) => string) | undefined;
}

/**
 * Characters JSON.stringify would escape: `"`, `\`, controls, and surrogates (a lone one is escaped).
 * Most values (ids, addresses, paths, names) have none, and a test is cheaper than escaping.
 */
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/** A string field: the only place that needs escaping. */
function str(value: string): string {
  return NEEDS_ESCAPE.test(value) ? JSON.stringify(value) : `"${value}"`;
}

function optStr(prefix: string, value: string | undefined): string {
  return value === undefined ? '' : prefix + str(value);
}

/** A number as `toPlainData` hands it to JSON: finite as is, NaN and ±Infinity as strings. */
function num(value: number): string {
  return Number.isFinite(value) ? `${value}` : `"${value}"`;
}
