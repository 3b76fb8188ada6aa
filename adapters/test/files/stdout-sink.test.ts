import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { StdoutSink } from '../../src/files/stdout-sink.js';

class Capture extends Writable {
  readonly chunks: string[] = [];
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.chunks.push(chunk.toString('utf8'));
    callback();
  }
}

describe('StdoutSink', () => {
  it('writes the lines of one turn in one write, each with a newline', async () => {
    const out = new Capture();
    const sink = new StdoutSink(out);
    sink.write('a');
    sink.write('b');
    assert.deepEqual(out.chunks, [], 'nothing written synchronously');
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(out.chunks, ['a\nb\n']);
    sink.write('c');
    await sink.close();
    assert.equal(out.chunks.join(''), 'a\nb\nc\n');
  });

  it('reports a failing stream once and then drops lines', async () => {
    const errors: Error[] = [];
    const out = new Writable({
      write: (_chunk, _encoding, callback) => callback(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' })),
    });
    const sink = new StdoutSink(out, { onError: (e) => errors.push(e) });
    sink.write('a');
    await new Promise((resolve) => setTimeout(resolve, 20));
    sink.write('b');
    await sink.close();
    assert.equal(errors.length, 1);
    assert.match(errors[0]?.message ?? '', /EPIPE/);
    assert.equal(sink.droppedLines, 1);
  });
});
