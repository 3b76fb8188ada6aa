import assert from 'node:assert/strict';
import { Bus, RequestCompleted, SubscriberFailed } from '@switchyard/core';
import { startAccessLog } from '../../src/observers/access-log.js';
import type { LineSink } from '../../src/observers/line-sink.js';

class MemorySink implements LineSink {
  readonly lines: string[] = [];
  reopened = 0;
  write(line: string): void {
    this.lines.push(line);
  }
  reopen(): void {
    this.reopened++;
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

function completed(status: number): RequestCompleted {
  return RequestCompleted.make({
    connId: 1,
    requestId: `r${status}`,
    listener: 'web',
    clientAddress: '127.0.0.1',
    clientPort: 40000,
    method: 'GET',
    target: '/',
    httpVersion: '1.1',
    host: 'localhost',
    status,
    bytesIn: 10,
    bytesOut: 20,
    upstreamConnectMs: -1,
    upstreamHeaderMs: -1,
    totalMs: 1,
    termination: 'local-response',
    startedAt: 0,
  });
}

describe('startAccessLog', () => {
  let bus: Bus;
  beforeEach(() => {
    bus = new Bus();
  });
  afterEach(() => bus.close());

  it('writes one line per request.completed event, in order', () => {
    const sink = new MemorySink();
    startAccessLog(bus, { enabled: true, format: '${request_id} ${status}' }, sink);
    bus.publish(completed(200));
    bus.publish(completed(404));
    assert.deepEqual(sink.lines, ['r200 200', 'r404 404']);
  });

  it('subscribes only while running, so the proxy builds no events for it otherwise', () => {
    const sink = new MemorySink();
    assert.equal(bus.hasSubscribers(RequestCompleted), false);
    const log = startAccessLog(bus, { enabled: true, format: 'combined' }, sink);
    assert.equal(bus.hasSubscribers(RequestCompleted), true);
    log.stop();
    assert.equal(bus.hasSubscribers(RequestCompleted), false);
    bus.publish(completed(200));
    assert.deepEqual(sink.lines, []);
  });

  it('subscribes to nothing when disabled, even with a bad format', () => {
    const sink = new MemorySink();
    const log = startAccessLog(bus, { enabled: false, format: '${nope}' }, sink);
    assert.equal(bus.hasSubscribers(RequestCompleted), false);
    log.stop();
  });

  it('throws at start for an unknown token', () => {
    assert.throws(() => startAccessLog(bus, { enabled: true, format: '${nope}' }, new MemorySink()), /unknown access log token \$\{nope\}/);
    assert.equal(bus.hasSubscribers(RequestCompleted), false);
  });

  it('reports a failing sink on the bus and keeps logging', () => {
    const failures: SubscriberFailed[] = [];
    bus.on(SubscriberFailed).subscribe((f) => failures.push(f));
    let calls = 0;
    const sink = new MemorySink();
    const flaky: LineSink = {
      write: (line) => {
        if (calls++ === 0) throw new Error('disk on fire');
        sink.write(line);
      },
      reopen: () => undefined,
      close: () => Promise.resolve(),
    };
    startAccessLog(bus, { enabled: true, format: '${status}' }, flaky);
    bus.publish(completed(500));
    bus.publish(completed(201));
    assert.equal(failures.length, 1);
    assert.equal(failures[0]?.messageType, 'request.completed');
    assert.deepEqual(sink.lines, ['201']);
  });
});
