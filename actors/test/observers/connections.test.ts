import assert from 'node:assert/strict';
import {
  Bus,
  ConnClosed,
  ConnOpened,
  RequestCompleted,
  RequestReceived,
  ResponseStarted,
  RouteMatched,
  TargetPicked,
  type MessageOf,
} from '@switchyard/core';
import { bufferCount, filter, groupBy, map, mergeMap, toArray } from 'rxjs';
import { observeConnections, type ConnectionEvent, type ConnectionHandle } from '../../src/observers/connections.js';

function opened(connId: number, clientAddress = '10.0.0.1'): MessageOf<typeof ConnOpened> {
  return ConnOpened.make({ connId, listener: 'web', clientAddress, clientPort: 40000 + connId, at: 1000 + connId });
}

function closed(connId: number, requests = 1): MessageOf<typeof ConnClosed> {
  return ConnClosed.make({ connId, listener: 'web', requests, bytesIn: 10, bytesOut: 20, durationMs: 5, cause: 'client-closed' });
}

function received(connId: number, requestId: string): MessageOf<typeof RequestReceived> {
  return RequestReceived.make({ connId, requestId, method: 'GET', target: '/', host: 'example.test' });
}

function completed(connId: number, requestId: string, extra: { status?: number; route?: string; targetAddress?: string } = {}): MessageOf<typeof RequestCompleted> {
  return RequestCompleted.make({
    connId,
    requestId,
    listener: 'web',
    clientAddress: '10.0.0.1',
    clientPort: 40000,
    method: 'GET',
    target: '/',
    httpVersion: '1.1',
    host: 'example.test',
    status: extra.status ?? 200,
    bytesIn: 10,
    bytesOut: 20,
    ...(extra.route === undefined ? {} : { route: extra.route }),
    ...(extra.targetAddress === undefined ? {} : { targetAddress: extra.targetAddress }),
    upstreamConnectMs: 0,
    upstreamHeaderMs: 1,
    totalMs: 2,
    termination: 'ok',
    startedAt: 0,
  });
}

/** One full request on connection `connId`: received, routed, picked, response started, completed. */
function exchange(bus: Bus, connId: number, requestId: string, route: string, target: string, status: number): void {
  bus.publish(received(connId, requestId));
  bus.publish(RouteMatched.make({ requestId, route, action: 'forward' }));
  bus.publish(TargetPicked.make({ requestId, upstream: 'u', target }));
  bus.publish(ResponseStarted.make({ requestId, status, upstreamHeaderMs: 1 }));
  bus.publish(completed(connId, requestId, { status, route, targetAddress: target }));
}

describe('observeConnections (connections$)', () => {
  let bus: Bus;
  beforeEach(() => {
    bus = new Bus();
  });
  afterEach(() => bus.close());

  it('subscribes to the bus only while someone subscribes to it', () => {
    const connections$ = observeConnections(bus);
    assert.equal(bus.hasSubscribers(ConnOpened), false, 'nothing before subscribe');
    const a = connections$.subscribe();
    const b = connections$.subscribe();
    assert.equal(bus.hasSubscribers(ConnOpened), true);
    assert.equal(bus.hasSubscribers(RouteMatched), true);
    a.unsubscribe();
    assert.equal(bus.hasSubscribers(ConnOpened), true, 'one subscriber left');
    b.unsubscribe();
    assert.equal(bus.hasSubscribers(ConnOpened), false);
    assert.equal(bus.hasSubscribers(RequestReceived), false);
    assert.equal(bus.hasSubscribers(ConnClosed), false);
  });

  it('hears only the request steps asked for (plus request.received, which links a request to its connection)', () => {
    const sub = observeConnections(bus, { steps: ['request.completed'] }).subscribe();
    assert.equal(bus.hasSubscribers(RequestCompleted), true);
    assert.equal(bus.hasSubscribers(RequestReceived), true);
    assert.equal(bus.hasSubscribers(RouteMatched), false);
    assert.equal(bus.hasSubscribers(ResponseStarted), false);
    sub.unsubscribe();
  });

  it('emits one handle per connection whose events$ tells its lifecycle in order and completes on close', () => {
    const handles: ConnectionHandle[] = [];
    const seen = new Map<number, string[]>();
    const completedIds: number[] = [];
    const sub = observeConnections(bus).subscribe((c) => {
      handles.push(c);
      seen.set(c.connId, []);
      c.events$.subscribe({ next: (e) => seen.get(c.connId)?.push(e.type), complete: () => completedIds.push(c.connId) });
    });
    bus.publish(opened(1));
    bus.publish(opened(2, '10.0.0.2'));
    exchange(bus, 1, 'r1', 'api', 't1:80', 200);
    exchange(bus, 2, 'r2', 'api', 't1:80', 200);
    exchange(bus, 1, 'r3', 'web', 't2:80', 404);
    bus.publish(closed(1, 2));
    sub.unsubscribe();

    assert.deepEqual(handles.map((h) => [h.connId, h.listener, h.clientAddress, h.clientPort, h.openedAt]), [
      [1, 'web', '10.0.0.1', 40001, 1001],
      [2, 'web', '10.0.0.2', 40002, 1002],
    ]);
    const steps = ['request.received', 'request.routed', 'request.target-picked', 'request.response-started', 'request.completed'];
    assert.deepEqual(seen.get(1), ['conn.opened', ...steps, ...steps, 'conn.closed']);
    assert.deepEqual(seen.get(2), ['conn.opened', ...steps]);
    assert.deepEqual(completedIds, [1, 2], 'conn 1 on close; conn 2 when the observation ended');
    assert.equal(handles[0]?.isClosed, true);
    assert.equal(handles[1]?.isClosed, true);
  });

  it('ignores events of connections opened before it was subscribed', () => {
    const types: string[] = [];
    bus.publish(opened(7));
    const sub = observeConnections(bus).subscribe((c) => c.events$.subscribe((e) => types.push(`${c.connId}:${e.type}`)));
    exchange(bus, 7, 'old', 'api', 't1:80', 200);
    bus.publish(closed(7));
    bus.publish(opened(8));
    sub.unsubscribe();
    assert.deepEqual(types, ['8:conn.opened']);
  });

  it('gives a subscriber that comes after the close completion only', () => {
    let handle: ConnectionHandle | undefined;
    const sub = observeConnections(bus).subscribe((c) => (handle = c));
    bus.publish(opened(1));
    bus.publish(closed(1, 0));
    const late: string[] = [];
    let isComplete = false;
    handle?.events$.subscribe({ next: (e) => late.push(e.type), complete: () => (isComplete = true) });
    sub.unsubscribe();
    assert.deepEqual(late, []);
    assert.equal(isComplete, true);
  });

  it('forgets requests when they complete or their connection closes, and caps what it tracks', () => {
    const types: string[] = [];
    const sub = observeConnections(bus, { maxTrackedRequests: 2 }).subscribe((c) => c.events$.subscribe((e) => types.push(e.type)));
    bus.publish(opened(1));
    bus.publish(received(1, 'a'));
    bus.publish(received(1, 'b'));
    bus.publish(received(1, 'c')); // forgets a
    bus.publish(RouteMatched.make({ requestId: 'a', route: 'x', action: 'forward' }));
    bus.publish(RouteMatched.make({ requestId: 'c', route: 'x', action: 'forward' }));
    bus.publish(closed(1, 3));
    bus.publish(RouteMatched.make({ requestId: 'b', route: 'x', action: 'forward' }));
    sub.unsubscribe();
    assert.deepEqual(types, ['conn.opened', 'request.received', 'request.received', 'request.received', 'request.routed', 'conn.closed']);
  });

  it('keeps delivering to the others when one subscriber throws', async () => {
    const good: number[] = [];
    const sub1 = observeConnections(bus).subscribe(() => {
      throw new Error('bad subscriber');
    });
    const sub2 = observeConnections(bus).subscribe((c) => good.push(c.connId));
    const failures: unknown[] = [];
    const failSub = bus.onPrefix('bus.').subscribe((m) => failures.push(m));
    bus.publish(opened(1));
    bus.publish(opened(2));
    await new Promise((resolve) => setTimeout(resolve, 10));
    sub1.unsubscribe();
    sub2.unsubscribe();
    failSub.unsubscribe();
    assert.deepEqual(good, [1, 2]);
    assert.ok(failures.length >= 1, 'the throw is reported on the bus');
  });

  describe('the documented examples', () => {
    it('counts requests per route over a window', () => {
      const windows: Record<string, number>[] = [];
      const sub = observeConnections(bus, { steps: ['request.completed'] })
        .pipe(
          mergeMap((c) => c.events$),
          filter((e): e is MessageOf<typeof RequestCompleted> => e.type === 'request.completed'),
          // bufferTime(10_000) in the doc; a count window here keeps the test off the clock.
          bufferCount(4),
          map((done) => {
            const counts: Record<string, number> = {};
            for (const e of done) counts[e.route ?? '(none)'] = (counts[e.route ?? '(none)'] ?? 0) + 1;
            return counts;
          }),
        )
        .subscribe((w) => windows.push(w));
      bus.publish(opened(1));
      exchange(bus, 1, 'r1', 'api', 't1:80', 200);
      exchange(bus, 1, 'r2', 'api', 't1:80', 200);
      exchange(bus, 1, 'r3', 'web', 't1:80', 200);
      exchange(bus, 1, 'r4', 'api', 't1:80', 200);
      sub.unsubscribe();
      assert.deepEqual(windows, [{ api: 3, web: 1 }]);
    });

    it("alerts on a target's error rate", () => {
      const alerts: string[] = [];
      const sub = observeConnections(bus, { steps: ['request.completed'] })
        .pipe(
          mergeMap((c) => c.events$),
          filter((e): e is MessageOf<typeof RequestCompleted> => e.type === 'request.completed' && e.targetAddress !== undefined),
          groupBy((e) => e.targetAddress as string),
          mergeMap((byTarget) =>
            byTarget.pipe(
              bufferCount(10),
              map((list) => ({ target: byTarget.key, total: list.length, errors: list.filter((e) => e.status >= 500).length })),
            ),
          ),
          filter((w) => w.errors / w.total > 0.05),
        )
        .subscribe((w) => alerts.push(`${w.target}: ${w.errors}/${w.total}`));
      bus.publish(opened(1));
      for (let i = 0; i < 10; i++) exchange(bus, 1, `ok${i}`, 'api', 'good:80', 200);
      for (let i = 0; i < 10; i++) exchange(bus, 1, `bad${i}`, 'api', 'bad:80', i % 3 === 0 ? 502 : 200);
      sub.unsubscribe();
      assert.deepEqual(alerts, ['bad:80: 4/10']);
    });

    it('follows one client', async () => {
      const followed = observeConnections(bus).pipe(
        filter((c) => c.clientAddress === '10.0.0.7'),
        mergeMap((c) => c.events$),
        map((e: ConnectionEvent) => `${e.type}${'requestId' in e ? ` ${e.requestId}` : ''}`),
        toArray(),
      );
      const result = new Promise<string[]>((resolve) => followed.subscribe(resolve));
      const keepAlive = observeConnections(bus).subscribe();
      bus.publish(opened(1, '10.0.0.1'));
      bus.publish(opened(2, '10.0.0.7'));
      exchange(bus, 1, 'x', 'api', 't:80', 200);
      bus.publish(received(2, 'y'));
      bus.publish(completed(2, 'y'));
      bus.publish(closed(2));
      bus.close(); // completes connections$, and so the toArray
      keepAlive.unsubscribe();
      assert.deepEqual(await result, ['conn.opened', 'request.received y', 'request.completed y', 'conn.closed']);
    });
  });
});
