import assert from 'node:assert/strict';
import * as core from '@switchyard/core';
import type { Message, MessageType } from '@switchyard/core';
import { Packr } from 'msgpackr';
import { ByteWriter } from '../../src/events/byte-writer.js';
import { decodeEventFrame, encodeFrame, encodeJsonEvent, encodeMsgpackEvent, encodeRelayedJsonEvent, encodeRelayedMsgpackEvent, frameOf, writeFrame } from '../../src/events/event-frame.js';
import { HAND_ENCODED_TYPES, JsonEventEncoder } from '../../src/events/event-json.js';
import { MsgpackEventEncoder } from '../../src/events/event-msgpack.js';

/** Strings JSON must escape, or that a shortcut could get wrong. */
const AWKWARD = [
  'plain',
  'quote " and backslash \\',
  'line\nbreak\ttab\u0001',
  '\b\f\r\u0000\u001f\u007f end',
  'naïve é ☃ 🚀 \u07ff\u0800\uffff',
  'lone \ud800 surrogate',
  'low first \udc00\ud800, high last \udbff',
  '\udfff',
  '',
  // Past msgpack's fixstr (32 bytes), its own UTF-8 loop (64 units), str8 (256 bytes).
  'x'.repeat(40),
  'é'.repeat(20),
  '☃ \ud800 🚀 '.repeat(12),
  'y'.repeat(300),
];
/** Integers (small, large, negative, at the safe-integer edges) and fractions, each unlike the last, and the non-finite ones. */
const NUMBERS = [
  0,
  -1,
  0.412,
  1_763_781_234_567,
  -0,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  11.21761800000013,
  1_795_335_281_714.4138,
  999_999_999,
  1_000_000_000,
  1_000_000_001,
  -1_000_000_007,
  Number.MAX_SAFE_INTEGER,
  -Number.MAX_SAFE_INTEGER,
  2 ** 53,
  1e21,
  -1e-7,
  5e-324,
  // msgpack's integer sizes, both sides of each edge.
  127,
  128,
  255,
  256,
  65_535,
  65_536,
  2 ** 32 - 1,
  2 ** 32,
  -32,
  -33,
  -128,
  -129,
  -32_768,
  -32_769,
  -(2 ** 31),
  -(2 ** 31) - 1,
];

/** The bytes `encode` writes, into a writer that already holds some and must grow on the way. */
function written(encode: (w: ByteWriter) => void): Buffer {
  const w = new ByteWriter(8);
  w.raw(Uint8Array.of(0x41, 0x42, 0x43));
  encode(w);
  return Buffer.from(w.buf.subarray(3, w.pos));
}

/** One writer for every event, scribbled over between them, as the server reuses its own. */
const shared = new ByteWriter(64);
const encoders = new Map<string, JsonEventEncoder>();

const msgpackEncoders = new Map<string, MsgpackEventEncoder>();
const packr = new Packr({ useRecords: false });

/** One event's msgpack as the stream sends it (one encoder per node name, one reused writer). */
function msgpackOf(message: Message, node: string, ts: number): Buffer {
  let encoder = msgpackEncoders.get(node);
  if (encoder === undefined) {
    encoder = new MsgpackEventEncoder(node);
    msgpackEncoders.set(node, encoder);
  }
  shared.buf.fill(0x58);
  shared.pos = 5;
  encodeMsgpackEvent(shared, encoder, message, ts);
  return Buffer.from(shared.buf.subarray(5, shared.pos));
}

/**
 * One event's JSON as the stream sends it, from one encoder per node name (so the values it keeps
 * from earlier events are exercised, hits and misses) and one reused writer.
 */
function jsonOf(message: Message, node: string, ts: number): Buffer {
  let encoder = encoders.get(node);
  if (encoder === undefined) {
    encoder = new JsonEventEncoder(node);
    encoders.set(node, encoder);
  }
  shared.buf.fill(0x58);
  shared.pos = 5;
  encodeJsonEvent(shared, encoder, message, ts);
  return Buffer.from(shared.buf.subarray(5, shared.pos));
}

interface FieldDef {
  def: { type: string; values?: string[]; entries?: Record<string, string> };
  unwrap?: () => FieldDef;
}

/** A message of `type` with every field its schema declares, each value picked by `pick` for the field's kind. */
function fullMessage(type: MessageType, variant: number, withOptionals: boolean): Message {
  const shape = (type.schema as unknown as { shape: Record<string, FieldDef> }).shape;
  const message: Record<string, unknown> = { type: type.type };
  for (const [key, field] of Object.entries(shape)) {
    if (key === 'type') continue;
    const isOptional = field.def.type === 'optional';
    if (isOptional && !withOptionals) continue;
    const inner = isOptional ? (field.unwrap?.() as FieldDef) : field;
    switch (inner.def.type) {
      case 'string':
        message[key] = AWKWARD[(variant + key.length) % AWKWARD.length];
        break;
      case 'enum':
        message[key] = Object.values(inner.def.entries ?? {})[0];
        break;
      case 'number':
        message[key] = NUMBERS[(variant + key.length) % NUMBERS.length];
        break;
      case 'boolean':
        message[key] = variant % 2 === 0;
        break;
      default:
        assert.fail(`${type.type}.${key}: a ${inner.def.type} field; its hand-written encoder needs a case and this test a value`);
    }
  }
  return message as unknown as Message;
}

const DECLARED = new Map(
  (Object.values(core) as unknown[])
    .filter((v): v is MessageType => typeof v === 'object' && v !== null && typeof (v as { type?: unknown }).type === 'string' && typeof (v as { make?: unknown }).make === 'function')
    .map((t) => [t.type, t]),
);

describe('event frames', () => {
  it('has hand-written JSON for the per-request and per-connection lifecycle types', () => {
    assert.deepEqual([...HAND_ENCODED_TYPES].sort(), [
      'conn.closed',
      'conn.opened',
      'request.completed',
      'request.received',
      'request.response-started',
      'request.routed',
      'request.target-picked',
      'request.upstream-connected',
    ]);
  });

  it('writes exactly the JSON and the msgpack (msgpackr) of frameOf for every field of every hand-encoded type, awkward strings and numbers included', () => {
    for (const name of HAND_ENCODED_TYPES) {
      const type = DECLARED.get(name);
      assert.ok(type !== undefined, `${name} is declared in core`);
      for (let variant = 0; variant < AWKWARD.length * NUMBERS.length; variant++) {
        for (const withOptionals of [true, false]) {
          const message = fullMessage(type, variant, withOptionals);
          const ts = 1_763_781_234_567 + variant;
          const expected = Buffer.from(JSON.stringify(frameOf(message, 'node "a" ☃', ts)), 'utf8');
          // Compared byte for byte (latin1 shows every byte as one character in a failure's diff).
          assert.equal(jsonOf(message, 'node "a" ☃', ts).toString('latin1'), expected.toString('latin1'), `${name} variant ${variant}`);
          const packed = packr.pack(frameOf(message, 'node "a" ☃', ts));
          assert.equal(msgpackOf(message, 'node "a" ☃', ts).toString('hex'), packed.toString('hex'), `${name} variant ${variant}, msgpack`);
        }
      }
    }
  });

  it('writes the same bytes whether a repeated string field comes again, changes, or comes back as an equal new string', () => {
    const hosts = ['a.test', 'b.test', 'ü.test'];
    for (let i = 0; i < 30; i++) {
      // Built at run time: equal content, a different string object each time.
      const requestId = ['r', String(i >> 2)].join('-');
      const host = hosts[(i * 7) % 3] as string;
      const steps = [
        { type: 'request.received', connId: i, requestId, method: i % 5 === 0 ? 'POST' : 'GET', target: `/p/${i % 3}`, host },
        { type: 'request.routed', requestId, route: i % 4 === 0 ? 'other' : 'api', action: 'forward' },
        { type: 'request.target-picked', requestId, upstream: 'app', target: `10.0.0.${i % 2}:80` },
        { type: 'request.upstream-connected', requestId, target: `10.0.0.${i % 2}:80`, isReused: i % 3 !== 0, connectMs: i % 3 === 0 ? 0.25 + i : 0 },
      ] as unknown as Message[];
      for (const message of steps) {
        const expected = Buffer.from(JSON.stringify(frameOf(message, 'n', 1000 + i))).toString('latin1');
        assert.equal(jsonOf(message, 'n', 1000 + i).toString('latin1'), expected, `${message.type} #${i}`);
        assert.equal(msgpackOf(message, 'n', 1000 + i).toString('hex'), packr.pack(frameOf(message, 'n', 1000 + i)).toString('hex'), `${message.type} #${i}, msgpack`);
      }
    }
  });

  it('falls back to frameOf for other types: errors as { name, message, code }, in-process causes left out', () => {
    const failed = { type: 'actor.failed', address: 'a/b', error: { code: 'ERR_X', message: 'boom', cause: new Error('inner') }, restartCount: 1 } as unknown as Message;
    assert.deepEqual(JSON.parse(jsonOf(failed, 'n', 5).toString()), { type: 'actor.failed', node: 'n', ts: 5, address: 'a/b', error: { code: 'ERR_X', message: 'boom' }, restartCount: 1 });
  });

  it('keeps a string cause (why a connection closed) and drops a thrown one', () => {
    const closed = core.ConnClosed.make({ connId: 1, listener: 'web', requests: 2, bytesIn: 3, bytesOut: 4, durationMs: 5, cause: 'idle-timeout' });
    assert.equal(frameOf(closed, 'n', 1)['cause'], 'idle-timeout');
    assert.equal(JSON.parse(jsonOf(closed, 'n', 1).toString()).cause, 'idle-timeout');
    const odd = { type: 'some.thing', cause: new Error('x'), keep: 1 } as unknown as Message;
    assert.deepEqual(frameOf(odd, 'n', 1), { type: 'some.thing', node: 'n', ts: 1, keep: 1 });
  });

  it('writes relayed events, generic JSON and frame objects as the UTF-8 of JSON.stringify', () => {
    const routed = { type: 'request.routed', requestId: 'r☃', route: 'api', action: 'forward' } as unknown as Message;
    const relayed = (worker?: number): string => written((w) => encodeRelayedJsonEvent(w, routed, 'n-w1', 7, worker)).toString('latin1');
    assert.equal(relayed(1), Buffer.from(JSON.stringify(frameOf(routed, 'n-w1', 7, 1))).toString('latin1'));
    // A peer's event of a hand-encoded type need not have its fields: only those it has are written.
    const partial = { type: 'request.completed', requestId: 'p-1', status: 200 } as unknown as Message;
    assert.equal(written((w) => encodeRelayedJsonEvent(w, partial, 'peer', 7)).toString(), '{"type":"request.completed","node":"peer","ts":7,"requestId":"p-1","status":200}');
    const odd = { type: 'some.thing', note: 'naïve 🚀 \ud800' } as unknown as Message;
    assert.equal(jsonOf(odd, 'n', 7).toString('latin1'), Buffer.from(JSON.stringify(frameOf(odd, 'n', 7))).toString('latin1'));
    const frame = { type: 'cluster.events-dropped', node: 'ñ', ts: 1, count: 3 };
    assert.equal(written((w) => writeFrame(w, frame, 'json')).toString(), JSON.stringify(frame));
    assert.deepEqual(decodeEventFrame(written((w) => writeFrame(w, frame, 'msgpack')), true), [frame]);
  });

  it('writes every safe integer digit by digit as String does', () => {
    const values = [0, 7, 10, 99, 100, 123_456_789, 999_999_999, 1e9, 1e9 + 5, 1_000_000_000_000, 4_294_967_296, Number.MAX_SAFE_INTEGER];
    for (let i = 0; i < 2000; i++) values.push(Math.floor(Math.random() * 10 ** (1 + (i % 16))));
    for (const v of values) {
      for (const n of [v, -v]) assert.equal(written((w) => w.int(n)).toString('latin1'), String(n), `${n}`);
    }
  });

  it('reads back newline-delimited JSON text frames and msgpack maps back to back, in order', () => {
    const events = [0, 1, 2].map((i) => ({ type: 'request.routed', requestId: `r\n${i}`, route: 'api', action: 'forward' }) as unknown as Message);
    const text = Buffer.concat(events.flatMap((m, i) => (i === 0 ? [jsonOf(m, 'n', i)] : [Buffer.from('\n'), jsonOf(m, 'n', i)])));
    assert.equal(text.toString().split('\n').length, 3, 'one line per event; a newline inside a value is escaped');
    assert.deepEqual(decodeEventFrame(text, false).map((e) => e['requestId']), ['r\n0', 'r\n1', 'r\n2']);
    assert.deepEqual(decodeEventFrame(text.toString(), false).map((e) => e['ts']), [0, 1, 2]);

    const packed = Buffer.concat(events.map((m, i) => written((w) => encodeRelayedMsgpackEvent(w, m, 'n', i))));
    const plain = new Packr({ useRecords: false }).unpackMultiple(packed) as Record<string, unknown>[];
    assert.deepEqual(plain.map((e) => [e['type'], e['node'], e['ts'], e['requestId']]), [
      ['request.routed', 'n', 0, 'r\n0'],
      ['request.routed', 'n', 1, 'r\n1'],
      ['request.routed', 'n', 2, 'r\n2'],
    ]);
    assert.deepEqual(decodeEventFrame(packed, true), plain);
    assert.deepEqual(decodeEventFrame(encodeFrame({ type: 'stream.dropped', node: 'n', ts: 1, count: 3 }, 'msgpack') as Buffer, true), [{ type: 'stream.dropped', node: 'n', ts: 1, count: 3 }]);
  });
});
