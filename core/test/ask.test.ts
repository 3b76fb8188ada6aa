import assert from 'node:assert/strict';
import { ActorSystem, AskAbortedError, AskTimeoutError, createActorSystem } from '../src/index.js';
import { VirtualClock } from '../src/testkit/index.js';
import { Add, Boom, GetCount, Never, counter } from './fixtures.js';

describe('ask', () => {
  let system: ActorSystem;
  afterEach(() => system.terminate());

  it('resolves with the typed reply', async () => {
    system = createActorSystem();
    const ref = system.spawn(counter, 41);
    ref.tell(Add.make({ by: 1 }));
    const count: number = await ref.ask(GetCount, {});
    assert.equal(count, 42);
  });

  it('rejects with AskTimeoutError when no reply comes within the timeout (virtual time)', async () => {
    const clock = new VirtualClock();
    system = createActorSystem({ clock });
    const ref = system.spawn(counter, 0);
    const outcome: { value: unknown } = { value: 'pending' };
    ref.ask(Never, {}, { timeoutMs: 2000 }).then(
      (v) => (outcome.value = v),
      (e: unknown) => (outcome.value = e),
    );
    await clock.advance(1999);
    assert.equal(outcome.value === 'pending', true, 'not timed out before the deadline');
    await clock.advance(1);
    assert.ok(outcome.value instanceof AskTimeoutError);
    assert.equal(outcome.value.code, 'ERR_ASK_TIMEOUT');
    assert.equal(clock.pending, 0, 'no timer left behind');
  });

  it('rejects with AskAbortedError when its signal aborts, and cancels its timer', async () => {
    const clock = new VirtualClock();
    system = createActorSystem({ clock });
    const ref = system.spawn(counter, 0);
    const controller = new AbortController();
    const pending = ref.ask(Never, {}, { timeoutMs: 60_000, signal: controller.signal });
    controller.abort(new Error('client went away'));
    await assert.rejects(pending, (error: unknown) => error instanceof AskAbortedError && error.code === 'ERR_ASK_ABORTED');
    assert.equal(clock.pending, 0);
  });

  it('rejects at once for an already aborted signal', async () => {
    system = createActorSystem();
    const ref = system.spawn(counter, 0);
    await assert.rejects(ref.ask(GetCount, {}, { signal: AbortSignal.abort() }), { code: 'ERR_ASK_ABORTED' });
  });

  it('rejects with the error when the request makes the actor throw', async () => {
    system = createActorSystem();
    const ref = system.spawn(counter, 5);
    await assert.rejects(ref.ask(Boom, { reason: 'cannot do that' }), /cannot do that/);
    assert.equal(await ref.ask(GetCount, {}), 5, 'the restarted actor answers again');
  });
});
