import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ReopenableFileSink } from '../../src/files/reopenable-file-sink.js';
import { tempDir } from '../helpers.js';

function linesOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  assert.ok(text === '' || text.endsWith('\n'), 'file ends with a newline');
  return text === '' ? [] : text.slice(0, -1).split('\n');
}

describe('ReopenableFileSink', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => {
    tmp = tempDir();
  });
  afterEach(() => tmp.remove());

  it('appends lines to the file, keeping what was there', async () => {
    const file = path.join(tmp.dir, 'access.log');
    writeFileSync(file, 'earlier\n');
    const sink = new ReopenableFileSink(file);
    sink.write('one');
    sink.write('two "quoted"');
    await sink.close();
    assert.deepEqual(linesOf(file), ['earlier', 'one', 'two "quoted"']);
  });

  it('after a rename and reopen writes new lines to a new file at the path, losing none', async () => {
    const file = path.join(tmp.dir, 'access.log');
    const rotated = path.join(tmp.dir, 'access.log.1');
    const sink = new ReopenableFileSink(file);
    const before = Array.from({ length: 5000 }, (_, i) => `before ${i}`);
    const after = Array.from({ length: 5000 }, (_, i) => `after ${i}`);
    // Written in one turn: most of these are still buffered in the stream when the file is renamed.
    for (const line of before) sink.write(line);
    renameSync(file, rotated);
    sink.reopen();
    for (const line of after) sink.write(line);
    await sink.close();
    assert.deepEqual(linesOf(rotated), before);
    assert.deepEqual(linesOf(file), after);
    assert.equal(sink.droppedLines, 0);
  });

  it('survives several rotations in a row', async () => {
    const file = path.join(tmp.dir, 'a.log');
    const sink = new ReopenableFileSink(file);
    for (let round = 1; round <= 3; round++) {
      sink.write(`line ${round}`);
      await new Promise((resolve) => setImmediate(resolve));
      renameSync(file, `${file}.${round}`);
      sink.reopen();
    }
    sink.write('last');
    await sink.close();
    assert.deepEqual(linesOf(`${file}.1`), ['line 1']);
    assert.deepEqual(linesOf(`${file}.2`), ['line 2']);
    assert.deepEqual(linesOf(`${file}.3`), ['line 3']);
    assert.deepEqual(linesOf(file), ['last']);
  });

  it('keeps writing to the old file and reports it when the path cannot be reopened', async () => {
    const file = path.join(tmp.dir, 'access.log');
    const rotated = path.join(tmp.dir, 'access.log.1');
    const errors: Error[] = [];
    const sink = new ReopenableFileSink(file, { onError: (e) => errors.push(e) });
    sink.write('a');
    renameSync(file, rotated);
    mkdirSync(file); // a directory where the file should be: open fails with EISDIR
    sink.reopen();
    sink.write('b');
    await sink.close();
    assert.equal(errors.length, 1);
    assert.match(errors[0]?.message ?? '', /cannot reopen .*still writing to the file opened before/);
    assert.deepEqual(linesOf(rotated), ['a', 'b']);
  });

  it('throws from the constructor when the file cannot be opened', () => {
    assert.throws(() => new ReopenableFileSink(path.join(tmp.dir, 'missing-dir', 'access.log')), /ENOENT/);
  });

  it('drops and counts lines while too much waits for the disk', async () => {
    const file = path.join(tmp.dir, 'slow.log');
    const errors: Error[] = [];
    const sink = new ReopenableFileSink(file, { maxBufferedBytes: 100, onError: (e) => errors.push(e) });
    for (let i = 0; i < 50; i++) sink.write(`line ${i} ${'x'.repeat(20)}`);
    await sink.close();
    assert.ok(sink.droppedLines > 0);
    assert.equal(errors.length, 1, 'reported once per episode');
    assert.equal(linesOf(file).length, 50 - sink.droppedLines);
  });

  it('ignores writes after close', async () => {
    const file = path.join(tmp.dir, 'closed.log');
    const sink = new ReopenableFileSink(file);
    sink.write('kept');
    await sink.close();
    sink.write('dropped');
    sink.reopen();
    await sink.close();
    assert.deepEqual(linesOf(file), ['kept']);
  });
});
