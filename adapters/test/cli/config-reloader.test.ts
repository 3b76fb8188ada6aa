import assert from 'node:assert/strict';
import { ConfigNotAppliedError } from '@switchyard/actors';
import { ConfigError, type Config } from '@switchyard/config';
import { ConfigRejected } from '@switchyard/core';
import { ConfigReloader } from '../../src/cli/config-reloader.js';
import { config, FakeNode, RecordingLogger } from './fakes.js';

const FILE = '/etc/switchyard/switchyard.yaml';

function respondConfig(body: string): Readonly<Config> {
  return config({ routes: [{ name: 'hi', respond: { body } }] });
}

function invalid(...problems: { path: string; message: string; line?: number }[]): ConfigError {
  return new ConfigError('ERR_CONFIG_INVALID', problems, { file: FILE });
}

describe('ConfigReloader', () => {
  let node: FakeNode;
  let logger: RecordingLogger;
  beforeEach(() => {
    node = new FakeNode(respondConfig('one'));
    logger = new RecordingLogger();
  });
  afterEach(() => node.bus.close());

  it('applies a good config with the file as source and remembers it as the last good one', async () => {
    const next = respondConfig('two');
    const applied: Readonly<Config>[] = [];
    const reloader = new ConfigReloader({ node, file: FILE, logger, load: async () => next, onApplied: (c) => void applied.push(c) });
    const result = await reloader.reload({ reason: 'SIGHUP' });
    assert.deepEqual(result, { ok: true, version: 2, config: next, isUnchanged: false });
    assert.deepEqual(node.applied, [{ config: next, source: FILE }]);
    assert.equal(reloader.lastGood, next);
    assert.deepEqual(applied, [next]);
    const appliedLine = logger.lines.find((l) => l.message === 'config reloaded');
    assert.deepEqual(appliedLine?.fields['routes'], { added: [], removed: [], changed: ['hi'] });
  });

  it('does not apply a bad config, reports every problem and keeps the last good one', async () => {
    const good = node.config;
    const reloader = new ConfigReloader({
      node,
      file: FILE,
      logger,
      load: async () => {
        throw invalid({ path: 'routes.0.forward.upstream', message: 'unknown upstream "x"', line: 4 }, { path: 'listeners', message: 'at least one listener is required' });
      },
    });
    const result = await reloader.reload({ reason: 'SIGHUP' });
    assert.equal(result.ok, false);
    assert.ok(!result.ok);
    assert.deepEqual(result.problems.map((p) => p.path), ['routes.0.forward.upstream', 'listeners']);
    assert.equal(result.keptVersion, 1);
    assert.deepEqual(node.applied, []);
    assert.equal(reloader.lastGood, good);
    const errors = logger.messages('error');
    assert.ok(errors.includes('config problem: routes.0.forward.upstream: unknown upstream "x"'), errors.join('\n'));
    assert.ok(errors.includes('config problem: listeners: at least one listener is required'));
    assert.ok(errors.includes('config is invalid; still serving version 1'));
    assert.equal(logger.lines.find((l) => l.message.startsWith('config problem: routes'))?.fields['line'], 4);
  });

  it('announces a file that fails to load as config.rejected on the bus', async () => {
    const seen: ConfigRejected[] = [];
    node.bus.on(ConfigRejected).subscribe((m) => seen.push(m));
    const reloader = new ConfigReloader({ node, file: FILE, logger, bus: node.bus, load: async () => Promise.reject(invalid({ path: 'x', message: 'bad' })) });
    await reloader.reload({ reason: 'watch' });
    assert.deepEqual(seen.map(({ source, problems, keptVersion }) => ({ source, problems, keptVersion })), [
      { source: FILE, problems: [{ path: 'x', message: 'bad' }], keptVersion: 1 },
    ]);
  });

  it('keeps the last good config when the node rejects the new one', async () => {
    const good = node.config;
    node.failNextApply = Object.assign(new Error('listen EADDRINUSE: address already in use 127.0.0.1:80'), { code: 'EADDRINUSE' });
    const reloader = new ConfigReloader({ node, file: FILE, logger, load: async () => respondConfig('two') });
    const result = await reloader.reload({ reason: 'SIGHUP' });
    assert.ok(!result.ok);
    assert.deepEqual(result.problems, [{ path: '', message: 'listen EADDRINUSE: address already in use 127.0.0.1:80' }]);
    assert.equal(reloader.lastGood, good);
    assert.ok(logger.messages('error').includes('config could not be applied; still serving version 1'));
  });

  it("reports the node's own problems when it refuses a valid config", async () => {
    node.failNextApply = new ConfigNotAppliedError([{ path: 'upstreams.0.balance', message: 'balance "random" is not available in this version yet' }]);
    const reloader = new ConfigReloader({ node, file: FILE, logger, load: async () => respondConfig('two') });
    const result = await reloader.reload({ reason: 'SIGHUP' });
    assert.ok(!result.ok);
    assert.deepEqual(result.problems, [{ path: 'upstreams.0.balance', message: 'balance "random" is not available in this version yet' }]);
    assert.ok(logger.messages('error').includes('config problem: upstreams.0.balance: balance "random" is not available in this version yet'));
  });

  it('recovers: a good file after a bad one is applied', async () => {
    let next: Readonly<Config> | Error = invalid({ path: 'routes', message: 'broken' });
    const reloader = new ConfigReloader({ node, file: FILE, logger, load: async () => (next instanceof Error ? Promise.reject(next) : next) });
    assert.equal((await reloader.reload({ reason: 'SIGHUP' })).ok, false);
    next = respondConfig('fixed');
    assert.equal((await reloader.reload({ reason: 'SIGHUP' })).ok, true);
    assert.equal(node.applied.length, 1);
  });

  it('skips apply for an unchanged file when asked to (file watching), but not on SIGHUP', async () => {
    const same = respondConfig('one');
    const reloader = new ConfigReloader({ node, file: FILE, logger, load: async () => same });
    const watched = await reloader.reload({ reason: 'watch', skipUnchanged: true });
    assert.ok(watched.ok && watched.isUnchanged);
    assert.equal(node.applied.length, 0);
    await reloader.reload({ reason: 'SIGHUP' });
    assert.equal(node.applied.length, 1);
  });

  it('runs reloads one at a time, and a burst of requests during one costs one more reload', async () => {
    let loads = 0;
    let release!: () => void;
    node.applyGate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const reloader = new ConfigReloader({ node, file: FILE, logger, load: async () => respondConfig(`v${++loads}`) });
    const first = reloader.reload({ reason: 'watch' });
    await new Promise((resolve) => setImmediate(resolve));
    const burst = [reloader.reload({ reason: 'watch' }), reloader.reload({ reason: 'watch' }), reloader.reload({ reason: 'watch' })];
    assert.equal(loads, 1, 'the queued reloads wait for the running one');
    release();
    await first;
    const results = await Promise.all(burst);
    assert.equal(loads, 2);
    assert.equal(node.applied.length, 2);
    assert.ok(results.every((r) => r.ok && r.version === 3));
  });

  it('logs a failing follow-up step without undoing the reload', async () => {
    const reloader = new ConfigReloader({
      node,
      file: FILE,
      logger,
      load: async () => respondConfig('two'),
      onApplied: () => {
        throw new Error('access log path not writable');
      },
    });
    const result = await reloader.reload({ reason: 'SIGHUP' });
    assert.equal(result.ok, true);
    assert.ok(logger.messages('error').includes('config reloaded, but a follow-up step failed'));
  });
});
