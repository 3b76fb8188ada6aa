import assert from 'node:assert/strict';
import { readFileSync, renameSync } from 'node:fs';
import path from 'node:path';
import type { LineSink } from '@switchyard/actors';
import { AccessLogConfig } from '@switchyard/config';
import { Bus, RequestCompleted } from '@switchyard/core';
import { AccessLogController, openDefaultSink } from '../../src/cli/access-log-controller.js';
import { tempDir } from '../helpers.js';
import { RecordingLogger } from './fakes.js';
import { requestCompleted } from './request-event.js';

class MemorySink implements LineSink {
  readonly lines: string[] = [];
  reopened = 0;
  isClosed = false;
  constructor(readonly name: string) {}
  write(line: string): void {
    this.lines.push(line);
  }
  reopen(): void {
    this.reopened++;
  }
  async close(): Promise<void> {
    this.isClosed = true;
  }
}

const settings = (input: Partial<AccessLogConfig> = {}): AccessLogConfig => AccessLogConfig.parse(input);

describe('AccessLogController', () => {
  let bus: Bus;
  let logger: RecordingLogger;
  let sinks: MemorySink[];
  let failOpen: Error | undefined;
  let controller: AccessLogController;
  beforeEach(() => {
    bus = new Bus();
    logger = new RecordingLogger();
    sinks = [];
    failOpen = undefined;
    controller = new AccessLogController({
      bus,
      logger,
      openSink: (s) => {
        if (failOpen !== undefined) throw failOpen;
        const sink = new MemorySink(s.path ?? 'stdout');
        sinks.push(sink);
        return sink;
      },
    });
  });
  afterEach(async () => {
    await controller.close();
    bus.close();
  });

  it('writes lines in the configured format', () => {
    controller.start(settings({ format: '${status} ${target}' }));
    bus.publish(requestCompleted({ target: '/a' }));
    assert.deepEqual(sinks[0]?.lines, ['200 /a']);
  });

  it('restarts with a new sink when the settings change, and closes the old one', () => {
    controller.start(settings({ format: '${status}' }));
    controller.update(settings({ format: '${status}' }));
    assert.equal(sinks.length, 1, 'same settings: nothing to do');
    controller.update(settings({ format: '${target}', path: '/var/log/a.log' }));
    bus.publish(requestCompleted({ target: '/b' }));
    assert.equal(sinks.length, 2);
    assert.deepEqual(sinks[0]?.lines, []);
    assert.equal(sinks[0]?.isClosed, true);
    assert.deepEqual(sinks[1]?.lines, ['/b']);
    assert.equal(sinks[1]?.name, '/var/log/a.log');
  });

  it('keeps the running log when the new sink cannot be opened', () => {
    controller.start(settings({ format: '${status}' }));
    failOpen = new Error('EACCES: permission denied');
    controller.update(settings({ path: '/root/nope.log' }));
    bus.publish(requestCompleted());
    assert.deepEqual(sinks[0]?.lines, ['200']);
    assert.ok(logger.messages('error').includes('access log settings not applied; the previous access log keeps running'));
  });

  it('subscribes to nothing while disabled, and starts when enabled by a reload', () => {
    controller.start(settings({ enabled: false }));
    assert.equal(bus.hasSubscribers(RequestCompleted), false);
    assert.equal(sinks.length, 0);
    controller.update(settings({ enabled: true, format: '${status}' }));
    bus.publish(requestCompleted());
    assert.deepEqual(sinks[0]?.lines, ['200']);
  });

  it('passes reopen on to the sink', () => {
    controller.start(settings());
    controller.reopen();
    assert.equal(sinks[0]?.reopened, 1);
  });

  it('stops and closes the sink on close', async () => {
    controller.start(settings());
    await controller.close();
    assert.equal(bus.hasSubscribers(RequestCompleted), false);
    assert.equal(sinks[0]?.isClosed, true);
  });
});

describe('openDefaultSink', () => {
  it('appends to the file at path, and reopens it after a rotation', async () => {
    const tmp = tempDir();
    try {
      const bus = new Bus();
      const file = path.join(tmp.dir, 'access.log');
      const controller = new AccessLogController({ bus, logger: new RecordingLogger(), openSink: openDefaultSink });
      controller.start(settings({ path: file, format: '${request_id}' }));
      bus.publish(requestCompleted({ requestId: 'before' }));
      renameSync(file, `${file}.1`);
      controller.reopen();
      bus.publish(requestCompleted({ requestId: 'after' }));
      await controller.close();
      bus.close();
      assert.equal(readFileSync(`${file}.1`, 'utf8'), 'before\n');
      assert.equal(readFileSync(file, 'utf8'), 'after\n');
    } finally {
      tmp.remove();
    }
  });
});
