// Pooled reads for bulk TCP relaying: the user-buffer switch on accepted sockets, the pool, and a relay that lends buffers.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import net from 'node:net';
import { once } from 'node:events';
import { BulkDirection } from '../../src/l4/bulk-direction.js';
import { ReadBufferPool } from '../../src/l4/read-buffer-pool.js';
import { canReadIntoUserBuffers, readIntoUserBuffers } from '../../src/net/user-buffer-reads.js';
import { Closers } from '../health/socket-fixtures.js';

const HOST = '127.0.0.1';

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** A server on 127.0.0.1:0 handing each accepted socket to `onSocket`; closed (with its sockets) by `closers`. */
async function listen(closers: Closers, onSocket: (socket: net.Socket) => void, options: net.ServerOpts = {}): Promise<number> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer({ allowHalfOpen: true, ...options }, (socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
    onSocket(socket);
  });
  server.listen(0, HOST);
  await once(server, 'listening');
  closers.add(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });
  return (server.address() as net.AddressInfo).port;
}

/** A pool that counts its fresh allocations and calls `onTake` on each take. */
class CountingPool extends ReadBufferPool {
  takes = 0;
  onTake: () => void = () => undefined;

  override take(): Buffer {
    this.takes++;
    const buffer = super.take();
    this.onTake();
    return buffer;
  }
}

describe('user-buffer reads', () => {
  const closers = new Closers();
  afterEach(() => closers.closeAll());

  it('finds the onread slots on this Node (a Node that drops them must fail here, not silently slow down)', () => {
    assert.equal(canReadIntoUserBuffers, true);
  });

  it('switches an accepted socket to reading into the given buffer after its first data event, and still ends', async () => {
    const buffer = Buffer.alloc(1024);
    const viaData: string[] = [];
    const viaBuffer: string[] = [];
    let switched = false;
    const serverDone = new Promise<void>((resolve, reject) => {
      void listen(closers, (socket) => {
        socket.on('data', (chunk: Buffer) => {
          viaData.push(chunk.toString());
          if (switched) return;
          switched = readIntoUserBuffers(socket, buffer, {
            onRead: (nread, into) => {
              assert.equal(into, buffer);
              viaBuffer.push(into.toString('utf8', 0, nread));
              return true;
            },
            nextBuffer: () => buffer,
          });
          socket.write('go');
        });
        socket.on('end', () => resolve());
        socket.on('error', reject);
      }).then((port) => {
        const client = net.connect({ host: HOST, port, allowHalfOpen: true }, () => client.write('first'));
        client.on('error', reject);
        client.once('data', () => client.end('second'));
        closers.add(() => void client.destroy());
      });
    });
    await serverDone;
    assert.equal(switched, true);
    assert.deepEqual(viaData, ['first']);
    assert.deepEqual(viaBuffer, ['second']);
  });
});

describe('ReadBufferPool', () => {
  it('hands out buffers of its size and reuses the ones given back, up to its limit', () => {
    const pool = new ReadBufferPool(4096, 1);
    const a = pool.take();
    const b = pool.take();
    assert.equal(a.length, 4096);
    assert.notEqual(a, b);
    pool.give(a);
    pool.give(b);
    assert.equal(pool.freeCount, 1);
    assert.equal(pool.take(), a);
    pool.give(Buffer.alloc(10));
    assert.equal(pool.freeCount, 0);
  });
});

describe('BulkDirection', () => {
  const closers = new Closers();
  afterEach(() => closers.closeAll());

  it('relays byte for byte while the destination falls behind, lending buffers and taking them back', async function () {
    this.timeout(30_000);
    const pool = new CountingPool(64 * 1024, 4);
    const sent = randomBytes(8 * 1024 * 1024 + 13);
    const received: Buffer[] = [];
    let origin: net.Socket | undefined;
    let relayedBytes = 0;
    let direction: BulkDirection | undefined;
    // The origin reads nothing until the relay had to read into a second buffer (its write of the
    // first was unfinished): that must happen once the sockets' buffers fill, or nothing moves.
    let isLending = false;
    pool.onTake = () => {
      if (pool.takes < 2 || isLending) return;
      isLending = true;
      origin?.resume();
    };
    const originDone = new Promise<void>((resolve) => {
      void listen(closers, (socket) => {
        origin = socket;
        socket.pause();
        socket.on('data', (chunk: Buffer) => received.push(chunk));
        socket.on('end', () => resolve());
      }).then(startRelay);
    });
    let relayClosed = Promise.resolve();

    async function startRelay(originPort: number): Promise<void> {
      const relayPort = await listen(closers, (client) => {
        const upstream = net.connect({ host: HOST, port: originPort, allowHalfOpen: true });
        upstream.on('error', () => undefined);
        client.pause();
        relayClosed = Promise.all([once(client, 'close'), once(upstream, 'close')]).then(() => direction?.release());
        upstream.on('drain', () => client.resume());
        client.on('end', () => upstream.end());
        // As TcpSession: 'data' until a chunk shows bulk, then pooled reads for the rest.
        client.on('data', (chunk: Buffer) => {
          relayedBytes += chunk.length;
          direction ??= BulkDirection.start(client, upstream, pool, { relayed: (_, bytes) => (relayedBytes += bytes) }, true);
          if (!upstream.write(chunk)) client.pause();
        });
        upstream.once('connect', () => client.resume());
        upstream.on('end', () => client.end());
      }, { allowHalfOpen: true });
      const client = net.connect({ host: HOST, port: relayPort, allowHalfOpen: true });
      client.on('error', () => undefined);
      closers.add(() => void client.destroy());
      await once(client, 'connect');
      for (let at = 0; at < sent.length; at += 1024 * 1024) {
        if (!client.write(sent.subarray(at, at + 1024 * 1024))) await once(client, 'drain');
      }
      client.end();
    }

    await originDone;
    origin?.end();
    await relayClosed;
    assert.ok(direction !== undefined, 'the relay switched to pooled reads');
    assert.ok(isLending, 'a second buffer was taken while a write was unfinished');
    const all = Buffer.concat(received);
    assert.equal(all.length, sent.length);
    assert.equal(sha256(all), sha256(sent));
    assert.equal(relayedBytes, sent.length);
    // Released with both sockets closed: the buffers are back for the next connection.
    assert.ok(pool.freeCount >= 2, `free buffers after release: ${pool.freeCount}`);
  });
});
