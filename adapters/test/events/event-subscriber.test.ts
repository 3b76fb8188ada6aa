// One client's byte queue: frames are prefixes of a reused buffer, and a buffer handed to ws.send is never written again before its callback.
import assert from 'node:assert/strict';
import type { WebSocket } from 'ws';
import { EventFilter } from '../../src/events/event-filter.js';
import { EventSubscriber, type StreamLimits } from '../../src/events/event-subscriber.js';

/** A send that ws has not finished: what was handed over, a copy taken at the time, and its callback. */
interface HeldSend {
  data: Buffer;
  atSend: Buffer;
  binary: boolean;
  isWritten: boolean;
  done: () => void;
}

/** Stands in for a ws WebSocket that holds every sent buffer until the test says it was written. */
class HoldingSocket {
  readonly OPEN = 1;
  readyState = 1;
  bufferedAmount = 0;
  readonly sends: HeldSend[] = [];
  /** `stream.dropped` reports: strings of their own, written at once. */
  readonly reports: string[] = [];

  send(data: Buffer | string, options: { binary: boolean }, callback: (err?: Error) => void): void {
    if (typeof data === 'string') {
      this.reports.push(data);
      setImmediate(callback);
      return;
    }
    const held: HeldSend = {
      data,
      atSend: Buffer.from(data),
      binary: options.binary,
      isWritten: false,
      done: () => {
        held.isWritten = true;
        callback();
      },
    };
    this.sends.push(held);
  }
}

const LIMITS: StreamLimits = { maxQueuedEvents: 1000, maxQueuedBytes: 1024 * 1024, highWaterBytes: 1024 * 1024 };

function subscriberOn(socket: HoldingSocket, limits = LIMITS): EventSubscriber {
  const parsed = EventFilter.parse(new URLSearchParams('type=*'));
  assert.ok(parsed.ok);
  return new EventSubscriber(1, socket as unknown as WebSocket, parsed.filter, 'json', limits, 'n', () => 0, () => undefined);
}

/** Offers each text as one encoded event from a scratch buffer that is overwritten right after, as the server does. */
function offerAll(sub: EventSubscriber, texts: string[]): void {
  const scratch = Buffer.alloc(256);
  for (const text of texts) {
    const end = scratch.write(text, 0, 'utf8');
    sub.offer(scratch, 0, end);
    scratch.fill(0x58);
  }
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Every frame not yet written still holds exactly what it held when sent. */
function assertUntouched(socket: HoldingSocket): void {
  for (const [i, s] of socket.sends.entries()) {
    if (!s.isWritten) assert.equal(s.data.toString('latin1'), s.atSend.toString('latin1'), `frame ${i} unchanged while held`);
  }
}

describe('event subscriber byte queue', () => {
  it('sends one turn\'s events as one newline-delimited text frame that holds copies of them', async () => {
    const socket = new HoldingSocket();
    const sub = subscriberOn(socket);
    offerAll(sub, ['{"a":1}', '{"b":"☃"}', '{"c":3}']);
    await nextTurn();
    assert.equal(socket.sends.length, 1);
    assert.equal(socket.sends[0]?.binary, false, 'a text frame');
    assert.equal(socket.sends[0]?.data.toString('utf8'), '{"a":1}\n{"b":"☃"}\n{"c":3}');
    assert.deepEqual(sub.stats().queuedEvents, 0);
    assert.equal(sub.stats().sent, 3);
  });

  it('never writes into a buffer handed to send before its callback, and reuses it after', async () => {
    const socket = new HoldingSocket();
    const sub = subscriberOn(socket);
    // Three turns while nothing is written yet: each frame must stay as it was sent.
    for (let turn = 0; turn < 3; turn++) {
      offerAll(sub, Array.from({ length: 20 }, (_, i) => `{"turn":${turn},"i":${i},"pad":"${'p'.repeat(turn * 7)}"}`));
      await nextTurn();
      assertUntouched(socket);
    }
    assert.equal(socket.sends.length, 3);
    const held = new Set(socket.sends.map((s) => s.data.buffer));
    assert.equal(held.size, 3, 'each held frame has a buffer of its own');

    // The first is written: its buffer becomes a spare (the queue now fills the one it moved to at the
    // last send, so the spare carries the frame after next), and the others still must not change.
    socket.sends[0]?.done();
    for (const turn of [3, 4]) {
      offerAll(sub, [`{"turn":${turn}}`]);
      await nextTurn();
      assertUntouched(socket);
    }
    assert.equal(socket.sends.length, 5);
    assert.ok(!held.has(socket.sends[3]?.data.buffer as ArrayBufferLike), 'no held buffer carries a new frame');
    assert.equal(socket.sends[4]?.data.buffer, socket.sends[0]?.data.buffer, 'the written buffer is reused');
    assert.deepEqual(socket.sends.slice(3).map((s) => s.data.toString()), ['{"turn":3}', '{"turn":4}']);
    for (const [turn, s] of socket.sends.slice(0, 3).entries()) {
      assert.deepEqual(
        s.atSend.toString().split('\n').map((line) => (JSON.parse(line) as { turn: number; i: number }).i),
        Array.from({ length: 20 }, (_, i) => i),
        `turn ${turn}: all twenty events, in order`,
      );
    }
  });

  it('keeps the events past the high-water mark for later, in order, without touching the held frame', async () => {
    const socket = new HoldingSocket();
    const limits = { ...LIMITS, highWaterBytes: 1000 };
    const sub = subscriberOn(socket, limits);
    // 40 bytes short of the mark: events go while the bytes before them (15 each, plus a newline) stay under 40, so three.
    socket.bufferedAmount = 960;
    offerAll(sub, Array.from({ length: 6 }, (_, i) => `{"seq":${i},"x":1}`));
    await nextTurn();
    assert.equal(socket.sends.length, 1);
    assert.equal(socket.sends[0]?.data.toString(), '{"seq":0,"x":1}\n{"seq":1,"x":1}\n{"seq":2,"x":1}');
    assert.equal(sub.stats().queuedEvents, 3);
    assert.equal(sub.stats().queuedBytes, 3 * 15);

    // More arrive while the socket is still backed up: queued behind the rest.
    socket.bufferedAmount = 1000;
    offerAll(sub, ['{"seq":6,"x":1}']);
    await nextTurn();
    assert.equal(socket.sends.length, 1, 'nothing more while at the mark');
    assertUntouched(socket);

    // Written: the rest leave in one frame, in order.
    socket.bufferedAmount = 0;
    socket.sends[0]?.done();
    assert.equal(socket.sends.length, 2);
    assert.equal(socket.sends[1]?.data.toString(), ['{"seq":3,"x":1}', '{"seq":4,"x":1}', '{"seq":5,"x":1}', '{"seq":6,"x":1}'].join('\n'));
    assertUntouched(socket);
    assert.equal(sub.stats().queuedEvents, 0);
    assert.equal(sub.stats().queuedBytes, 0);
  });

  it('takes events written in place (begin, commit) like offered ones, and forgets an event never committed', async () => {
    const socket = new HoldingSocket();
    const sub = subscriberOn(socket, { maxQueuedEvents: 3, maxQueuedBytes: 1024, highWaterBytes: 100 });
    const writeInPlace = (text: string): void => {
      const w = sub.begin();
      assert.ok(w !== undefined);
      w.utf8(text);
      sub.commit();
    };
    writeInPlace('{"a":1}');
    offerAll(sub, ['{"a":2}']);
    // An encoder that threw half-way: its bytes are overwritten by the next event.
    sub.begin()?.utf8('{"broken":');
    writeInPlace('{"a":3}');
    await nextTurn();
    assert.equal(socket.sends[0]?.data.toString(), '{"a":1}\n{"a":2}\n{"a":3}');

    // Backed up, queue full: an event written in place is dropped, and takes nothing queued with it.
    socket.bufferedAmount = 100;
    for (let i = 4; i <= 8; i++) writeInPlace(`{"a":${i}}`);
    assert.equal(sub.stats().queuedEvents, 3);
    assert.equal(sub.stats().dropped, 2);
    // Written: the queue leaves in order; a burst past the queue's length is written, not dropped.
    socket.bufferedAmount = 0;
    socket.sends[0]?.done();
    assert.equal(socket.sends[1]?.data.toString(), '{"a":4}\n{"a":5}\n{"a":6}');
    for (let i = 9; i <= 12; i++) writeInPlace(`{"a":${i}}`);
    assert.equal(sub.stats().dropped, 2, 'a full queue with room on the socket is written, not dropped');
    await nextTurn();
    assertUntouched(socket);
    assert.deepEqual(
      socket.sends.slice(2).map((f) => f.data.toString()),
      ['{"a":9}\n{"a":10}\n{"a":11}', '{"a":12}'],
    );
  });

  it('drops what does not fit in the queue and reports the count once caught up', async () => {
    const socket = new HoldingSocket();
    const sub = subscriberOn(socket, { maxQueuedEvents: 3, maxQueuedBytes: 1024, highWaterBytes: 100 });
    socket.bufferedAmount = 100;
    offerAll(sub, ['{"a":1}', '{"a":2}', '{"a":3}', '{"a":4}', '{"a":5}']);
    assert.equal(sub.stats().dropped, 2);
    assert.equal(sub.stats().queuedEvents, 3);
    socket.bufferedAmount = 0;
    await nextTurn();
    assert.equal(socket.sends.length, 1);
    assert.equal(socket.sends[0]?.data.toString(), '{"a":1}\n{"a":2}\n{"a":3}');
    // The report goes in a frame of its own once the queue is empty (a string frame, not from the queue buffer).
    assert.deepEqual(socket.reports.map((r) => (JSON.parse(r) as { type: string; count: number }).count), [2]);
    assert.equal(sub.stats().droppedUnreported, 0);
  });
});
