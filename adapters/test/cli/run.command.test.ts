import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, type Config } from '@switchyard/config';
import { runCommand, type RunDeps } from '../../src/cli/commands/run.command.js';
import type { ProxyNodeOptions } from '@switchyard/actors';
import { delay, tempDir, waitFor } from '../helpers.js';
import { config, FakeIo, FakeNode, RecordingLogger } from './fakes.js';
import { requestCompleted } from './request-event.js';

describe('run command (with a fake node)', () => {
  let tmp: ReturnType<typeof tempDir>;
  let io: FakeIo;
  let logger: RecordingLogger;
  let node: FakeNode | undefined;
  let nodeOptions: ProxyNodeOptions | undefined;
  let next: Readonly<Config> | Error;
  let loaded: string[];
  let deps: RunDeps;

  beforeEach(() => {
    tmp = tempDir();
    io = new FakeIo(tmp.dir);
    logger = new RecordingLogger();
    node = undefined;
    loaded = [];
    deps = {
      load: async (file) => {
        loaded.push(file);
        if (next instanceof Error) throw next;
        return next;
      },
      startNode: async (c, options) => {
        nodeOptions = options;
        node = new FakeNode(c, options.bus);
        return node;
      },
      createLogger: (level) => {
        logger.level = level;
        return logger;
      },
      startAdmin: () => Promise.reject(new Error('these configs have no admin section')),
    };
  });
  afterEach(() => tmp.remove());

  it('exits 1 before starting anything when the config is invalid, printing every problem', async () => {
    next = new ConfigError('ERR_CONFIG_INVALID', [
      { path: 'routes.0.forward.upstream', message: 'unknown upstream "x"', line: 7, column: 5 },
      { path: 'listeners.0.address', message: 'invalid port' },
    ]);
    const code = await runCommand(['--config', 'bad.yaml'], io, deps);
    assert.equal(code, 1);
    assert.equal(node, undefined);
    const file = path.join(tmp.dir, 'bad.yaml');
    assert.ok(io.err.includes(`${file}:7:5: routes.0.forward.upstream: unknown upstream "x"`), io.err);
    assert.ok(io.err.includes(`${file}: listeners.0.address: invalid port`), io.err);
  });

  it('serves, reloads on SIGHUP, keeps the last good config on a bad reload, and exits 0 on SIGTERM', async () => {
    const logFile = path.join(tmp.dir, 'access.log');
    next = config({ server: { accessLog: { path: logFile, format: '${request_id}' } }, log: { level: 'warn' } });
    const done = runCommand(['-c', 'switchyard.yaml', '--grace', '3s', '--node-name', 'edge-1'], io, deps);
    await waitFor(() => logger.messages().includes('listening'), 2000, 'listening');
    assert.equal(logger.level, 'warn');
    assert.equal(nodeOptions?.nodeName, 'edge-1');
    assert.equal(nodeOptions?.logger, logger);
    const fake = node as FakeNode;
    assert.deepEqual(logger.lines.find((l) => l.message === 'listening')?.fields['address'], '127.0.0.1:40000');

    fake.bus.publish(requestCompleted({ requestId: 'first' }));

    next = config({ routes: [{ name: 'new', respond: { body: 'x' } }], server: { accessLog: { path: logFile, format: 'new ${request_id}' } }, log: { level: 'debug' } });
    io.signal('SIGHUP');
    await waitFor(() => fake.applied.length === 1, 2000, 'the reload');
    assert.equal(fake.applied[0]?.source, path.join(tmp.dir, 'switchyard.yaml'));
    assert.equal(logger.level, 'debug', 'log level follows the config');
    fake.bus.publish(requestCompleted({ requestId: 'second' }));

    next = new ConfigError('ERR_CONFIG_INVALID', [{ path: 'routes.0.name', message: 'invalid name' }]);
    io.signal('SIGHUP');
    await waitFor(() => logger.messages('error').includes('config problem: routes.0.name: invalid name'), 2000, 'the problem to be logged');
    assert.equal(fake.applied.length, 1);
    fake.bus.publish(requestCompleted({ requestId: 'third' }));

    io.signal('SIGTERM');
    assert.equal(await done, 0);
    assert.deepEqual(fake.closed, [{ graceMs: 3000 }]);
    assert.equal(readFileSync(logFile, 'utf8'), 'first\nnew second\nnew third\n');
    assert.equal(loaded.length, 3);
  });

  it('keeps --log-level over the config on reload', async () => {
    next = config({ log: { level: 'error' }, server: { accessLog: { enabled: false } } });
    const done = runCommand(['--log-level', 'debug'], io, deps);
    await waitFor(() => node !== undefined);
    assert.equal(logger.level, 'debug');
    next = config({ log: { level: 'warn' }, server: { accessLog: { enabled: false } } });
    io.signal('SIGHUP');
    await waitFor(() => (node as FakeNode).applied.length === 1);
    assert.equal(logger.level, 'debug');
    io.signal('SIGINT');
    assert.equal(await done, 0);
  });

  it('exits 1 when the node cannot start', async () => {
    next = config({ server: { accessLog: { enabled: false } } });
    deps.startNode = async () => {
      throw Object.assign(new Error('listen EADDRINUSE'), { code: 'EADDRINUSE' });
    };
    assert.equal(await runCommand([], io, deps), 1);
    assert.ok(logger.messages('error').includes('the proxy could not start'));
    assert.equal(loaded[0], path.join(tmp.dir, 'switchyard.yaml'), 'default config name');
  });

  it('rejects a bad --grace or --log-level as usage errors', async () => {
    next = config();
    await assert.rejects(runCommand(['--grace', 'soon'], io, deps), /--grace expects a duration/);
    await assert.rejects(runCommand(['--log-level', 'loud'], io, deps), /--log-level expects one of/);
    await delay(0);
  });
});
