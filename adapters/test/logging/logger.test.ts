import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createLogger } from '../../src/logging/logger.js';

function capture(): { lines: () => Record<string, unknown>[]; destination: { write(s: string): void } } {
  const raw: string[] = [];
  return {
    destination: { write: (s: string) => void raw.push(s) },
    lines: () => raw.join('').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

describe('createLogger', () => {
  it('writes one JSON object per line with level label, ISO time, fields and message', () => {
    const out = capture();
    const logger = createLogger({ destination: out.destination, bindings: { node: 'edge-1' } });
    logger.info({ listener: 'web', port: 8080 }, 'listening');
    const [line] = out.lines();
    assert.equal(line?.['level'], 'info');
    assert.equal(line?.['msg'], 'listening');
    assert.equal(line?.['listener'], 'web');
    assert.equal(line?.['port'], 8080);
    assert.equal(line?.['node'], 'edge-1');
    assert.equal(line?.['pid'], process.pid);
    assert.match(String(line?.['time']), /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  });

  it('drops lines below the level, and a level change reaches children made before it', () => {
    const out = capture();
    const logger = createLogger({ level: 'warn', destination: out.destination });
    const child = logger.child({ component: 'reloader' });
    child.info({}, 'hidden');
    child.warn({}, 'shown');
    logger.setLevel('debug');
    assert.equal(logger.level, 'debug');
    child.debug({}, 'now shown');
    logger.setLevel('silent');
    child.error({}, 'silenced');
    const lines = out.lines();
    assert.deepEqual(lines.map((l) => l['msg']), ['shown', 'now shown']);
    assert.deepEqual(lines.map((l) => l['component']), ['reloader', 'reloader']);
  });

  it('serializes errors under err and error with message, stack and cause', () => {
    const out = capture();
    const logger = createLogger({ destination: out.destination });
    const cause = new Error('EADDRINUSE');
    logger.error({ err: new Error('bind failed', { cause }) }, 'a');
    logger.error({ error: new TypeError('bad') }, 'b');
    const [a, b] = out.lines() as [Record<string, Record<string, unknown>>, Record<string, Record<string, unknown>>];
    assert.equal(a['err']?.['message'], 'bind failed: EADDRINUSE');
    assert.match(String(a['err']?.['stack']), /bind failed/);
    assert.equal(b['error']?.['type'], 'TypeError');
    assert.equal(b['error']?.['message'], 'bad');
  });

  it('writes to stderr by default, leaving stdout to the access log', () => {
    const loggerUrl = new URL('../../src/logging/logger.js', import.meta.url).href;
    const script = `const { createLogger } = await import(${JSON.stringify(loggerUrl)}); createLogger().info({ a: 1 }, 'to stderr');`;
    const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout, '');
    const line = JSON.parse(result.stderr.trim()) as Record<string, unknown>;
    assert.equal(line['msg'], 'to stderr');
    assert.equal(line['a'], 1);
  });
});
