// The Transport port's contract suite: every implementation runs these mocha tests against a connected pair.
import assert from 'node:assert/strict';
import { SwitchyardError } from '../errors.js';
import type { Transport, Unsubscribe } from '../transport/transport.js';

/** Two connected transports on one medium, and how to tear the medium down. */
export interface TransportPair {
  a: Transport;
  b: Transport;
  /** Closes what `makePair` opened (transports already closed by a test are tolerated). */
  close(): Promise<void>;
  /**
   * Resolves once subscriptions and unsubscriptions made so far are in force on the medium. A
   * networked transport needs it (NATS: a flush round trip on both connections); an in-process one
   * can leave it out.
   */
  settle?(): Promise<void>;
}

interface Received {
  frame: Uint8Array;
  subject: string;
}

/** Records frames a subscription received and waits for them in real time. */
class Recorder {
  readonly received: Received[] = [];
  private waiters: { count: number; resolve: () => void }[] = [];

  readonly onFrame = (frame: Uint8Array, subject: string): void => {
    this.received.push({ frame, subject });
    this.waiters = this.waiters.filter((w) => {
      if (this.received.length < w.count) return true;
      w.resolve();
      return false;
    });
  };

  get subjects(): string[] {
    return this.received.map((r) => r.subject);
  }

  async waitFor(count: number, withinMs = 2000): Promise<void> {
    if (this.received.length >= count) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w.resolve !== done);
        reject(new Error(`expected ${count} frames within ${withinMs} ms, got ${this.received.length}: ${this.subjects.join(', ')}`));
      }, withinMs);
      const done = (): void => {
        clearTimeout(timer);
        resolve();
      };
      this.waiters.push({ count, resolve: done });
    });
  }
}

const bytes = (...values: number[]): Uint8Array => Uint8Array.from(values);
const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Registers the Transport contract as a mocha `describe` block. Subjects in the tests are unique
 * per test, so a shared medium (one nats-server for the whole file) is fine.
 * @example
 * describeTransportContract('InMemoryTransport', async () => {
 *   const hub = new InMemoryHub();
 *   const a = hub.connect(); const b = hub.connect();
 *   return { a, b, close: async () => { await a.close(); await b.close(); } };
 * });
 */
export function describeTransportContract(name: string, makePair: () => Promise<TransportPair>): void {
  describe(`Transport contract: ${name}`, () => {
    let pair: TransportPair;
    let run = 0;
    let prefix = '';
    const unsubscribes: Unsubscribe[] = [];

    beforeEach(async () => {
      run++;
      prefix = `contract.r${process.pid}x${run}`;
      pair = await makePair();
    });
    afterEach(async () => {
      for (const unsubscribe of unsubscribes.splice(0).reverse()) unsubscribe();
      await pair.close();
    });

    const settle = async (): Promise<void> => {
      await pair.settle?.();
    };
    const subscribe = (transport: Transport, pattern: string, recorder: Recorder | ((frame: Uint8Array, subject: string) => void)): Unsubscribe => {
      const unsubscribe = transport.subscribe(pattern, recorder instanceof Recorder ? recorder.onFrame : recorder);
      unsubscribes.push(unsubscribe);
      return unsubscribe;
    };
    /** Publishes a marker on its own subject and waits for it: everything `from` sent before has been delivered. */
    const barrier = async (from: Transport, to: Transport): Promise<void> => {
      const marker = new Recorder();
      subscribe(to, `${prefix}.barrier`, marker);
      await settle();
      from.publish(`${prefix}.barrier`, bytes(0));
      await marker.waitFor(1);
    };

    it('delivers frames across the pair both ways, with the concrete subject, whatever their size', async () => {
      const atB = new Recorder();
      const atA = new Recorder();
      subscribe(pair.b, `${prefix}.to-b`, atB);
      subscribe(pair.a, `${prefix}.to-a`, atA);
      await settle();
      const large = new Uint8Array(100_000).map((_, i) => i % 251);
      pair.a.publish(`${prefix}.to-b`, text('hello b'));
      pair.a.publish(`${prefix}.to-b`, new Uint8Array(0));
      pair.a.publish(`${prefix}.to-b`, large);
      pair.b.publish(`${prefix}.to-a`, text('hello a'));
      await atB.waitFor(3);
      await atA.waitFor(1);
      assert.deepEqual(atB.received.map((r) => r.subject), [`${prefix}.to-b`, `${prefix}.to-b`, `${prefix}.to-b`]);
      assert.deepEqual(Buffer.from(atB.received[0]?.frame ?? []).toString(), 'hello b');
      assert.equal(atB.received[1]?.frame.length, 0);
      assert.deepEqual(Buffer.from(atB.received[2]?.frame ?? []), Buffer.from(large));
      assert.deepEqual(Buffer.from(atA.received[0]?.frame ?? []).toString(), 'hello a');
      assert.equal(atA.received[0]?.subject, `${prefix}.to-a`);
    });

    it('matches `>` (one or more trailing tokens) and `*` (exactly one token) wildcards', async () => {
      const tail = new Recorder();
      const single = new Recorder();
      subscribe(pair.b, `${prefix}.w.>`, tail);
      subscribe(pair.b, `${prefix}.w.*.z`, single);
      await settle();
      for (const subject of ['w.a.z', 'w.a.b.z', 'w.q', 'w', 'x.a.z', 'w.b.z']) pair.a.publish(`${prefix}.${subject}`, text(subject));
      await barrier(pair.a, pair.b);
      assert.deepEqual(tail.subjects, ['w.a.z', 'w.a.b.z', 'w.q', 'w.b.z'].map((s) => `${prefix}.${s}`));
      assert.deepEqual(single.subjects, ['w.a.z', 'w.b.z'].map((s) => `${prefix}.${s}`));
    });

    it('stops delivering to a subscription once it is unsubscribed, and leaves the others alone', async () => {
      const gone = new Recorder();
      const kept = new Recorder();
      const unsubscribe = subscribe(pair.b, `${prefix}.u`, gone);
      subscribe(pair.b, `${prefix}.u`, kept);
      await settle();
      pair.a.publish(`${prefix}.u`, bytes(1));
      await gone.waitFor(1);
      unsubscribe();
      unsubscribe();
      await settle();
      pair.a.publish(`${prefix}.u`, bytes(2));
      await barrier(pair.a, pair.b);
      assert.equal(gone.received.length, 1);
      assert.deepEqual(kept.received.map((r) => r.frame[0]), [1, 2]);
    });

    it('delivers copies: changing the sent buffer after publish, or a received frame, changes nothing else', async () => {
      const first = new Recorder();
      const second = new Recorder();
      subscribe(pair.b, `${prefix}.copy`, (frame, subject) => {
        first.onFrame(frame, subject);
        frame.fill(0xee);
      });
      subscribe(pair.b, `${prefix}.copy`, second);
      await settle();
      const sent = bytes(1, 2, 3, 4);
      pair.a.publish(`${prefix}.copy`, sent);
      sent.fill(9);
      await first.waitFor(1);
      await second.waitFor(1);
      assert.deepEqual([...(second.received[0]?.frame ?? [])], [1, 2, 3, 4], 'the second subscriber sees the original bytes');
    });

    it('keeps delivering after a subscriber throws, to it and to the others', async () => {
      let calls = 0;
      const others = new Recorder();
      subscribe(pair.b, `${prefix}.throw`, () => {
        calls++;
        throw new Error('subscriber bug');
      });
      subscribe(pair.b, `${prefix}.throw`, others);
      await settle();
      for (let i = 0; i < 3; i++) pair.a.publish(`${prefix}.throw`, bytes(i));
      await others.waitFor(3);
      await barrier(pair.a, pair.b);
      assert.equal(calls, 3);
      assert.deepEqual(others.received.map((r) => r.frame[0]), [0, 1, 2]);
    });

    it('stops delivery on close, refuses to publish once closed, and closes twice harmlessly', async () => {
      const atB = new Recorder();
      const atA = new Recorder();
      subscribe(pair.b, `${prefix}.closed`, atB);
      subscribe(pair.a, `${prefix}.closed`, atA);
      await settle();
      await pair.b.close();
      pair.a.publish(`${prefix}.closed`, bytes(7));
      await atA.waitFor(1);
      await sleep(50);
      assert.equal(atB.received.length, 0, 'a closed transport delivers nothing');
      assert.throws(
        () => pair.b.publish(`${prefix}.closed`, bytes(8)),
        (error: unknown) => error instanceof SwitchyardError && error.code === 'ERR_TRANSPORT_CLOSED',
      );
      await pair.b.close();
    });
  });
}
