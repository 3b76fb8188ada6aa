// JSON bytes of one event frame, written by hand for the per-request and per-connection lifecycle types.
import type { ConnClosed, ConnOpened, Message, RequestCompleted, RequestReceived, ResponseStarted, RouteMatched, TargetPicked, UpstreamConnected } from '@switchyard/core';
import { asciiBytes, ByteWriter } from './byte-writer.js';

/** Writes the JSON of one event into `w`; `node` is the node name already encoded as JSON (UTF-8 bytes of a quoted string). */
type JsonEncoder = (w: ByteWriter, message: never, node: Uint8Array, ts: number) => void;

/** `,"<key>":` for every key the encoders write, made once at load. */
const K = Object.freeze(
  Object.fromEntries(
    [
      'connId',
      'listener',
      'clientAddress',
      'clientPort',
      'at',
      'requests',
      'bytesIn',
      'bytesOut',
      'durationMs',
      'cause',
      'requestId',
      'method',
      'target',
      'host',
      'route',
      'action',
      'upstream',
      'isReused',
      'connectMs',
      'status',
      'upstreamHeaderMs',
      'httpVersion',
      'targetAddress',
      'upstreamConnectMs',
      'totalMs',
      'termination',
      'userAgent',
      'referer',
      'startedAt',
    ].map((key) => [key, asciiBytes(`,"${key}":`)]),
  ) as Record<
    | 'connId'
    | 'listener'
    | 'clientAddress'
    | 'clientPort'
    | 'at'
    | 'requests'
    | 'bytesIn'
    | 'bytesOut'
    | 'durationMs'
    | 'cause'
    | 'requestId'
    | 'method'
    | 'target'
    | 'host'
    | 'route'
    | 'action'
    | 'upstream'
    | 'isReused'
    | 'connectMs'
    | 'status'
    | 'upstreamHeaderMs'
    | 'httpVersion'
    | 'targetAddress'
    | 'upstreamConnectMs'
    | 'totalMs'
    | 'termination'
    | 'userAgent'
    | 'referer'
    | 'startedAt',
    Uint8Array
  >,
);
const TS = asciiBytes(',"ts":');
const TRUE = asciiBytes('true');
const FALSE = asciiBytes('false');
const CLOSE_BRACE = 0x7d;

/** `{"type":"<type>","node":` */
function headOf(type: string): Uint8Array {
  return asciiBytes(`{"type":${JSON.stringify(type)},"node":`);
}

/** The frame's start: type, node and ts. */
function head(w: ByteWriter, typeHead: Uint8Array, node: Uint8Array, ts: number): void {
  w.raw(typeHead);
  w.raw(node);
  w.raw(TS);
  num(w, ts);
}

// These run once per event inside the proxy's call, about six times per request with a subscriber of
// every event. Each reads the fields of one fixed shape by name (one hidden class, no copy of the
// message, no generic walk), in the order frameOf would give, and writes bytes straight into the
// writer: no template string, so no rope to flatten and no per-event garbage.
// When a schema gains a field, its encoder here must too (event-frame.test.ts compares every field).
const H_CONN_OPENED = headOf('conn.opened');
const H_CONN_CLOSED = headOf('conn.closed');
const H_RECEIVED = headOf('request.received');
const H_ROUTED = headOf('request.routed');
const H_PICKED = headOf('request.target-picked');
const H_CONNECTED = headOf('request.upstream-connected');
const H_STARTED = headOf('request.response-started');
const H_COMPLETED = headOf('request.completed');

const ENCODERS: ReadonlyMap<string, JsonEncoder> = new Map<string, JsonEncoder>([
  [
    'conn.opened',
    (w, m: ConnOpened, node, ts) => {
      head(w, H_CONN_OPENED, node, ts);
      field(w, K.connId, m.connId);
      strField(w, K.listener, m.listener);
      strField(w, K.clientAddress, m.clientAddress);
      field(w, K.clientPort, m.clientPort);
      field(w, K.at, m.at);
      w.byte(CLOSE_BRACE);
    },
  ],
  [
    'conn.closed',
    (w, m: ConnClosed, node, ts) => {
      head(w, H_CONN_CLOSED, node, ts);
      field(w, K.connId, m.connId);
      strField(w, K.listener, m.listener);
      field(w, K.requests, m.requests);
      field(w, K.bytesIn, m.bytesIn);
      field(w, K.bytesOut, m.bytesOut);
      field(w, K.durationMs, m.durationMs);
      strField(w, K.cause, m.cause);
      w.byte(CLOSE_BRACE);
    },
  ],
  [
    'request.received',
    (w, m: RequestReceived, node, ts) => {
      head(w, H_RECEIVED, node, ts);
      field(w, K.connId, m.connId);
      strField(w, K.requestId, m.requestId);
      strField(w, K.method, m.method);
      strField(w, K.target, m.target);
      strField(w, K.host, m.host);
      w.byte(CLOSE_BRACE);
    },
  ],
  [
    'request.routed',
    (w, m: RouteMatched, node, ts) => {
      head(w, H_ROUTED, node, ts);
      strField(w, K.requestId, m.requestId);
      strField(w, K.route, m.route);
      strField(w, K.action, m.action);
      w.byte(CLOSE_BRACE);
    },
  ],
  [
    'request.target-picked',
    (w, m: TargetPicked, node, ts) => {
      head(w, H_PICKED, node, ts);
      strField(w, K.requestId, m.requestId);
      strField(w, K.upstream, m.upstream);
      strField(w, K.target, m.target);
      w.byte(CLOSE_BRACE);
    },
  ],
  [
    'request.upstream-connected',
    (w, m: UpstreamConnected, node, ts) => {
      head(w, H_CONNECTED, node, ts);
      strField(w, K.requestId, m.requestId);
      strField(w, K.target, m.target);
      w.raw(K.isReused);
      w.raw(m.isReused === true ? TRUE : FALSE);
      field(w, K.connectMs, m.connectMs);
      w.byte(CLOSE_BRACE);
    },
  ],
  [
    'request.response-started',
    (w, m: ResponseStarted, node, ts) => {
      head(w, H_STARTED, node, ts);
      strField(w, K.requestId, m.requestId);
      field(w, K.status, m.status);
      field(w, K.upstreamHeaderMs, m.upstreamHeaderMs);
      w.byte(CLOSE_BRACE);
    },
  ],
  [
    'request.completed',
    (w, m: RequestCompleted, node, ts) => {
      head(w, H_COMPLETED, node, ts);
      field(w, K.connId, m.connId);
      strField(w, K.requestId, m.requestId);
      strField(w, K.listener, m.listener);
      strField(w, K.clientAddress, m.clientAddress);
      field(w, K.clientPort, m.clientPort);
      strField(w, K.method, m.method);
      strField(w, K.target, m.target);
      strField(w, K.httpVersion, m.httpVersion);
      strField(w, K.host, m.host);
      field(w, K.status, m.status);
      field(w, K.bytesIn, m.bytesIn);
      field(w, K.bytesOut, m.bytesOut);
      optStrField(w, K.route, m.route);
      optStrField(w, K.upstream, m.upstream);
      optStrField(w, K.targetAddress, m.targetAddress);
      field(w, K.upstreamConnectMs, m.upstreamConnectMs);
      field(w, K.upstreamHeaderMs, m.upstreamHeaderMs);
      field(w, K.totalMs, m.totalMs);
      strField(w, K.termination, m.termination);
      optStrField(w, K.userAgent, m.userAgent);
      optStrField(w, K.referer, m.referer);
      field(w, K.startedAt, m.startedAt);
      w.byte(CLOSE_BRACE);
    },
  ],
]);

/** The event types with a hand-written encoder (for tests). */
export const HAND_ENCODED_TYPES: readonly string[] = [...ENCODERS.keys()];

/**
 * The hand-written JSON encoder of `type`, if it has one: it writes the frame
 * `{ type, node, ts, ...payload }` of one event, without a newline, byte for byte as the UTF-8 of
 * `JSON.stringify(frameOf(...))`. `node` is the node name already encoded as JSON (once, not per event).
 */
export function jsonEncoderOf(type: string): ((w: ByteWriter, message: Message, node: Uint8Array, ts: number) => void) | undefined {
  return ENCODERS.get(type) as ((w: ByteWriter, message: Message, node: Uint8Array, ts: number) => void) | undefined;
}

function field(w: ByteWriter, key: Uint8Array, value: number): void {
  w.raw(key);
  num(w, value);
}

function strField(w: ByteWriter, key: Uint8Array, value: string): void {
  w.raw(key);
  str(w, value);
}

function optStrField(w: ByteWriter, key: Uint8Array, value: string | undefined): void {
  if (value === undefined) return;
  w.raw(key);
  str(w, value);
}

/**
 * A number as `toPlainData` hands it to JSON: finite as is, NaN and ±Infinity as strings. Safe
 * integers (ids, counts, epoch milliseconds) are written digit by digit; only a fraction takes
 * V8's number-to-string conversion.
 */
export function num(w: ByteWriter, value: number): void {
  if (Number.isSafeInteger(value)) w.int(value);
  else if (Number.isFinite(value)) w.ascii(`${value}`);
  else {
    w.byte(0x22);
    w.ascii(`${value}`);
    w.byte(0x22);
  }
}

/**
 * A JSON string in UTF-8, exactly as JSON.stringify writes it: `"` and `\` escaped, controls as
 * `\b \t \n \f \r` or `\u00xx`, a lone surrogate as `\udxxx`, everything else as its UTF-8 bytes.
 * Most values (ids, addresses, paths, names) are plain ASCII and take the first test only.
 */
export function str(w: ByteWriter, s: string): void {
  const n = s.length;
  // Six bytes per UTF-16 unit at most (`\u00xx`, or a lone surrogate's `\udxxx`), and the quotes.
  w.ensure(n * 6 + 2);
  const buf = w.buf;
  let p = w.pos;
  buf[p++] = 0x22;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) {
      if (c >= 0x20 && c !== 0x22 && c !== 0x5c) buf[p++] = c;
      else p = escapeAscii(buf, p, c);
    } else if (c < 0x800) {
      buf[p++] = 0xc0 | (c >> 6);
      buf[p++] = 0x80 | (c & 0x3f);
    } else if (c < 0xd800 || c > 0xdfff) {
      buf[p++] = 0xe0 | (c >> 12);
      buf[p++] = 0x80 | ((c >> 6) & 0x3f);
      buf[p++] = 0x80 | (c & 0x3f);
    } else {
      const d = i + 1 < n ? s.charCodeAt(i + 1) : 0;
      if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
        const cp = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        buf[p++] = 0xf0 | (cp >> 18);
        buf[p++] = 0x80 | ((cp >> 12) & 0x3f);
        buf[p++] = 0x80 | ((cp >> 6) & 0x3f);
        buf[p++] = 0x80 | (cp & 0x3f);
        i++;
      } else {
        // A lone surrogate: JSON.stringify writes it escaped (well-formed JSON.stringify, ES2019).
        p = unicodeEscape(buf, p, c);
      }
    }
  }
  buf[p++] = 0x22;
  w.pos = p;
}

const SHORT_ESCAPES: Readonly<Record<number, number>> = { 0x08: 0x62, 0x09: 0x74, 0x0a: 0x6e, 0x0c: 0x66, 0x0d: 0x72, 0x22: 0x22, 0x5c: 0x5c };

function escapeAscii(buf: Buffer, p: number, c: number): number {
  const short = SHORT_ESCAPES[c];
  if (short === undefined) return unicodeEscape(buf, p, c);
  buf[p++] = 0x5c;
  buf[p++] = short;
  return p;
}

const HEX = asciiBytes('0123456789abcdef');

function unicodeEscape(buf: Buffer, p: number, c: number): number {
  buf[p++] = 0x5c;
  buf[p++] = 0x75;
  buf[p++] = HEX[(c >> 12) & 0xf] as number;
  buf[p++] = HEX[(c >> 8) & 0xf] as number;
  buf[p++] = HEX[(c >> 4) & 0xf] as number;
  buf[p++] = HEX[c & 0xf] as number;
  return p;
}
