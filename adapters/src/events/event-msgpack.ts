// msgpack bytes of one event frame, written by hand for the per-request and per-connection lifecycle types, as msgpackr would write them.
import type { ConnClosed, ConnOpened, Message, RequestCompleted, RequestReceived, ResponseStarted, RouteMatched, TargetPicked, UpstreamConnected } from '@switchyard/core';
import { ByteWriter } from './byte-writer.js';
import { RepeatedString } from './repeated-string.js';
import { HAND_ENCODED_TYPES } from './event-json.js';

/**
 * Writes the frame `{ type, node, ts, ...payload }` of this node's own lifecycle events byte for byte
 * as `new Packr({ useRecords: false }).pack(frameOf(...))` does, without building the frame object:
 * a map16 header (msgpackr always writes map16 for plain objects), keys as fixstr, integers in the
 * smallest msgpack int msgpackr picks for them, every other number (fractions, and integers past
 * 32 bits such as epoch milliseconds) as float64, non-finite numbers as their string, strings as
 * msgpackr encodes them (below 64 UTF-16 units its own loop, which keeps a lone surrogate as three
 * bytes; from 64 on Buffer's UTF-8, which writes U+FFFD for it). Floats need no decimal text, so
 * this is cheaper than JSON. One instance per event stream (it keeps the bytes of repeated strings).
 */
export class MsgpackEventEncoder {
  /** Each type's head after the map header: "type", its name, "node", the node, "ts". */
  private readonly heads: Uint8Array[];
  private readonly listener = new RepeatedString(key('listener'), str);
  private readonly clientAddress = new RepeatedString(key('clientAddress'), str);
  private readonly cause = new RepeatedString(key('cause'), str);
  private readonly requestId = new RepeatedString(key('requestId'), str);
  private readonly method = new RepeatedString(key('method'), str);
  private readonly target = new RepeatedString(key('target'), str);
  private readonly targetOfRequest = new RepeatedString(key('target'), str);
  private readonly host = new RepeatedString(key('host'), str);
  private readonly route = new RepeatedString(key('route'), str);
  private readonly action = new RepeatedString(key('action'), str);
  private readonly upstream = new RepeatedString(key('upstream'), str);
  private readonly httpVersion = new RepeatedString(key('httpVersion'), str);
  private readonly targetAddress = new RepeatedString(key('targetAddress'), str);
  private readonly termination = new RepeatedString(key('termination'), str);
  private readonly userAgent = new RepeatedString(key('userAgent'), str);
  private readonly referer = new RepeatedString(key('referer'), str);

  constructor(readonly node: string) {
    this.heads = HAND_ENCODED_TYPES.map((type) => {
      const w: number[] = [...key('type'), ...strBytes(type), ...key('node'), ...strBytes(node), ...key('ts')];
      return Uint8Array.from(w);
    });
  }

  /** Writes `message` if its type is written by hand here; false (nothing written) otherwise. */
  write(w: ByteWriter, message: Message, ts: number): boolean {
    switch (message.type) {
      case 'conn.opened': {
        const m = message as ConnOpened;
        this.head(w, 0, 8, ts);
        field(w, K_CONN_ID, m.connId);
        this.listener.write(w, m.listener);
        this.clientAddress.write(w, m.clientAddress);
        field(w, K_CLIENT_PORT, m.clientPort);
        field(w, K_AT, m.at);
        return true;
      }
      case 'conn.closed': {
        const m = message as ConnClosed;
        this.head(w, 1, 10, ts);
        field(w, K_CONN_ID, m.connId);
        this.listener.write(w, m.listener);
        field(w, K_REQUESTS, m.requests);
        field(w, K_BYTES_IN, m.bytesIn);
        field(w, K_BYTES_OUT, m.bytesOut);
        field(w, K_DURATION_MS, m.durationMs);
        this.cause.write(w, m.cause);
        return true;
      }
      case 'request.received': {
        const m = message as RequestReceived;
        this.head(w, 2, 8, ts);
        field(w, K_CONN_ID, m.connId);
        this.requestId.write(w, m.requestId);
        this.method.write(w, m.method);
        this.targetOfRequest.write(w, m.target);
        this.host.write(w, m.host);
        return true;
      }
      case 'request.routed': {
        const m = message as RouteMatched;
        this.head(w, 3, 6, ts);
        this.requestId.write(w, m.requestId);
        this.route.write(w, m.route);
        this.action.write(w, m.action);
        return true;
      }
      case 'request.target-picked': {
        const m = message as TargetPicked;
        this.head(w, 4, 6, ts);
        this.requestId.write(w, m.requestId);
        this.upstream.write(w, m.upstream);
        this.target.write(w, m.target);
        return true;
      }
      case 'request.upstream-connected': {
        const m = message as UpstreamConnected;
        this.head(w, 5, 7, ts);
        this.requestId.write(w, m.requestId);
        this.target.write(w, m.target);
        w.raw(K_IS_REUSED);
        w.byte(m.isReused === true ? 0xc3 : 0xc2);
        field(w, K_CONNECT_MS, m.connectMs);
        return true;
      }
      case 'request.response-started': {
        const m = message as ResponseStarted;
        this.head(w, 6, 6, ts);
        this.requestId.write(w, m.requestId);
        field(w, K_STATUS, m.status);
        field(w, K_UPSTREAM_HEADER_MS, m.upstreamHeaderMs);
        return true;
      }
      case 'request.completed':
        this.completed(w, message as RequestCompleted, ts);
        return true;
      default:
        return false;
    }
  }

  /** The map header for `count` entries, then type, node and ts. */
  private head(w: ByteWriter, index: number, count: number, ts: number): void {
    w.ensure(3);
    const buf = w.buf;
    buf[w.pos] = 0xde;
    buf[w.pos + 1] = count >> 8;
    buf[w.pos + 2] = count & 0xff;
    w.pos += 3;
    w.raw(this.heads[index] as Uint8Array);
    num(w, ts);
  }

  private completed(w: ByteWriter, m: RequestCompleted, ts: number): void {
    // 20 entries always (type, node and ts among them), plus the optional ones present (frameOf
    // leaves out undefined values).
    const count =
      20 +
      (m.route === undefined ? 0 : 1) +
      (m.upstream === undefined ? 0 : 1) +
      (m.targetAddress === undefined ? 0 : 1) +
      (m.userAgent === undefined ? 0 : 1) +
      (m.referer === undefined ? 0 : 1);
    this.head(w, 7, count, ts);
    field(w, K_CONN_ID, m.connId);
    this.requestId.write(w, m.requestId);
    this.listener.write(w, m.listener);
    this.clientAddress.write(w, m.clientAddress);
    field(w, K_CLIENT_PORT, m.clientPort);
    this.method.write(w, m.method);
    this.targetOfRequest.write(w, m.target);
    this.httpVersion.write(w, m.httpVersion);
    this.host.write(w, m.host);
    field(w, K_STATUS, m.status);
    field(w, K_BYTES_IN, m.bytesIn);
    field(w, K_BYTES_OUT, m.bytesOut);
    if (m.route !== undefined) this.route.write(w, m.route);
    if (m.upstream !== undefined) this.upstream.write(w, m.upstream);
    if (m.targetAddress !== undefined) this.targetAddress.write(w, m.targetAddress);
    field(w, K_UPSTREAM_CONNECT_MS, m.upstreamConnectMs);
    field(w, K_UPSTREAM_HEADER_MS, m.upstreamHeaderMs);
    field(w, K_TOTAL_MS, m.totalMs);
    this.termination.write(w, m.termination);
    if (m.userAgent !== undefined) this.userAgent.write(w, m.userAgent);
    if (m.referer !== undefined) this.referer.write(w, m.referer);
    field(w, K_STARTED_AT, m.startedAt);
  }
}

/** A key as a msgpack fixstr (every key here is ASCII and shorter than 32). */
function key(name: string): Uint8Array {
  return Uint8Array.from([0xa0 | name.length, ...Array.from(name, (c) => c.charCodeAt(0))]);
}

const K_CONN_ID = key('connId');
const K_CLIENT_PORT = key('clientPort');
const K_AT = key('at');
const K_REQUESTS = key('requests');
const K_BYTES_IN = key('bytesIn');
const K_BYTES_OUT = key('bytesOut');
const K_DURATION_MS = key('durationMs');
const K_IS_REUSED = key('isReused');
const K_CONNECT_MS = key('connectMs');
const K_STATUS = key('status');
const K_UPSTREAM_HEADER_MS = key('upstreamHeaderMs');
const K_UPSTREAM_CONNECT_MS = key('upstreamConnectMs');
const K_TOTAL_MS = key('totalMs');
const K_STARTED_AT = key('startedAt');

/** The bytes of a string as `str` writes it, made once (heads). */
function strBytes(s: string): number[] {
  const w = new ByteWriter(s.length * 3 + 5);
  str(w, s);
  return [...w.buf.subarray(0, w.pos)];
}


function field(w: ByteWriter, keyBytes: Uint8Array, value: number): void {
  w.raw(keyBytes);
  num(w, value);
}

/** A number as msgpackr packs what `toPlainData` hands it. */
export function num(w: ByteWriter, v: number): void {
  w.ensure(9);
  const buf = w.buf;
  let p = w.pos;
  if (v >>> 0 === v) {
    // Non-negative 32-bit integers (and -0): positive fixint below 0x80 (msgpackr without records).
    if (v < 0x80) buf[p++] = v;
    else if (v < 0x100) {
      buf[p++] = 0xcc;
      buf[p++] = v;
    } else if (v < 0x10000) {
      buf[p++] = 0xcd;
      buf[p++] = v >> 8;
      buf[p++] = v & 0xff;
    } else {
      buf[p++] = 0xce;
      buf.writeUInt32BE(v, p);
      p += 4;
    }
  } else if (v >> 0 === v) {
    if (v >= -0x20) buf[p++] = 0x100 + v;
    else if (v >= -0x80) {
      buf[p++] = 0xd0;
      buf[p++] = v + 0x100;
    } else if (v >= -0x8000) {
      buf[p++] = 0xd1;
      buf.writeInt16BE(v, p);
      p += 2;
    } else {
      buf[p++] = 0xd2;
      buf.writeInt32BE(v, p);
      p += 4;
    }
  } else if (Number.isFinite(v)) {
    buf[p++] = 0xcb;
    buf.writeDoubleBE(v, p);
    p += 8;
  } else {
    w.pos = p;
    str(w, `${v}`);
    return;
  }
  w.pos = p;
}

/**
 * A string as msgpackr writes it: the smallest str header for its UTF-8 length; below 64 UTF-16
 * units msgpackr's own loop (a lone surrogate as three bytes), from 64 on Buffer's UTF-8 (U+FFFD).
 */
export function str(w: ByteWriter, s: string): void {
  const n = s.length;
  // Room for a str16 header and three bytes per unit; msgpackr reserves its header by unit count
  // and moves the bytes when the UTF-8 length needs a longer one: written here once, in place.
  w.ensure(n * 3 + 5);
  const buf = w.buf;
  const start = w.pos;
  const headerSize = n < 0x20 ? 1 : n < 0x100 ? 2 : n < 0x10000 ? 3 : 5;
  let p = start + headerSize;
  if (n < 0x40) {
    for (let i = 0; i < n; i++) {
      let c = s.charCodeAt(i);
      if (c < 0x80) buf[p++] = c;
      else if (c < 0x800) {
        buf[p++] = (c >> 6) | 0xc0;
        buf[p++] = (c & 0x3f) | 0x80;
      } else {
        const d = (c & 0xfc00) === 0xd800 ? s.charCodeAt(i + 1) : 0;
        if ((d & 0xfc00) === 0xdc00) {
          c = 0x10000 + ((c & 0x03ff) << 10) + (d & 0x03ff);
          i++;
          buf[p++] = (c >> 18) | 0xf0;
          buf[p++] = ((c >> 12) & 0x3f) | 0x80;
          buf[p++] = ((c >> 6) & 0x3f) | 0x80;
          buf[p++] = (c & 0x3f) | 0x80;
        } else {
          buf[p++] = (c >> 12) | 0xe0;
          buf[p++] = ((c >> 6) & 0x3f) | 0x80;
          buf[p++] = (c & 0x3f) | 0x80;
        }
      }
    }
  } else {
    p += buf.write(s, p, 'utf8');
  }
  const length = p - start - headerSize;
  const needed = length < 0x20 ? 1 : length < 0x100 ? 2 : length < 0x10000 ? 3 : 5;
  if (needed !== headerSize) {
    buf.copyWithin(start + needed, start + headerSize, p);
    p += needed - headerSize;
  }
  let h = start;
  if (needed === 1) buf[h] = 0xa0 | length;
  else if (needed === 2) {
    buf[h++] = 0xd9;
    buf[h] = length;
  } else if (needed === 3) {
    buf[h++] = 0xda;
    buf[h++] = length >> 8;
    buf[h] = length & 0xff;
  } else {
    buf[h++] = 0xdb;
    buf.writeUInt32BE(length, h);
  }
  w.pos = p;
}
