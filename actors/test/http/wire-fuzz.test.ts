import assert from 'node:assert/strict';
import { ChunkedDecoder, type ChunkedHandler } from '../../src/http/chunked-decoder.js';
import type { HttpErrorCode } from '../../src/http/http-error-codes.js';
import { normalizePath } from '../../src/http/path-normalizer.js';
import { parseRequestHead, type HeadLimits, type RequestHead } from '../../src/http/request-head-parser.js';
import { writeRequestHead } from './head-bytes.js';

const LIMITS: HeadLimits = { maxHeadBytes: 4096, maxHeaderCount: 30, maxTargetBytes: 512 };

/** A small deterministic PRNG (mulberry32), so every run mutates the same way. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The bytes that sit on parser decision points. */
const ALPHABET = Buffer.from('\r\n \t:;,=%"/.?#*@[]\\\x00\x01\x7f\x80\xff0129afAF-_xXHT', 'latin1');

function mutate(base: Buffer, random: () => number): Buffer {
  const bytes = [...base];
  const edits = 1 + Math.floor(random() * 3);
  for (let e = 0; e < edits; e++) {
    const at = Math.floor(random() * bytes.length);
    const b = ALPHABET[Math.floor(random() * ALPHABET.length)] as number;
    const op = random();
    if (op < 0.4) bytes[at] = b;
    else if (op < 0.8) bytes.splice(at, 0, b);
    else bytes.splice(at, 1);
  }
  return Buffer.from(bytes);
}

const FRAMING_NAMES = new Set(['content-length', 'transfer-encoding']);

function withoutFraming(headers: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < headers.length; i += 2) {
    if (!FRAMING_NAMES.has((headers[i] as string).toLowerCase())) out.push(headers[i] as string, headers[i + 1] as string);
  }
  return out;
}

function comparable(head: RequestHead): unknown {
  return { ...head, headers: withoutFraming(head.headers) };
}

describe('wire layer under mutated input', () => {
  const requests = [
    'GET /a/b?c=d HTTP/1.1\r\nHost: example.com\r\nConnection: keep-alive\r\nAccept: */*\r\n\r\n',
    'POST http://h.example:8080/p HTTP/1.1\r\nHost: h.example\r\nContent-Length: 10\r\nExpect: 100-continue\r\n\r\n',
    'PUT /x HTTP/1.1\r\nHost: [::1]:80\r\nTransfer-Encoding: chunked\r\nTE: trailers\r\n\r\n',
    'OPTIONS * HTTP/1.0\r\nConnection: keep-alive, x-a\r\nX-A: 1\r\n\r\n',
  ];

  it('never throws, answers the same at any split, and round-trips every head it accepts', () => {
    const random = prng(20261122);
    let accepted = 0;
    for (let round = 0; round < 3000; round++) {
      const input = mutate(Buffer.from(requests[round % requests.length] as string, 'latin1'), random);
      const whole = parseRequestHead(input, 0, input.length, LIMITS);
      const split = Math.floor(random() * input.length);
      const partial = parseRequestHead(input, 0, split, LIMITS);
      if (partial.kind !== 'incomplete') assert.deepEqual(partial, whole, `${JSON.stringify(input.toString('latin1'))} split at ${split}`);
      if (whole.kind !== 'head') continue;
      accepted++;
      const h = whole.head;
      const written = writeRequestHead(h.method, h.target, h.versionMinor, h.headers, h.framing);
      assert.ok(written !== null, JSON.stringify(input.toString('latin1')));
      const again = parseRequestHead(written, 0, written.length, LIMITS);
      assert.ok(again.kind === 'head', JSON.stringify(written.toString('latin1')));
      if (again.kind === 'head') assert.deepEqual(comparable(again.head), comparable(h));
      const path = normalizePath(h.path);
      if (path.ok) assert.deepEqual(normalizePath(path.path), path, `normalization is idempotent for ${h.path}`);
    }
    assert.ok(accepted > 100, `only ${accepted} mutated heads were accepted; the fuzz is not reaching the writer`);
  });

  it('decodes mutated chunked bodies the same whole and byte by byte, and never throws', () => {
    const random = prng(7);
    const body = Buffer.from('5;a=b\r\nhello\r\n3\r\nabc\r\n0\r\nX-T: 1\r\n\r\nNEXT', 'latin1');
    for (let round = 0; round < 1500; round++) {
      const input = mutate(body, random);
      assert.deepEqual(decodeBytewise(input), decodeWhole(input), JSON.stringify(input.toString('latin1')));
    }
  });
});

interface Outcome {
  data: string;
  end: string[] | null;
  error: HttpErrorCode | null;
  consumed: number;
}

class Sink implements ChunkedHandler {
  data = '';
  end: string[] | null = null;
  error: HttpErrorCode | null = null;
  onData(chunk: Buffer): void {
    this.data += chunk.toString('latin1');
  }
  onEnd(trailers: string[]): void {
    this.end = trailers;
  }
  onError(code: HttpErrorCode): void {
    this.error = code;
  }
}

function decodeWhole(input: Buffer): Outcome {
  const sink = new Sink();
  const consumed = new ChunkedDecoder(sink).feed(input);
  return { data: sink.data, end: sink.end, error: sink.error, consumed };
}

function decodeBytewise(input: Buffer): Outcome {
  const sink = new Sink();
  const decoder = new ChunkedDecoder(sink);
  let consumed = 0;
  for (let i = 0; i < input.length && !decoder.isDone && !decoder.isFailed; i++) consumed += decoder.feed(input, i, i + 1);
  return { data: sink.data, end: sink.end, error: sink.error, consumed };
}
