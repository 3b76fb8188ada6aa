import assert from 'node:assert/strict';
import { ChunkedDecoder, type ChunkedDecoderOptions, type ChunkedHandler } from '../../src/http/chunked-decoder.js';
import { CHUNK_DATA_END, LAST_CHUNK, encodeChunkHeader } from '../../src/http/chunk-encoder.js';
import type { HttpErrorCode } from '../../src/http/http-error-codes.js';

/** Records what a decoder emits. */
class Recorder implements ChunkedHandler {
  readonly chunks: Buffer[] = [];
  trailers: string[] | null = null;
  error: HttpErrorCode | null = null;
  ends = 0;
  errors = 0;

  onData(chunk: Buffer): void {
    this.chunks.push(Buffer.from(chunk)); // copy: the test may reuse the input buffer
  }
  onEnd(trailers: string[]): void {
    this.ends++;
    this.trailers = trailers;
  }
  onError(code: HttpErrorCode): void {
    this.errors++;
    this.error = code;
  }
  get body(): string {
    return Buffer.concat(this.chunks).toString('latin1');
  }
}

interface Outcome {
  body: string;
  trailers: string[] | null;
  error: HttpErrorCode | null;
  consumed: number;
  ends: number;
  errors: number;
}

/** Feeds `input` split at the given offsets and returns the outcome, consumed bytes summed across feeds. */
function decode(input: string, splits: number[] = [], options?: ChunkedDecoderOptions): Outcome {
  const buf = Buffer.from(input, 'latin1');
  const rec = new Recorder();
  const decoder = new ChunkedDecoder(rec, options);
  let consumed = 0;
  let from = 0;
  for (const to of [...splits, buf.length]) {
    consumed += decoder.feed(buf, from, to);
    if (decoder.isDone || decoder.isFailed) break;
    from = to;
  }
  return { body: rec.body, trailers: rec.trailers, error: rec.error, consumed, ends: rec.ends, errors: rec.errors };
}

describe('ChunkedDecoder', () => {
  it('decodes chunks and stops at the end of the message', () => {
    const body = '5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n';
    const r = decode(`${body}GET / HTTP/1.1\r\n`);
    assert.equal(r.body, 'hello world');
    assert.deepEqual(r.trailers, []);
    assert.equal(r.consumed, body.length);
    assert.equal(r.ends, 1);
    assert.equal(r.error, null);
  });

  it('accepts upper- and lower-case hex and leading zeros', () => {
    const r = decode(`A\r\n${'x'.repeat(10)}\r\n00000000000000a\r\n${'y'.repeat(10)}\r\n000\r\n\r\n`);
    assert.equal(r.body, 'x'.repeat(10) + 'y'.repeat(10));
    assert.equal(r.ends, 1);
  });

  it('validates and drops chunk extensions', () => {
    const valid = [
      '5;a\r\nhello\r\n0\r\n\r\n',
      '5;a=b\r\nhello\r\n0\r\n\r\n',
      '5;a=b;c=d;e\r\nhello\r\n0\r\n\r\n',
      '5;a="quoted; \\"string\\""\r\nhello\r\n0\r\n\r\n',
      '5 ;a\r\nhello\r\n0\r\n\r\n',
      '5; a = b ;c\r\nhello\r\n0\r\n\r\n',
      '5;a="x" ;b\r\nhello\r\n0;last=1\r\n\r\n',
    ];
    for (const input of valid) {
      const r = decode(input);
      assert.equal(r.error, null, input);
      assert.equal(r.body, 'hello', input);
      assert.equal(r.consumed, input.length, input);
    }
  });

  it('parses trailers with the header-field rules', () => {
    const input = '3\r\nabc\r\n0\r\nX-Checksum: 123\r\nX-Other:  v \r\n\r\nNEXT';
    const r = decode(input);
    assert.equal(r.body, 'abc');
    assert.deepEqual(r.trailers, ['X-Checksum', '123', 'X-Other', 'v']);
    assert.equal(r.consumed, input.length - 4);
  });

  const invalid: [string, string, HttpErrorCode][] = [
    ['negative size', '-1\r\na\r\n0\r\n\r\n', 'ERR_HTTP_CHUNK_SIZE'],
    ['0x prefix', '0x10\r\n', 'ERR_HTTP_CHUNK_SIZE'],
    ['plus sign', '+5\r\nhello\r\n', 'ERR_HTTP_CHUNK_SIZE'],
    ['empty size', '\r\nhello\r\n', 'ERR_HTTP_CHUNK_SIZE'],
    ['space before size', ' 5\r\nhello\r\n', 'ERR_HTTP_CHUNK_SIZE'],
    ['trailing space after size', '1 \r\na\r\n0\r\n\r\n', 'ERR_HTTP_CHUNK_EXT'],
    ['tab after size', '1\t\r\na\r\n0\r\n\r\n', 'ERR_HTTP_CHUNK_EXT'],
    ['garbage after size', '1x\r\na\r\n', 'ERR_HTTP_CHUNK_SIZE'],
    ['17 hex digits', '00000000000000001\r\na\r\n', 'ERR_HTTP_CHUNK_SIZE'],
    ['size beyond safe integer', '20000000000000\r\n', 'ERR_HTTP_CHUNK_SIZE'],
    ['bare LF after size', '1\na\r\n0\r\n\r\n', 'ERR_HTTP_BARE_LF'],
    ['bare CR after size', '1\ra\r\n0\r\n\r\n', 'ERR_HTTP_BARE_CR'],
    ['missing CRLF after data', '1\r\nab\r\n0\r\n\r\n', 'ERR_HTTP_CHUNK_DATA_CRLF'],
    ['LF only after data', '1\r\na\n0\r\n\r\n', 'ERR_HTTP_CHUNK_DATA_CRLF'],
    ['CR only after data', '1\r\na\r0\r\n\r\n', 'ERR_HTTP_CHUNK_DATA_CRLF'],
    ['extension without name', '1;\r\na\r\n0\r\n\r\n', 'ERR_HTTP_CHUNK_EXT'],
    ['extension with empty value', '1;a=\r\na\r\n0\r\n\r\n', 'ERR_HTTP_CHUNK_EXT'],
    ['extension with bad char', '1;a=b@c\r\na\r\n0\r\n\r\n', 'ERR_HTTP_CHUNK_EXT'],
    ['extension with unterminated quote', '1;a="b\r\na\r\n0\r\n\r\n', 'ERR_HTTP_CHUNK_EXT'],
    ['extension with space before CRLF', '1;a=b \r\na\r\n0\r\n\r\n', 'ERR_HTTP_CHUNK_EXT'],
    ['extension with CTL in quotes', '1;a="\x01"\r\na\r\n0\r\n\r\n', 'ERR_HTTP_CHUNK_EXT'],
    ['extension ended by bare LF', '1;a\na\r\n0\r\n\r\n', 'ERR_HTTP_BARE_LF'],
    ['trailer with obs-fold', '0\r\nA: 1\r\n 2\r\n\r\n', 'ERR_HTTP_OBS_FOLD'],
    ['trailer without colon', '0\r\nNoColon\r\n\r\n', 'ERR_HTTP_HEADER_NAME'],
    ['trailer with space before colon', '0\r\nA : 1\r\n\r\n', 'ERR_HTTP_SPACE_BEFORE_COLON'],
    ['trailer with NUL', '0\r\nA: \x00\r\n\r\n', 'ERR_HTTP_HEADER_VALUE'],
    ['trailer with bare LF', '0\r\nA: 1\n\r\n', 'ERR_HTTP_BARE_LF'],
    ['trailer with bare CR', '0\r\nA: 1\rB\r\n\r\n', 'ERR_HTTP_BARE_CR'],
    ['final bare LF', '0\r\n\n', 'ERR_HTTP_BARE_LF'],
    ['final bare CR', '0\r\n\rX', 'ERR_HTTP_BARE_CR'],
  ];
  for (const [name, input, expected] of invalid) {
    it(`refuses ${name} with ${expected}`, () => {
      const r = decode(input);
      assert.equal(r.error, expected);
      assert.equal(r.errors, 1);
      assert.equal(r.ends, 0);
    });
  }

  it('refuses extensions longer than maxExtensionBytes', () => {
    assert.equal(decode(`1;${'a'.repeat(20)}\r\na\r\n0\r\n\r\n`, [], { maxExtensionBytes: 16 }).error, 'ERR_HTTP_CHUNK_EXT');
    assert.equal(decode(`1;${'a'.repeat(14)}\r\na\r\n0\r\n\r\n`, [], { maxExtensionBytes: 16 }).error, null);
  });

  it('refuses a trailer section over its byte or field limit', () => {
    const big = `0\r\nX: ${'v'.repeat(100)}\r\n\r\n`;
    assert.equal(decode(big, [], { maxTrailerBytes: 64 }).error, 'ERR_HTTP_TRAILER_TOO_LARGE');
    const many = '0\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n';
    assert.equal(decode(many, [], { maxTrailerCount: 2 }).error, 'ERR_HTTP_TRAILER_TOO_LARGE');
    assert.deepEqual(decode(many, [], { maxTrailerCount: 3 }).trailers, ['A', '1', 'B', '2', 'C', '3']);
  });

  it('stops consuming after an error and reports it once', () => {
    const buf = Buffer.from('1\r\nab\r\n', 'latin1');
    const rec = new Recorder();
    const decoder = new ChunkedDecoder(rec);
    const used = decoder.feed(buf);
    assert.equal(used, 4); // the offending 'b'
    assert.ok(decoder.isFailed);
    assert.equal(decoder.feed(Buffer.from('0\r\n\r\n')), 0);
    assert.equal(rec.errors, 1);
  });

  it('consumes nothing once done, and can be reset for the next message', () => {
    const rec = new Recorder();
    const decoder = new ChunkedDecoder(rec);
    assert.equal(decoder.feed(Buffer.from('1\r\na\r\n0\r\n\r\n')), 11);
    assert.ok(decoder.isDone);
    assert.equal(decoder.feed(Buffer.from('more')), 0);
    decoder.reset();
    assert.equal(decoder.feed(Buffer.from('2\r\nbc\r\n0\r\n\r\n')), 12);
    assert.equal(rec.body, 'abc');
    assert.equal(rec.ends, 2);
  });

  it('emits views into the input without copying', () => {
    const buf = Buffer.from('5\r\nhello\r\n0\r\n\r\n', 'latin1');
    const views: Buffer[] = [];
    const decoder = new ChunkedDecoder({ onData: (c) => views.push(c), onEnd: () => undefined, onError: () => undefined });
    decoder.feed(buf);
    assert.equal(views.length, 1);
    assert.equal(views[0]?.buffer, buf.buffer);
    assert.equal(views[0]?.byteOffset, buf.byteOffset + 3);
  });

  describe('arbitrary splits', () => {
    const samples = [
      '5\r\nhello\r\n1;ext="a;b"\r\n \r\n10\r\n0123456789abcdef\r\n0\r\nX-T: 1\r\nY: 2\r\n\r\nTAIL',
      'a;x=y\r\n0123456789\r\n0\r\n\r\nGET',
      '3\r\nabc\r\n0\r\n\r\n',
      '3\r\nabc\r\n0\r\nA: b\rc\r\n\r\n',
      '3\r\nabcd\r\n0\r\n\r\n',
      '3\r\nabc\r\n0\r\n\n',
      '3;a=b \r\nabc\r\n0\r\n\r\n',
    ];
    for (const input of samples) {
      it(`gives the same outcome at every split point for ${JSON.stringify(input.slice(0, 30))}`, () => {
        const whole = decode(input);
        for (let split = 0; split <= input.length; split++) {
          assert.deepEqual(decode(input, [split]), whole, `split at ${split}`);
        }
      });
      it(`gives the same outcome fed one byte at a time for ${JSON.stringify(input.slice(0, 30))}`, () => {
        const splits = Array.from({ length: input.length }, (_, i) => i + 1);
        assert.deepEqual(decode(input, splits), decode(input));
      });
    }
  });
});

describe('chunk encoding', () => {
  it('writes the chunk-size line in hex', () => {
    assert.equal(encodeChunkHeader(1).toString('latin1'), '1\r\n');
    assert.equal(encodeChunkHeader(255).toString('latin1'), 'ff\r\n');
    assert.equal(encodeChunkHeader(16384).toString('latin1'), '4000\r\n');
    assert.equal(encodeChunkHeader(1 << 20).toString('latin1'), '100000\r\n');
  });

  it('returns the cached buffer for common sizes', () => {
    assert.equal(encodeChunkHeader(4096), encodeChunkHeader(4096));
  });

  it('refuses a zero, negative or fractional length', () => {
    assert.throws(() => encodeChunkHeader(0), RangeError);
    assert.throws(() => encodeChunkHeader(-1), RangeError);
    assert.throws(() => encodeChunkHeader(1.5), RangeError);
  });

  it('round-trips through the decoder', () => {
    const parts = [Buffer.from('hello'), Buffer.alloc(300, 0x61), Buffer.from([0, 13, 10, 255])];
    const wire = Buffer.concat([...parts.flatMap((p) => [encodeChunkHeader(p.length), p, CHUNK_DATA_END]), LAST_CHUNK]);
    const rec = new Recorder();
    const decoder = new ChunkedDecoder(rec);
    assert.equal(decoder.feed(wire), wire.length);
    assert.deepEqual(Buffer.concat(rec.chunks), Buffer.concat(parts));
    assert.equal(LAST_CHUNK.toString('latin1'), '0\r\n\r\n');
  });
});
