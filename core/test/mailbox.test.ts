import assert from 'node:assert/strict';
import { ActorSystem, DeadLetter, Mailbox, MailboxFullError, createActorSystem, type DeadLetterReason } from '../src/index.js';
import { TestProbe } from '../src/testkit/index.js';
import { Add, GetCount, counter, tick } from './fixtures.js';

describe('Mailbox ring', () => {
  it('keeps FIFO order across growth and wrap-around', () => {
    const box = new Mailbox<number, undefined>({ capacity: 1000 });
    const out: number[] = [];
    let next = 0;
    for (let round = 0; round < 50; round++) {
      for (let i = 0; i < 7; i++) box.push(next++, undefined);
      for (let i = 0; i < 5; i++) out.push(box.shift() as number);
    }
    while (box.size > 0) out.push(box.shift() as number);
    assert.deepEqual(out, Array.from({ length: next }, (_, i) => i));
  });
});

describe('mailbox overflow policies', () => {
  let system: ActorSystem;
  afterEach(() => system.terminate());

  async function overflow(policy: 'drop-newest' | 'drop-oldest' | 'reject'): Promise<{ sum: number; letters: { by: number; reason: DeadLetterReason }[]; thrown: number; results: boolean[] }> {
    system = createActorSystem();
    const letters = TestProbe.onBus(system.bus, DeadLetter);
    const ref = system.spawn(counter, 0, { mailbox: { capacity: 3, overflow: policy } });
    const results: boolean[] = [];
    let thrown = 0;
    // Five tells in one synchronous burst: the actor cannot run in between.
    for (const by of [1, 2, 4, 8, 16]) {
      try {
        results.push(ref.tell(Add.make({ by })));
      } catch (error) {
        assert.ok(error instanceof MailboxFullError);
        assert.equal(error.code, 'ERR_MAILBOX_FULL');
        thrown++;
      }
    }
    await tick();
    const sum = await ref.ask(GetCount, {});
    const dead = await letters.receiveN(2, DeadLetter.is.bind(DeadLetter) as never);
    return {
      sum,
      thrown,
      results,
      letters: dead.map((m) => {
        const letter = m as unknown as DeadLetter;
        return { by: (letter.message as Add).by, reason: letter.reason };
      }),
    };
  }

  it('drop-newest keeps the first messages and dead-letters the newcomers', async () => {
    const { sum, letters, results } = await overflow('drop-newest');
    assert.equal(sum, 1 + 2 + 4);
    assert.deepEqual(results, [true, true, true, false, false]);
    assert.deepEqual(letters, [
      { by: 8, reason: 'mailbox-full' },
      { by: 16, reason: 'mailbox-full' },
    ]);
  });

  it('drop-oldest keeps the latest messages and dead-letters the oldest', async () => {
    const { sum, letters, results } = await overflow('drop-oldest');
    assert.equal(sum, 4 + 8 + 16);
    assert.deepEqual(results, [true, true, true, true, true]);
    assert.deepEqual(letters, [
      { by: 1, reason: 'mailbox-dropped-oldest' },
      { by: 2, reason: 'mailbox-dropped-oldest' },
    ]);
  });

  it('reject throws MailboxFullError to the sender and dead-letters the message', async () => {
    const { sum, letters, thrown } = await overflow('reject');
    assert.equal(sum, 1 + 2 + 4);
    assert.equal(thrown, 2);
    assert.deepEqual(letters, [
      { by: 8, reason: 'mailbox-rejected' },
      { by: 16, reason: 'mailbox-rejected' },
    ]);
  });

  it('fails an ask that does not fit instead of letting it time out', async () => {
    system = createActorSystem();
    const ref = system.spawn(counter, 0, { mailbox: { capacity: 1, overflow: 'drop-newest' } });
    ref.tell(Add.make({ by: 1 }));
    await assert.rejects(ref.ask(GetCount, {}, { timeoutMs: 60_000 }), { code: 'ERR_MAILBOX_FULL' });
  });

  it('drains a burst far larger than one run, yielding between runs', async () => {
    system = createActorSystem({ throughput: 100 });
    const ref = system.spawn(counter, 0, { mailbox: { capacity: 100_000 } });
    for (let i = 0; i < 50_000; i++) ref.tell(Add.make({ by: 1 }));
    assert.equal(await ref.ask(GetCount, {}), 50_000);
  });
});
