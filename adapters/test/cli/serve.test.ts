import assert from 'node:assert/strict';
import { serveUntilSignalled } from '../../src/cli/serve.js';
import { FakeIo, RecordingLogger } from './fakes.js';

describe('serveUntilSignalled', () => {
  function setup(closeImpl: () => Promise<void> = async () => undefined) {
    const io = new FakeIo();
    const logger = new RecordingLogger();
    const events: string[] = [];
    const node = {
      close: async (options?: { graceMs?: number }) => {
        events.push(`close ${options?.graceMs}`);
        await closeImpl();
      },
    };
    const done = serveUntilSignalled({
      io,
      node,
      logger,
      graceMs: 1234,
      onReload: () => events.push('reload'),
      onReopenLogs: () => events.push('reopen'),
      onStopping: () => events.push('stopping'),
      afterClose: async () => void events.push('afterClose'),
    });
    return { io, logger, events, done };
  }

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`closes the node with the grace period on ${signal} and resolves 0`, async () => {
      const { io, events, done } = setup();
      io.signal(signal);
      assert.equal(await done, 0);
      assert.deepEqual(events, ['stopping', 'close 1234', 'afterClose']);
      assert.equal(io.listenerCount('SIGTERM') + io.listenerCount('SIGHUP'), 0, 'signal handlers removed');
    });
  }

  it('reloads on SIGHUP and reopens logs on SIGUSR1, and keeps serving', async () => {
    const { io, events, done } = setup();
    io.signal('SIGHUP');
    io.signal('SIGUSR1');
    io.signal('SIGHUP');
    assert.deepEqual(events, ['reload', 'reopen', 'reload']);
    io.signal('SIGTERM');
    assert.equal(await done, 0);
  });

  it('resolves 1 at once on a second stop signal while closing', async () => {
    const { io, logger, done } = setup(() => new Promise(() => undefined));
    io.signal('SIGTERM');
    io.signal('SIGINT');
    assert.equal(await done, 1);
    assert.ok(logger.messages('warn').includes('second stop signal: exiting without waiting'));
  });

  it('gives up with 1 when closing outlasts the grace period and the margin', async () => {
    const io = new FakeIo();
    const logger = new RecordingLogger();
    const done = serveUntilSignalled({ io, node: { close: () => new Promise(() => undefined) }, logger, graceMs: 10, shutdownMarginMs: 10 });
    io.signal('SIGTERM');
    assert.equal(await done, 1);
    assert.ok(logger.messages('error').includes('shutdown did not finish in time: exiting'));
  });

  it('resolves 1 when closing fails', async () => {
    const { io, done } = setup(async () => Promise.reject(new Error('stuck')));
    io.signal('SIGTERM');
    assert.equal(await done, 1);
  });
});
