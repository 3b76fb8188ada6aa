// JSON bytes of one event frame, written by hand for the per-request and per-connection lifecycle types.
import type { ConnClosed, ConnOpened, Message, RequestCompleted, RequestReceived, ResponseStarted, RouteMatched, TargetPicked, UpstreamConnected } from '@switchyard/core';
import { asciiBytes, type ByteWriter } from './byte-writer.js';
import { writeFraction } from './decimal-writer.js';
import { RepeatedString } from './repeated-string.js';

/** `,"<key>":` for every key the encoders write, made once at load (an object literal: fast properties). */
const K = {
  connId: keyBytes('connId'),
  listener: keyBytes('listener'),
  clientAddress: keyBytes('clientAddress'),
  clientPort: keyBytes('clientPort'),
  at: keyBytes('at'),
  requests: keyBytes('requests'),
  bytesIn: keyBytes('bytesIn'),
  bytesOut: keyBytes('bytesOut'),
  durationMs: keyBytes('durationMs'),
  cause: keyBytes('cause'),
  requestId: keyBytes('requestId'),
  method: keyBytes('method'),
  target: keyBytes('target'),
  host: keyBytes('host'),
  route: keyBytes('route'),
  action: keyBytes('action'),
  upstream: keyBytes('upstream'),
  isReused: keyBytes('isReused'),
  connectMs: keyBytes('connectMs'),
  status: keyBytes('status'),
  upstreamHeaderMs: keyBytes('upstreamHeaderMs'),
  httpVersion: keyBytes('httpVersion'),
  targetAddress: keyBytes('targetAddress'),
  upstreamConnectMs: keyBytes('upstreamConnectMs'),
  totalMs: keyBytes('totalMs'),
  termination: keyBytes('termination'),
  userAgent: keyBytes('userAgent'),
  referer: keyBytes('referer'),
  startedAt: keyBytes('startedAt'),
};

function keyBytes(key: string): Uint8Array {
  return asciiBytes(`,"${key}":`);
}

const TRUE = asciiBytes('true');
const FALSE = asciiBytes('false');
const CLOSE_BRACE = 0x7d;

/** The types written by hand below, in the order of their `case`s. */
const HAND_TYPES = [
  'conn.opened',
  'conn.closed',
  'request.received',
  'request.routed',
  'request.target-picked',
  'request.upstream-connected',
  'request.response-started',
  'request.completed',
] as const;

/** The types with a hand-written encoder (for tests). */
export const HAND_ENCODED_TYPES: readonly string[] = HAND_TYPES;


/**
 * Writes the JSON of this node's own lifecycle events, byte for byte as the UTF-8 of
 * `JSON.stringify(frameOf(...))`, for one node name. One instance per event stream: it keeps the
 * last value of the string fields that repeat (see `RepeatedString`), and the start of each type's
 * frame, `{"type":"…","node":"…","ts":`, made once.
 *
 * These run once per event inside the proxy's call, about six times per request with a subscriber
 * of every event. Each reads the fields of one fixed shape by name (one hidden class, no copy of the
 * message, no generic walk), in the order frameOf gives, and writes bytes straight into the writer:
 * no template string, so no rope to flatten and no per-event garbage. When a schema gains a field,
 * its encoder here must too (event-frame.test.ts compares every field).
 */
export class JsonEventEncoder {
  private readonly heads: Uint8Array[];
  // One per key, shared by the types that write it (the request id repeats across a request's steps).
  private readonly listener = new RepeatedString(K.listener, str);
  private readonly clientAddress = new RepeatedString(K.clientAddress, str);
  private readonly cause = new RepeatedString(K.cause, str);
  private readonly requestId = new RepeatedString(K.requestId, str);
  private readonly method = new RepeatedString(K.method, str);
  private readonly target = new RepeatedString(K.target, str);
  private readonly targetOfRequest = new RepeatedString(K.target, str);
  private readonly host = new RepeatedString(K.host, str);
  private readonly route = new RepeatedString(K.route, str);
  private readonly action = new RepeatedString(K.action, str);
  private readonly upstream = new RepeatedString(K.upstream, str);
  private readonly httpVersion = new RepeatedString(K.httpVersion, str);
  private readonly targetAddress = new RepeatedString(K.targetAddress, str);
  private readonly termination = new RepeatedString(K.termination, str);

  constructor(readonly node: string) {
    this.heads = HAND_TYPES.map((type) => Buffer.from(`{"type":${JSON.stringify(type)},"node":${JSON.stringify(node)},"ts":`, 'utf8'));
  }

  /** Writes `message` if its type is written by hand here; false (nothing written) otherwise. */
  write(w: ByteWriter, message: Message, ts: number): boolean {
    switch (message.type) {
      case 'conn.opened':
        this.connOpened(w, message as ConnOpened, ts);
        return true;
      case 'conn.closed':
        this.connClosed(w, message as ConnClosed, ts);
        return true;
      case 'request.received':
        this.received(w, message as RequestReceived, ts);
        return true;
      case 'request.routed':
        this.routed(w, message as RouteMatched, ts);
        return true;
      case 'request.target-picked':
        this.picked(w, message as TargetPicked, ts);
        return true;
      case 'request.upstream-connected':
        this.connected(w, message as UpstreamConnected, ts);
        return true;
      case 'request.response-started':
        this.started(w, message as ResponseStarted, ts);
        return true;
      case 'request.completed':
        this.completed(w, message as RequestCompleted, ts);
        return true;
      default:
        return false;
    }
  }

  private head(w: ByteWriter, index: number, ts: number): void {
    w.raw(this.heads[index] as Uint8Array);
    num(w, ts);
  }

  private connOpened(w: ByteWriter, m: ConnOpened, ts: number): void {
    this.head(w, 0, ts);
    field(w, K.connId, m.connId);
    this.listener.write(w, m.listener);
    this.clientAddress.write(w, m.clientAddress);
    field(w, K.clientPort, m.clientPort);
    field(w, K.at, m.at);
    w.byte(CLOSE_BRACE);
  }

  private connClosed(w: ByteWriter, m: ConnClosed, ts: number): void {
    this.head(w, 1, ts);
    field(w, K.connId, m.connId);
    this.listener.write(w, m.listener);
    field(w, K.requests, m.requests);
    field(w, K.bytesIn, m.bytesIn);
    field(w, K.bytesOut, m.bytesOut);
    field(w, K.durationMs, m.durationMs);
    this.cause.write(w, m.cause);
    w.byte(CLOSE_BRACE);
  }

  private received(w: ByteWriter, m: RequestReceived, ts: number): void {
    this.head(w, 2, ts);
    field(w, K.connId, m.connId);
    this.requestId.write(w, m.requestId);
    this.method.write(w, m.method);
    this.targetOfRequest.write(w, m.target);
    this.host.write(w, m.host);
    w.byte(CLOSE_BRACE);
  }

  private routed(w: ByteWriter, m: RouteMatched, ts: number): void {
    this.head(w, 3, ts);
    this.requestId.write(w, m.requestId);
    this.route.write(w, m.route);
    this.action.write(w, m.action);
    w.byte(CLOSE_BRACE);
  }

  private picked(w: ByteWriter, m: TargetPicked, ts: number): void {
    this.head(w, 4, ts);
    this.requestId.write(w, m.requestId);
    this.upstream.write(w, m.upstream);
    this.target.write(w, m.target);
    w.byte(CLOSE_BRACE);
  }

  private connected(w: ByteWriter, m: UpstreamConnected, ts: number): void {
    this.head(w, 5, ts);
    this.requestId.write(w, m.requestId);
    this.target.write(w, m.target);
    w.raw(K.isReused);
    w.raw(m.isReused === true ? TRUE : FALSE);
    field(w, K.connectMs, m.connectMs);
    w.byte(CLOSE_BRACE);
  }

  private started(w: ByteWriter, m: ResponseStarted, ts: number): void {
    this.head(w, 6, ts);
    this.requestId.write(w, m.requestId);
    field(w, K.status, m.status);
    field(w, K.upstreamHeaderMs, m.upstreamHeaderMs);
    w.byte(CLOSE_BRACE);
  }

  private completed(w: ByteWriter, m: RequestCompleted, ts: number): void {
    this.head(w, 7, ts);
    field(w, K.connId, m.connId);
    this.requestId.write(w, m.requestId);
    this.listener.write(w, m.listener);
    this.clientAddress.write(w, m.clientAddress);
    field(w, K.clientPort, m.clientPort);
    this.method.write(w, m.method);
    this.targetOfRequest.write(w, m.target);
    this.httpVersion.write(w, m.httpVersion);
    this.host.write(w, m.host);
    field(w, K.status, m.status);
    field(w, K.bytesIn, m.bytesIn);
    field(w, K.bytesOut, m.bytesOut);
    if (m.route !== undefined) this.route.write(w, m.route);
    if (m.upstream !== undefined) this.upstream.write(w, m.upstream);
    if (m.targetAddress !== undefined) this.targetAddress.write(w, m.targetAddress);
    field(w, K.upstreamConnectMs, m.upstreamConnectMs);
    field(w, K.upstreamHeaderMs, m.upstreamHeaderMs);
    field(w, K.totalMs, m.totalMs);
    this.termination.write(w, m.termination);
    optStrField(w, K.userAgent, m.userAgent);
    optStrField(w, K.referer, m.referer);
    field(w, K.startedAt, m.startedAt);
    w.byte(CLOSE_BRACE);
  }
}

function field(w: ByteWriter, key: Uint8Array, value: number): void {
  w.raw(key);
  num(w, value);
}

function optStrField(w: ByteWriter, key: Uint8Array, value: string | undefined): void {
  if (value === undefined) return;
  w.raw(key);
  str(w, value);
}

/**
 * A number as `toPlainData` hands it to JSON: finite as is, NaN and ±Infinity as strings. Safe
 * integers (ids, counts, epoch milliseconds) are written digit by digit, and most fractions by
 * `writeFraction`; only the rest take V8's number-to-string conversion.
 */
export function num(w: ByteWriter, value: number): void {
  if (Number.isSafeInteger(value)) w.int(value);
  else if (Number.isFinite(value)) {
    if (!writeFraction(w, value)) w.ascii(`${value}`);
  } else {
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
