import assert from 'node:assert/strict';
import { Bus, SubscriberFailed, VirtualClock } from '../src/index.js';
import { TestProbe } from '../src/testkit/index.js';
import { Add, Counted, GetCount, tick } from './fixtures.js';

describe('Bus', () => {
  let bus: Bus;
  beforeEach(() => {
    bus = new Bus();
  });
  afterEach(() => bus.close());

  it('delivers each type only to its own subscribers', () => {
    const adds: number[] = [];
    const counts: number[] = [];
    bus.on(Add).subscribe((m) => adds.push(m.by));
    bus.on(Counted).subscribe((m) => counts.push(m.count));
    bus.publish(Add.make({ by: 1 }));
    bus.publish(Counted.make({ count: 7 }));
    bus.publish(Add.make({ by: 2 }));
    assert.deepEqual(adds, [1, 2]);
    assert.deepEqual(counts, [7]);
  });

  it('reports subscribers per type, and none after unsubscribing', () => {
    assert.equal(bus.hasSubscribers(Add), false);
    const sub = bus.on(Add).subscribe(() => undefined);
    assert.equal(bus.hasSubscribers(Add), true);
    assert.equal(bus.hasSubscribers(Counted), false);
    sub.unsubscribe();
    assert.equal(bus.hasSubscribers(Add), false);
  });

  it('feeds prefix taps with every matching type, including types first seen after the tap', () => {
    const seen: string[] = [];
    bus.on(Add).subscribe(() => undefined);
    bus.onPrefix('counter.').subscribe((m) => seen.push(m.type));
    const all: string[] = [];
    bus.onPrefix('').subscribe((m) => all.push(m.type));
    bus.publish(Add.make({ by: 1 }));
    bus.publish(Counted.make({ count: 1 }));
    bus.publish({ type: 'other.thing' });
    assert.deepEqual(seen, ['counter.add', 'counter.counted']);
    assert.deepEqual(all, ['counter.add', 'counter.counted', 'other.thing']);
    assert.equal(bus.hasSubscribers(GetCount), true, 'a tap on counter. listens to counter.get');
    assert.equal(bus.hasSubscribers('unrelated.type'), true, 'the empty prefix listens to everything');
  });

  it('answers hasSubscribers for a type heard only through a prefix tap, before and after the tap has a subscriber, and after it leaves', () => {
    const tap = bus.onPrefix('counter.');
    assert.equal(bus.hasSubscribers('counter.reset'), false, 'a tap nobody subscribed to hears nothing');
    const sub = tap.subscribe(() => undefined);
    assert.equal(bus.hasSubscribers('counter.reset'), true, 'asked again once the tap has a subscriber');
    assert.equal(bus.hasSubscribers('other.reset'), false);
    sub.unsubscribe();
    assert.equal(bus.hasSubscribers('counter.reset'), false);
    const late = bus.onPrefix('other.').subscribe(() => undefined);
    assert.equal(bus.hasSubscribers('other.reset'), true, 'a tap made after the type was first asked for');
    late.unsubscribe();
  });

  it('keeps delivering to others when a subscriber throws, and reports the failure with its type', async () => {
    const failures = TestProbe.onBus(bus, SubscriberFailed);
    const received: number[] = [];
    bus.subscribe(Add, () => {
      throw new Error('bad subscriber');
    });
    bus.on(Add).subscribe((m) => received.push(m.by));
    bus.publish(Add.make({ by: 1 }));
    bus.publish(Add.make({ by: 2 }));
    assert.deepEqual(received, [1, 2]);
    const failure = await failures.expectMessage(SubscriberFailed);
    assert.equal(failure.messageType, 'counter.add');
    assert.equal(failure.error.message, 'bad subscriber');
    assert.equal(bus.failures, 2);
  });

  it('isolates a bare RxJS subscriber that throws without crashing the process', async () => {
    const failures = TestProbe.onBus(bus, SubscriberFailed);
    const received: number[] = [];
    bus.on(Add).subscribe(() => {
      throw new Error('raw rxjs subscriber');
    });
    bus.on(Add).subscribe((m) => received.push(m.by));
    bus.publish(Add.make({ by: 5 }));
    assert.deepEqual(received, [5]);
    const failure = await failures.expectMessage(SubscriberFailed, 1000);
    assert.equal(failure.error.message, 'raw rxjs subscriber');
    await tick();
  });

  it('does not loop when a subscriber of the failure event itself throws, and budgets reports', async () => {
    const clock = new VirtualClock();
    const budgeted = new Bus({ clock, maxFailureReportsPerSecond: 3 });
    const reports: number[] = [];
    budgeted.subscribe(SubscriberFailed, (m) => {
      reports.push(m.suppressed);
      throw new Error('failure handler fails too');
    });
    budgeted.subscribe(Add, () => {
      throw new Error('x');
    });
    for (let i = 0; i < 10; i++) budgeted.publish(Add.make({ by: i }));
    assert.equal(reports.length, 3);
    await clock.advance(1000);
    budgeted.publish(Add.make({ by: 99 }));
    assert.equal(reports.length, 4);
    assert.ok((reports[3] ?? 0) > 0, 'the next report says how many were suppressed');
    budgeted.close();
  });

  it('completes subscribers on close', () => {
    let isComplete = false;
    bus.on(Add).subscribe({ complete: () => (isComplete = true) });
    bus.close();
    assert.equal(isComplete, true);
  });
});
