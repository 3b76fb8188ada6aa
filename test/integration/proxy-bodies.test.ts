// Large bodies stream through intact (sha256 at the other end) and without the proxy holding them in memory.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import { Closers } from '../helpers/closers.js';
import { startHttpOrigin, type Echo } from '../helpers/http-origin.js';
import { startProxyProcess } from '../helpers/proxy-process.js';
import { startProxy, upstream } from '../helpers/start-proxy.js';

const MB = 1024 * 1024;
const BODY_BYTES = 10 * MB;
const PIECE = 64 * 1024;

function sha256(buf: Buffer): string {
  return createHash('sha256').update(buf).digest('hex');
}

interface Received {
  status: number;
  headers: http.IncomingHttpHeaders;
  bytes: number;
  sha256: string;
  body: Buffer | undefined;
}

/**
 * Sends `body` in PIECE-sized writes (respecting backpressure), with Content-Length or chunked;
 * hashes the response as it arrives. `readDelayMs` holds the response unread that long first.
 */
function send(url: string, body: Buffer | undefined, options: { chunked?: boolean; readDelayMs?: number; method?: string } = {}): Promise<Received> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {};
    if (body !== undefined && options.chunked !== true) headers['content-length'] = String(body.length);
    const req = http.request(url, { method: options.method ?? (body === undefined ? 'GET' : 'POST'), headers, agent: false, timeout: 30_000 }, (res) => {
      const hash = createHash('sha256');
      let bytes = 0;
      const parts: Buffer[] = [];
      const consume = (): void => {
        res.on('data', (chunk: Buffer) => {
          bytes += chunk.length;
          hash.update(chunk);
          if (bytes <= 64 * 1024) parts.push(chunk);
        });
        res.resume();
      };
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, bytes, sha256: hash.digest('hex'), body: bytes <= 64 * 1024 ? Buffer.concat(parts) : undefined }));
      res.on('error', reject);
      if (options.readDelayMs === undefined) consume();
      else {
        res.pause();
        setTimeout(consume, options.readDelayMs);
      }
    });
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    if (body === undefined) {
      req.end();
      return;
    }
    let offset = 0;
    const pump = (): void => {
      while (offset < body.length) {
        const piece = body.subarray(offset, offset + PIECE);
        offset += piece.length;
        if (!req.write(piece)) {
          req.once('drain', pump);
          return;
        }
      }
      req.end();
    };
    pump();
  });
}

/** An origin handler that streams `body` back in PIECE-sized writes, with Content-Length or chunked. */
function streamBack(body: Buffer, chunked: boolean) {
  return (_req: http.IncomingMessage, res: http.ServerResponse): boolean => {
    if (!chunked) res.setHeader('content-length', body.length);
    let offset = 0;
    const pump = (): void => {
      while (offset < body.length) {
        const piece = body.subarray(offset, offset + PIECE);
        offset += piece.length;
        if (!res.write(piece)) {
          res.once('drain', pump);
          return;
        }
      }
      res.end();
    };
    pump();
    return true;
  };
}

describe('proxy bodies (integration)', function () {
  this.timeout(60_000);
  const closers = new Closers();
  afterEach(() => closers.closeAll());
  const body = randomBytes(BODY_BYTES);
  const bodyHash = sha256(body);

  const config = (originAddress: string) => ({
    server: { limits: { maxBodySize: '64mb' } },
    routes: [{ name: 'all', forward: { upstream: 'o' } }],
    upstreams: [upstream('o', [originAddress])],
  });

  for (const chunked of [false, true]) {
    const framing = chunked ? 'chunked' : 'Content-Length';

    it(`streams a 10 MB request body (${framing}) to the origin intact`, async () => {
      const origin = await startHttpOrigin('o', closers);
      const proxy = await startProxy(config(origin.address), closers);
      const res = await send(`${proxy.url}/upload`, body, { chunked });
      assert.equal(res.status, 200);
      const echo = JSON.parse((res.body as Buffer).toString()) as Echo;
      assert.equal(echo.bodyBytes, BODY_BYTES);
      assert.equal(echo.bodySha256, bodyHash);
      assert.equal(echo.headers['transfer-encoding'], chunked ? 'chunked' : undefined);
      assert.equal(echo.headers['content-length'], chunked ? undefined : String(BODY_BYTES));
    });

    it(`streams a 10 MB response body (${framing}) to the client intact`, async () => {
      const origin = await startHttpOrigin('o', closers, streamBack(body, chunked));
      const proxy = await startProxy(config(origin.address), closers);
      const res = await send(`${proxy.url}/download`, undefined);
      assert.equal(res.status, 200);
      assert.equal(res.bytes, BODY_BYTES);
      assert.equal(res.sha256, bodyHash);
      assert.equal(res.headers['transfer-encoding'], chunked ? 'chunked' : undefined);
    });
  }

  // A small answer leaves as one latin1 string, head and body joined: every byte value must survive
  // that, on either side of the size where the proxy switches to a head write plus a body write.
  it('relays small binary bodies (every byte value) with their head intact, joined or not', async () => {
    const sizes = [1, 256, 4096, 16_000, 16_384, 20_000];
    const bodies = sizes.map((size) => Buffer.from(Array.from({ length: size }, (_, i) => (i * 7 + 128) & 0xff)));
    const origin = await startHttpOrigin('o', closers, (req, res) => {
      const body = bodies[Number(new URL(req.url ?? '/', 'http://x').searchParams.get('i'))] as Buffer;
      res.setHeader('content-type', 'application/octet-stream');
      res.setHeader('x-origin-note', 'caf\u00e9');
      res.end(body);
      return true;
    });
    const proxy = await startProxy(config(origin.address), closers);
    for (let i = 0; i < sizes.length; i++) {
      const res = await send(`${proxy.url}/small?i=${i}`, undefined);
      assert.equal(res.status, 200, `size ${sizes[i]}`);
      assert.equal(res.headers['content-length'], String(sizes[i]));
      assert.equal(res.headers['content-type'], 'application/octet-stream');
      assert.equal(res.headers['x-origin-note'], 'caf\u00e9', 'an obs-text byte in a field value survives');
      assert.deepEqual(res.body, bodies[i], `size ${sizes[i]}: body bytes differ`);
    }
  });

  // The proxy runs in its own process so that its memory is its own, sampled after a forced GC
  // (passing N bytes allocates N bytes of short-lived buffers whatever the design; what matters is
  // what stays live). The far side holds the body unread for a while, and the body is larger than
  // loopback socket buffers can absorb: a proxy that ignored backpressure would hold most of it.
  describe('memory stays bounded while the far side is slow', () => {
    const MEM_BODY_BYTES = 32 * MB;
    const memBody = randomBytes(MEM_BODY_BYTES);
    const memHash = sha256(memBody);
    // Downloads to a late reader were measured at ~4 MB live, once 9.1 MB (see the closing note of
    // 2026-11-22: not yet explained); a proxy ignoring backpressure holds most of the 32 MB body.
    const MAX_LIVE_BUFFERS = 12 * MB;
    const MAX_RSS_GROWTH = 12 * MB;

    function assertBounded(base: { rss: number }, peak: { rss: number; arrayBuffers: number }): void {
      const growth = peak.rss - base.rss;
      assert.ok(peak.arrayBuffers < MAX_LIVE_BUFFERS, `the proxy held ${(peak.arrayBuffers / MB).toFixed(1)} MB of buffers for a 32 MB body`);
      assert.ok(growth < MAX_RSS_GROWTH, `proxy RSS grew by ${(growth / MB).toFixed(1)} MB for a 32 MB body`);
    }

    it('for an upload to an origin that reads late', async () => {
      const origin = await startHttpOrigin('o', closers);
      origin.server.removeAllListeners('request');
      const received: { bytes: number; sha256: string }[] = [];
      origin.server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
        req.pause();
        setTimeout(() => {
          const hash = createHash('sha256');
          let bytes = 0;
          req.on('data', (c: Buffer) => {
            bytes += c.length;
            hash.update(c);
          });
          req.on('end', () => {
            received.push({ bytes, sha256: hash.digest('hex') });
            res.end('done');
          });
          req.resume();
        }, 1500);
      });
      const { proc, port } = await startProxyProcess({ listeners: [{ name: 'web', address: '127.0.0.1:0' }], ...config(origin.address) }, closers);
      await send(`http://127.0.0.1:${port}/warmup`, Buffer.alloc(256 * 1024));
      const base = await proc.command('mark');
      const res = await send(`http://127.0.0.1:${port}/upload`, memBody);
      const peak = await proc.command('peak');
      assert.equal(res.status, 200);
      assert.deepEqual(received[1], { bytes: MEM_BODY_BYTES, sha256: memHash });
      assertBounded(base, peak);
    });

    it('for a download to a client that reads late', async () => {
      const origin = await startHttpOrigin('o', closers, streamBack(memBody, false));
      const { proc, port } = await startProxyProcess({ listeners: [{ name: 'web', address: '127.0.0.1:0' }], ...config(origin.address) }, closers);
      await send(`http://127.0.0.1:${port}/warmup`, undefined);
      const base = await proc.command('mark');
      const res = await send(`http://127.0.0.1:${port}/download`, undefined, { readDelayMs: 1500 });
      const peak = await proc.command('peak');
      assert.equal(res.bytes, MEM_BODY_BYTES);
      assert.equal(res.sha256, memHash);
      assertBounded(base, peak);
    });
  });
});
