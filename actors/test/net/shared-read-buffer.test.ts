// Reads through the process-wide buffer: chunks handed on never alias it, large reads go whole, TLS is left alone.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import net from 'node:net';
import tls from 'node:tls';
import { HANDED_ON_READ_MIN, readThroughSharedBuffer } from '../../src/net/shared-read-buffer.js';
import { Closers } from '../health/socket-fixtures.js';

const HOST = '127.0.0.1';

/** A server on 127.0.0.1:0 reading each accepted socket through the shared buffer into `chunks` of its own. */
async function readingServer(closers: Closers): Promise<{ port: number; accepted: Array<{ socket: net.Socket; chunks: Buffer[]; isShared: boolean }> }> {
  const accepted: Array<{ socket: net.Socket; chunks: Buffer[]; isShared: boolean }> = [];
  const server = net.createServer((socket) => {
    const chunks: Buffer[] = [];
    const deliver = (chunk: Buffer): void => void chunks.push(chunk);
    const isShared = readThroughSharedBuffer(socket, deliver);
    socket.on('data', deliver);
    socket.on('error', () => undefined);
    accepted.push({ socket, chunks, isShared });
  });
  server.listen(0, HOST);
  await once(server, 'listening');
  closers.add(async () => {
    for (const { socket } of accepted) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });
  return { port: (server.address() as net.AddressInfo).port, accepted };
}

async function connect(closers: Closers, port: number): Promise<net.Socket> {
  const socket = net.connect(port, HOST);
  socket.on('error', () => undefined);
  closers.add(() => void socket.destroy());
  await once(socket, 'connect');
  return socket;
}

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

describe('shared read buffer', () => {
  const closers = new Closers();
  afterEach(() => closers.closeAll());

  it('hands each socket copies it may keep: reads on other sockets never change them', async () => {
    const { port, accepted } = await readingServer(closers);
    const a = await connect(closers, port);
    const b = await connect(closers, port);
    await until(() => accepted.length === 2, 'two accepted sockets');
    assert.deepEqual(
      accepted.map((s) => s.isShared),
      [true, true],
    );
    // Turns in lockstep, so each read lands in the one shared buffer over the one before it.
    for (let i = 0; i < 20; i++) {
      const [client, side] = i % 2 === 0 ? [a, accepted[0]] : [b, accepted[1]];
      const before = side!.chunks.length;
      client.write(Buffer.alloc(100, 0x41 + i));
      await until(() => side!.chunks.length > before, `read ${i}`);
    }
    for (const [index, { chunks }] of accepted.entries()) {
      const seen = Buffer.concat(chunks);
      const expected = Buffer.concat(Array.from({ length: 10 }, (_, k) => Buffer.alloc(100, 0x41 + 2 * k + index)));
      assert.equal(seen.toString('latin1'), expected.toString('latin1'));
    }
  });

  it('hands large reads on whole and copies the rest: every byte arrives in order, stays put, and no chunk pins more than twice its size', async () => {
    const { port, accepted } = await readingServer(closers);
    const client = await connect(closers, port);
    await until(() => accepted.length === 1, 'the accepted socket');
    const side = accepted[0]!;
    const sent: Buffer[] = [];
    // Large writes (read in pieces of up to 64 KiB) between small ones, each waited for.
    for (const size of [200_000, 10, 60_000, 3000, 20_000, 50]) {
      const data = randomBytes(size);
      sent.push(data);
      const total = sent.reduce((n, d) => n + d.length, 0);
      client.write(data);
      await until(() => side.chunks.reduce((n, c) => n + c.length, 0) === total, `${total} bytes`);
    }
    assert.ok(
      side.chunks.some((c) => c.length >= HANDED_ON_READ_MIN),
      'some read handed on whole',
    );
    assert.ok(
      side.chunks.some((c) => c.length > Buffer.poolSize / 2 && c.length < HANDED_ON_READ_MIN),
      'some read copied into a buffer of its own',
    );
    assert.equal(sha256(Buffer.concat(side.chunks)), sha256(Buffer.concat(sent)));
    for (const chunk of side.chunks) {
      const held = chunk.buffer.byteLength;
      assert.ok(held <= Math.max(2 * chunk.length, Buffer.poolSize), `a ${chunk.length}-byte chunk holds ${held} bytes`);
    }
  });

  it('stops reading on pause() and goes on after resume(), like data events', async () => {
    const { port, accepted } = await readingServer(closers);
    const client = await connect(closers, port);
    await until(() => accepted.length === 1, 'the accepted socket');
    const side = accepted[0]!;
    client.write('one');
    await until(() => side.chunks.length === 1, 'the first read');
    side.socket.pause();
    client.write('two');
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(Buffer.concat(side.chunks).toString(), 'one');
    side.socket.resume();
    await until(() => Buffer.concat(side.chunks).toString() === 'onetwo', 'the second read after resume');
  });

  it('leaves a TLS socket to its own reads', () => {
    const socket = new tls.TLSSocket(new net.Socket());
    closers.add(() => void socket.destroy());
    assert.equal(
      readThroughSharedBuffer(socket, () => undefined),
      false,
    );
  });
});
