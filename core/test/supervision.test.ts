import assert from 'node:assert/strict';
import { z } from 'zod';
import {
  ActorFailed,
  ActorRestarted,
  ActorSystem,
  SupervisionDecided,
  backoffDelayMs,
  createActorSystem,
  defineActor,
  defineMessage,
  supervisorStrategy,
  type ActorRef,
  type ActorTerminated,
  type MessageOf,
} from '../src/index.js';
import { TestProbe, VirtualClock } from '../src/testkit/index.js';
import { Add, Boom, GetCount, counter, tick, type CounterMessage } from './fixtures.js';

const noJitter = { minMs: 1000, maxMs: 8000, factor: 2, jitter: 0 };

describe('backoff', () => {
  it('grows exponentially to its maximum and adds bounded jitter', () => {
    const delays = [1, 2, 3, 4, 5].map((n) => backoffDelayMs(noJitter, n));
    assert.deepEqual(delays, [1000, 2000, 4000, 8000, 8000]);
    assert.equal(backoffDelayMs({ ...noJitter, jitter: 0.5 }, 1, () => 1), 1500);
    assert.equal(backoffDelayMs({ ...noJitter, jitter: 0.5 }, 4, () => 1), 8000, 'never past the maximum');
  });
});

describe('supervision', () => {
  let system: ActorSystem;
  let clock: VirtualClock;
  afterEach(() => system.terminate());

  function withStrategy(overrides: Parameters<typeof supervisorStrategy>[0]): void {
    clock = new VirtualClock();
    system = createActorSystem({ clock, supervision: supervisorStrategy(overrides) });
  }

  it('restarts a failing child with exponential backoff on the clock, resetting its state', async () => {
    withStrategy({ decide: 'restart', backoff: noJitter, maxRestarts: 5, windowMs: 60_000 });
    const decisions = TestProbe.onBus(system.bus, SupervisionDecided);
    const restarts = TestProbe.onBus(system.bus, ActorRestarted);
    const ref = system.spawn(counter, 100);
    ref.tell(Add.make({ by: 5 }));
    ref.tell(Boom.make({ reason: 'first' }));
    ref.tell(Add.make({ by: 1 }));
    await clock.advance(0);
    const first = await decisions.expectMessage(SupervisionDecided);
    assert.equal(first.directive, 'restart');
    assert.equal(first.delayMs, 1000);
    assert.equal(first.error.message, 'first');

    await clock.advance(999);
    assert.equal(restarts.received.length, 0, 'not before the backoff has passed');
    await clock.advance(1);
    await restarts.expectMessage(ActorRestarted);
    assert.equal(await ref.ask(GetCount, {}), 101, 'state re-initialised, queued message kept');

    ref.tell(Boom.make({ reason: 'second' }));
    await clock.advance(0);
    assert.equal((await decisions.expectMessage(SupervisionDecided)).delayMs, 2000);
    await clock.advance(2000);
    const second = await restarts.expectMessage(ActorRestarted);
    assert.equal(second.restarts, 2);
  });

  it('stops a child that exceeds its restarts within the window', async () => {
    withStrategy({ decide: 'restart', backoff: { ...noJitter, minMs: 10, maxMs: 10 }, maxRestarts: 2, windowMs: 10_000 });
    const decisions = TestProbe.onBus(system.bus, SupervisionDecided);
    const ref = system.spawn(counter, 0);
    const terminated = system.watch(ref);
    for (let i = 0; i < 3; i++) {
      ref.tell(Boom.make({ reason: `fail ${i}` }));
      await clock.advance(10);
    }
    const all = await decisions.receiveN(3);
    assert.deepEqual(all.map((d) => (d as SupervisionDecided).directive), ['restart', 'restart', 'stop']);
    assert.match((all[2] as SupervisionDecided).note ?? '', /more than 2 restarts/);
    assert.equal((await terminated).reason, 'restarts-exceeded');
  });

  it('forgets restarts older than the window', async () => {
    withStrategy({ decide: 'restart', backoff: { ...noJitter, minMs: 10, maxMs: 10 }, maxRestarts: 1, windowMs: 1000 });
    const ref = system.spawn(counter, 0);
    for (let i = 0; i < 3; i++) {
      ref.tell(Boom.make({ reason: 'x' }));
      await clock.advance(2000);
    }
    assert.equal(ref.isAlive, true);
    assert.equal(await ref.ask(GetCount, {}), 0);
  });

  it('resumes a child keeping its state', async () => {
    withStrategy({ decide: 'resume' });
    const ref = system.spawn(counter, 0);
    ref.tell(Add.make({ by: 3 }));
    ref.tell(Boom.make({ reason: 'skip me' }));
    ref.tell(Add.make({ by: 4 }));
    await clock.advance(0);
    assert.equal(await ref.ask(GetCount, {}), 7);
  });

  it('stops a child when told to', async () => {
    withStrategy({ decide: 'stop' });
    const ref = system.spawn(counter, 0);
    const terminated = system.watch(ref);
    ref.tell(Boom.make({ reason: 'fatal' }));
    assert.equal((await terminated).reason, 'failed');
  });

  it('decides per error with a function', async () => {
    withStrategy({ decide: (error) => ((error as Error).message === 'transient' ? 'resume' : 'stop') });
    const ref = system.spawn(counter, 1);
    ref.tell(Boom.make({ reason: 'transient' }));
    await clock.advance(0);
    assert.equal(await ref.ask(GetCount, {}), 1);
    ref.tell(Boom.make({ reason: 'fatal' }));
    await system.watch(ref);
  });

  it('escalates a child failure to the parent, whose supervisor restarts it', async () => {
    withStrategy({ decide: 'restart', backoff: noJitter });
    const Start = defineMessage('test.start', {});
    const Forward = defineMessage('test.forward', { reason: z.string() });
    type ParentIn = MessageOf<typeof Start> | MessageOf<typeof Forward>;
    let inits = 0;
    const parent = defineActor<ActorRef<CounterMessage> | undefined, ParentIn>({
      name: 'parent',
      supervision: supervisorStrategy({ decide: 'escalate' }),
      init: () => {
        inits++;
        return undefined;
      },
      receive(child, message, ctx) {
        if (message.type === 'test.start') return ctx.spawn(counter, 0, { name: 'child' });
        child?.tell(Boom.make({ reason: message.reason }));
      },
    });
    const failures = TestProbe.onBus(system.bus, ActorFailed);
    const decisions = TestProbe.onBus(system.bus, SupervisionDecided);
    const ref = system.spawn(parent, undefined);
    ref.tell(Start.make({}));
    ref.tell(Forward.make({ reason: 'child broke' }));
    await clock.advance(0);
    const childFailure = await failures.expectMessage((m) => (m as ActorFailed).address.includes('/child'));
    assert.equal((childFailure as ActorFailed).error.message, 'child broke');
    const escalation = await decisions.expectMessage((m) => (m as SupervisionDecided).directive === 'escalate');
    assert.match((escalation as SupervisionDecided).child, /\/parent\/child#/);
    const parentDecision = await decisions.expectMessage((m) => (m as SupervisionDecided).child === ref.address);
    assert.equal((parentDecision as SupervisionDecided).directive, 'restart');
    assert.equal((parentDecision as SupervisionDecided).error.code, 'ERR_SUPERVISION_ESCALATED');
    await clock.advance(1000);
    assert.equal(inits, 2, 'the parent was restarted');
  });

  it('retries a failing init with backoff until it succeeds', async () => {
    withStrategy({ decide: 'restart', backoff: noJitter, maxRestarts: 10 });
    let attempts = 0;
    const flaky = defineActor<number, MessageOf<typeof GetCount>>({
      name: 'flaky',
      init: () => {
        attempts++;
        if (attempts < 3) throw new Error(`init attempt ${attempts}`);
        return attempts;
      },
      receive: (n, _m, ctx) => void ctx.reply(GetCount, n),
    });
    const ref = system.spawn(flaky, undefined);
    const answer = ref.ask(GetCount, {}, { timeoutMs: 60_000 });
    await clock.advance(1000);
    await clock.advance(2000);
    assert.equal(await answer, 3);
  });

  it('tells watchers when a watched actor stops', async () => {
    clock = new VirtualClock();
    system = createActorSystem({ clock });
    const Watch = defineMessage('test.watch', { address: z.string() });
    const seen: ActorTerminated[] = [];
    const target = system.spawn(counter, 0, { name: 'target' });
    const watcher = defineActor<null, MessageOf<typeof Watch>>({
      name: 'watcher',
      init: (_a, ctx) => {
        ctx.watch(target);
        return null;
      },
      receive: () => undefined,
      signal(state, signal) {
        seen.push(signal);
        return state;
      },
    });
    system.spawn(watcher, undefined);
    await tick();
    await system.stop(target);
    await tick();
    assert.equal(seen.length, 1);
    assert.equal(seen[0]?.address, target.address);
    assert.equal(seen[0]?.type, 'actor.terminated');
  });
});
