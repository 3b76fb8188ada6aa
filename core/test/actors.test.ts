import assert from 'node:assert/strict';
import { z } from 'zod';
import {
  ActorStarted,
  ActorStopped,
  ActorSystem,
  DeadLetter,
  Snapshot,
  SnapshotReplaced,
  createActorSystem,
  defineActor,
  defineMessage,
  type ActorRef,
  type MessageOf,
} from '../src/index.js';
import { TestProbe, VirtualClock } from '../src/testkit/index.js';
import { Add, Counted, GetCount, counter, tick, type CounterMessage } from './fixtures.js';

describe('actors', () => {
  let system: ActorSystem;
  afterEach(() => system.terminate());

  it('handles messages one at a time, in order, replacing its state', async () => {
    system = createActorSystem({ name: 'test' });
    const ref = system.spawn(counter, 10);
    for (let i = 1; i <= 5; i++) ref.tell(Add.make({ by: i }));
    assert.equal(await ref.ask(GetCount, {}), 25);
  });

  it('publishes emits after the message is handled and never re-enters receive', async () => {
    system = createActorSystem();
    const Ping = defineMessage('test.ping', { n: z.number() });
    type Ping = MessageOf<typeof Ping>;
    const log: string[] = [];
    const pinger = defineActor<{ depth: number }, Ping>({
      name: 'pinger',
      init: () => ({ depth: 0 }),
      receive(state, message, ctx) {
        log.push(`start ${message.n}`);
        if (message.n < 3) ctx.emit(Ping.make({ n: message.n + 1 }));
        log.push(`end ${message.n}`);
        return { depth: state.depth + 1 };
      },
    });
    const ref = system.spawn(pinger, undefined);
    // Whatever hears the emit tells the actor again: it must queue, not recurse.
    system.bus.on(Ping).subscribe((m) => ref.tell(m));
    ref.tell(Ping.make({ n: 1 }));
    await tick();
    assert.deepEqual(log, ['start 1', 'end 1', 'start 2', 'end 2', 'start 3', 'end 3']);
  });

  it('gives addresses with the system name, path and incarnation; lookup finds the live one', async () => {
    system = createActorSystem({ name: 'edge' });
    const first = system.spawn(counter, 0, { name: 'c' });
    assert.match(first.address, /^edge\/c#\d+$/);
    assert.equal(system.lookup('/c'), first);
    assert.throws(() => system.spawn(counter, 0, { name: 'c' }), /already runs/);
    await system.stop(first);
    assert.equal(system.lookup('/c'), undefined);
    const second = system.spawn(counter, 0, { name: 'c' });
    assert.notEqual(second.incarnation, first.incarnation);
    assert.equal(first.tell(Add.make({ by: 1 })), false, 'the old incarnation is dead');
    assert.equal(second.tell(Add.make({ by: 1 })), true);
  });

  it('spawns children, stops them before the parent, and runs stopped hooks', async () => {
    system = createActorSystem();
    const order: string[] = [];
    const leaf = defineActor<string, CounterMessage, string>({
      name: 'leaf',
      init: (name) => name,
      receive: () => undefined,
      stopped: async (name) => {
        await tick();
        order.push(name);
      },
    });
    const Spawn = defineMessage('test.spawn', { name: z.string() });
    type Spawn = MessageOf<typeof Spawn>;
    const parent = defineActor<ActorRef<CounterMessage>[], Spawn>({
      name: 'parent',
      init: () => [],
      receive(children, message, ctx) {
        return [...children, ctx.spawn(leaf, message.name, { name: message.name })];
      },
      stopped: () => {
        order.push('parent');
      },
    });
    const ref = system.spawn(parent, undefined);
    ref.tell(Spawn.make({ name: 'a' }));
    ref.tell(Spawn.make({ name: 'b' }));
    await tick();
    assert.ok(system.lookup('/parent/a'));
    assert.equal(system.actorCount, 3);
    await system.stop(ref);
    assert.deepEqual(order.slice(2), ['parent']);
    assert.deepEqual(order.slice(0, 2).sort(), ['a', 'b']);
    assert.equal(system.actorCount, 0);
  });

  it('reports lifecycle on the bus only to subscribers', async () => {
    system = createActorSystem();
    const probe = TestProbe.onBus(system.bus, 'actor.');
    const ref = system.spawn(counter, 0, { name: 'x' });
    await system.stop(ref);
    const started = await probe.expectMessage(ActorStarted);
    const stopped = await probe.expectMessage(ActorStopped);
    assert.equal(started.address, ref.address);
    assert.equal(stopped.reason, 'requested');
  });

  it('sends messages to a stopped actor to dead letters', async () => {
    system = createActorSystem();
    const letters = TestProbe.onBus(system.bus, DeadLetter);
    const ref = system.spawn(counter, 0);
    await system.stop(ref);
    assert.equal(ref.tell(Add.make({ by: 1 })), false);
    const letter = await letters.expectMessage(DeadLetter);
    assert.equal(letter.reason, 'recipient-stopped');
    assert.equal(letter.messageType, 'counter.add');
    assert.deepEqual(letter.message, Add.make({ by: 1 }));
    await assert.rejects(ref.ask(GetCount, {}), { code: 'ERR_ACTOR_STOPPED' });
    assert.equal(system.deadLetterCount, 2);
  });

  it('dead-letters what was still queued when the actor stopped', async () => {
    system = createActorSystem();
    const ref = system.spawn(counter, 0);
    for (let i = 0; i < 5; i++) ref.tell(Add.make({ by: 1 }));
    const pending = ref.ask(GetCount, {});
    await system.stop(ref);
    await assert.rejects(pending, { code: 'ERR_ACTOR_STOPPED' });
    assert.equal(system.deadLetterCount, 6);
  });

  it('lets an actor stop itself after finishing the current message', async () => {
    system = createActorSystem();
    const Quit = defineMessage('test.quit', {});
    const quitter = defineActor<number, MessageOf<typeof Quit> | MessageOf<typeof Add>>({
      name: 'quitter',
      init: () => 0,
      receive(n, message, ctx) {
        if (message.type === 'test.quit') {
          void ctx.stop();
          ctx.emit(Counted.make({ count: n }));
          return n + 100;
        }
        return n + 1;
      },
    });
    const counted = TestProbe.onBus(system.bus, Counted);
    const ref = system.spawn(quitter, undefined);
    ref.tell(Add.make({ by: 1 }));
    ref.tell(Quit.make({}));
    ref.tell(Add.make({ by: 1 }));
    const terminated = await system.watch(ref);
    assert.equal(terminated.reason, 'requested');
    assert.equal((await counted.expectMessage(Counted)).count, 1, 'the emit of the last message still went out');
    assert.equal(ref.isAlive, false);
  });

  it('runs timers through the clock and cancels them on stop', async () => {
    const clock = new VirtualClock();
    system = createActorSystem({ clock });
    const Tick = defineMessage('test.tick', {});
    const ticks = defineActor<number, MessageOf<typeof Tick> | MessageOf<typeof GetCount>>({
      name: 'ticker',
      init: (_args, ctx) => {
        ctx.scheduleRepeat(1000, Tick.make({}));
        return 0;
      },
      receive(n, message, ctx) {
        if (message.type === 'counter.get') return void ctx.reply(GetCount, n);
        return n + 1;
      },
    });
    const ref = system.spawn(ticks, undefined);
    await clock.advance(3500);
    assert.equal(await ref.ask(GetCount, {}), 3);
    await system.stop(ref);
    assert.equal(clock.pending, 0);
  });

  it('pipes async results back as messages and keeps one message at a time', async () => {
    system = createActorSystem();
    const Load = defineMessage('test.load', { value: z.number() });
    const Loaded = defineMessage('test.loaded', { value: z.number() });
    const Failed = defineMessage('test.failed', { reason: z.string() });
    type In = MessageOf<typeof Load> | MessageOf<typeof Loaded> | MessageOf<typeof Failed> | MessageOf<typeof GetCount>;
    const loader = defineActor<number[], In>({
      name: 'loader',
      init: () => [],
      receive(values, message, ctx) {
        switch (message.type) {
          case 'test.load':
            ctx.pipeToSelf(
              message.value < 0 ? Promise.reject(new Error('negative')) : Promise.resolve(message.value * 2),
              (value) => Loaded.make({ value }),
              (error) => Failed.make({ reason: (error as Error).message }),
            );
            return;
          case 'test.loaded':
            return [...values, message.value];
          case 'test.failed':
            return [...values, -1];
          case 'counter.get':
            return void ctx.reply(GetCount, values.reduce((a, b) => a + b, 0));
        }
      },
    });
    const ref = system.spawn(loader, undefined);
    ref.tell(Load.make({ value: 2 }));
    ref.tell(Load.make({ value: -5 }));
    await tick();
    assert.equal(await ref.ask(GetCount, {}), 3);
  });

  it('publishes snapshots for synchronous readers and reports the replacement', async () => {
    system = createActorSystem();
    const table = new Snapshot<readonly string[]>('routes', []);
    const Set = defineMessage('test.set', { routes: z.array(z.string()) });
    const router = defineActor<null, MessageOf<typeof Set>>({
      name: 'router',
      init: () => null,
      receive(_s, message, ctx) {
        ctx.publishSnapshot(table, Object.freeze([...message.routes]));
      },
    });
    const replaced = TestProbe.onBus(system.bus, SnapshotReplaced);
    system.spawn(router, undefined).tell(Set.make({ routes: ['a', 'b'] }));
    const event = await replaced.expectMessage(SnapshotReplaced);
    assert.deepEqual(table.current, ['a', 'b']);
    assert.equal(table.version, 1);
    assert.equal(event.name, 'routes');
  });

  it('parses untrusted input against the inbox schema before telling', async () => {
    system = createActorSystem();
    const strict = defineActor<number, MessageOf<typeof Add> | MessageOf<typeof GetCount>>({
      name: 'strict',
      inbox: z.discriminatedUnion('type', [Add.schema as never, GetCount.schema as never]) as never,
      init: () => 0,
      receive(n, message, ctx) {
        if (message.type === 'counter.get') return void ctx.reply(GetCount, n);
        return n + message.by;
      },
    });
    const ref = system.spawn(strict, undefined);
    assert.deepEqual(ref.tellUntrusted({ type: 'counter.add', by: 4 }), { ok: true });
    const bad = ref.tellUntrusted({ type: 'counter.add', by: 'four' });
    assert.equal(bad.ok, false);
    assert.equal(await ref.ask(GetCount, {}), 4);
  });
});
