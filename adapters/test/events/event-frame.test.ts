import assert from 'node:assert/strict';
import * as core from '@switchyard/core';
import type { Message, MessageType } from '@switchyard/core';
import { Packr } from 'msgpackr';
import { decodeEventFrame, encodedBytes, encodeFrame, encodeJsonEvent, encodeMsgpackEvent, frameOf, joinEvents } from '../../src/events/event-frame.js';
import { HAND_ENCODED_TYPES } from '../../src/events/event-json.js';

/** Strings JSON must escape, or that a shortcut could get wrong. */
const AWKWARD = ['plain', 'quote " and backslash \\', 'line\nbreak\ttab\u0001', 'naïve ☃ 🚀', 'lone \ud800 surrogate', ''];
const NUMBERS = [0, -1, 0.412, 1_763_781_234_567, -0, Number.NaN, Number.POSITIVE_INFINITY];

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

  it('writes exactly the JSON of frameOf for every field of every hand-encoded type, awkward strings and numbers included', () => {
    for (const name of HAND_ENCODED_TYPES) {
      const type = DECLARED.get(name);
      assert.ok(type !== undefined, `${name} is declared in core`);
      for (let variant = 0; variant < 14; variant++) {
        for (const withOptionals of [true, false]) {
          const message = fullMessage(type, variant, withOptionals);
          const expected = JSON.stringify(frameOf(message, 'node "a"', 1_763_781_234_567 + variant));
          assert.equal(encodeJsonEvent(message, 'node "a"', JSON.stringify('node "a"'), 1_763_781_234_567 + variant), expected, `${name} variant ${variant}`);
        }
      }
    }
  });

  it('falls back to frameOf for other types: errors as { name, message, code }, in-process causes left out', () => {
    const failed = { type: 'actor.failed', address: 'a/b', error: { code: 'ERR_X', message: 'boom', cause: new Error('inner') }, restartCount: 1 } as unknown as Message;
    assert.deepEqual(JSON.parse(encodeJsonEvent(failed, 'n', '"n"', 5)), { type: 'actor.failed', node: 'n', ts: 5, address: 'a/b', error: { code: 'ERR_X', message: 'boom' }, restartCount: 1 });
  });

  it('keeps a string cause (why a connection closed) and drops a thrown one', () => {
    const closed = core.ConnClosed.make({ connId: 1, listener: 'web', requests: 2, bytesIn: 3, bytesOut: 4, durationMs: 5, cause: 'idle-timeout' });
    assert.equal(frameOf(closed, 'n', 1)['cause'], 'idle-timeout');
    assert.equal(JSON.parse(encodeJsonEvent(closed, 'n', '"n"', 1)).cause, 'idle-timeout');
    const odd = { type: 'some.thing', cause: new Error('x'), keep: 1 } as unknown as Message;
    assert.deepEqual(frameOf(odd, 'n', 1), { type: 'some.thing', node: 'n', ts: 1, keep: 1 });
  });

  it('joins events into one newline-delimited JSON text frame that decodes back to the events in order', () => {
    const events = [0, 1, 2].map((i) => encodeJsonEvent({ type: 'request.routed', requestId: `r\n${i}`, route: 'api', action: 'forward' } as unknown as Message, 'n', '"n"', i));
    const frame = joinEvents(events, 0, 3, 'json');
    assert.equal(typeof frame, 'string');
    assert.equal((frame as string).split('\n').length, 3, 'one line per event; a newline inside a value is escaped');
    assert.deepEqual(decodeEventFrame(Buffer.from(frame as string), false).map((e) => e['requestId']), ['r\n0', 'r\n1', 'r\n2']);
    assert.deepEqual(decodeEventFrame(joinEvents(events, 1, 2, 'json'), false).map((e) => e['requestId']), ['r\n1']);
    assert.equal(encodedBytes(events[0] as string), Buffer.byteLength(events[0] as string));
    assert.equal(encodedBytes('☃'), 3, 'bytes, not UTF-16 units');
  });

  it('joins msgpack events into one binary frame of maps back to back, readable by any msgpack stream decoder', () => {
    const events = [0, 1, 2].map((i) => encodeMsgpackEvent({ type: 'request.routed', requestId: `r${i}`, route: 'api', action: 'forward' } as unknown as Message, 'n', i));
    const frame = joinEvents(events, 0, 3, 'msgpack') as Buffer;
    assert.equal(frame.length, events.reduce((n, e) => n + e.length, 0));
    const plain = new Packr({ useRecords: false }).unpackMultiple(frame) as Record<string, unknown>[];
    assert.deepEqual(plain.map((e) => [e['type'], e['node'], e['ts'], e['requestId']]), [
      ['request.routed', 'n', 0, 'r0'],
      ['request.routed', 'n', 1, 'r1'],
      ['request.routed', 'n', 2, 'r2'],
    ]);
    assert.deepEqual(decodeEventFrame(frame, true), plain);
    assert.deepEqual(decodeEventFrame(encodeFrame({ type: 'stream.dropped', node: 'n', ts: 1, count: 3 }, 'msgpack') as Buffer, true), [{ type: 'stream.dropped', node: 'n', ts: 1, count: 3 }]);
  });
});
