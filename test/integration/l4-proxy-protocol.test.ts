// PROXY protocol on tcp listeners: accepted only from trusted sources and never guessed; sent to upstreams that ask.
import assert from 'node:assert/strict';
import { parseProxyHeader, writeProxyHeaderV1, writeProxyHeaderV2, crc32c } from '@switchyard/actors';
import { ConnClosed, ConnOpened, type MessageOf } from '@switchyard/core';
import { Closers } from '../helpers/closers.js';
import { collect, connectTcp, exchange, startTcpOrigin, waitFor, type TcpOrigin } from '../helpers/l4-origins.js';
import { startProxy } from '../helpers/start-proxy.js';

const CLIENT = { address: '203.0.113.7', port: 40_001 };
const LB = { address: '198.51.100.1', port: 443 };

/** A v2 PROXY TCP4 header with a CRC32C TLV, and its bytes with the checksum made wrong. */
function v2WithCrc(): { good: Buffer; badCrc: Buffer } {
  const good = writeProxyHeaderV2({ command: 'proxy', family: 'tcp4', source: CLIENT, destination: LB, withCrc32c: true });
  const badCrc = Buffer.from(good);
  // The last 4 bytes are the CRC value; flip one bit of it.
  badCrc[badCrc.length - 1] = (badCrc[badCrc.length - 1] as number) ^ 0x01;
  assert.notEqual(crc32c(badCrc), crc32c(good));
  return { good, badCrc };
}

describe('PROXY protocol on tcp listeners', () => {
  const closers = new Closers();
  afterEach(() => closers.closeAll());

  interface Setup {
    port: number;
    origin: TcpOrigin;
    other: TcpOrigin;
    opened: MessageOf<typeof ConnOpened>[];
    closed: MessageOf<typeof ConnClosed>[];
  }

  /** 127.0.0.1 is trusted unless `trusted` says otherwise; clients from 203.0.113.0/24 go to `other`. */
  async function setup(proxyProtocol: Record<string, unknown> = {}, upstreamProxy?: 'v1' | 'v2'): Promise<Setup> {
    const origin = await startTcpOrigin(closers);
    const other = await startTcpOrigin(closers, { onData: (conn, chunk) => conn.socket.write(`other:${chunk.toString()}`) });
    const proxy = await startProxy(
      {
        listeners: [{ name: 'tcp', protocol: 'tcp', address: '127.0.0.1:0', proxyProtocol: { trustedSources: ['127.0.0.1'], timeout: '300ms', ...proxyProtocol } }],
        routes: [
          { name: 'docs', priority: 1, listeners: ['tcp'], match: { sourceCidr: '203.0.113.0/24' }, forward: { upstream: 'other' } },
          { name: 'rest', priority: 2, listeners: ['tcp'], forward: { upstream: 'app' } },
        ],
        upstreams: [
          { name: 'app', targets: [{ address: origin.address }], ...(upstreamProxy === undefined ? {} : { proxyProtocol: upstreamProxy }) },
          { name: 'other', targets: [{ address: other.address }] },
        ],
      },
      closers,
    );
    const opened: MessageOf<typeof ConnOpened>[] = [];
    const closed: MessageOf<typeof ConnClosed>[] = [];
    const subs = [proxy.node.bus.on(ConnOpened).subscribe((m) => opened.push(m)), proxy.node.bus.on(ConnClosed).subscribe((m) => closed.push(m))];
    closers.add(() => subs.forEach((s) => s.unsubscribe()));
    return { port: proxy.port, origin, other, opened, closed };
  }

  describe('accept', () => {
    it('takes a v1 header from a trusted source: the origin sees only the data, events and sourceCidr see the client', async () => {
      const { port, origin, other, opened } = await setup();
      const header = writeProxyHeaderV1(CLIENT, LB, 'tcp4');
      const result = await exchange(port, Buffer.concat([header, Buffer.from('payload')]));
      assert.equal(result.bytes.toString(), 'other:payload', 'routed by the client address in the header');
      assert.equal(other.connections[0]?.bytes.toString(), 'payload');
      assert.equal(origin.connections.length, 0);
      assert.equal(opened[0]?.clientAddress, CLIENT.address);
      assert.equal(opened[0]?.clientPort, CLIENT.port);
    });

    it('takes a v2 header (with a valid CRC32C) from a trusted source, even split into single bytes', async () => {
      const { port, other, opened } = await setup();
      const { good } = v2WithCrc();
      const socket = await connectTcp(port);
      const done = collect(socket);
      for (const byte of good) {
        socket.write(Buffer.from([byte]));
        await new Promise((resolve) => setImmediate(resolve));
      }
      socket.end('v2 payload');
      assert.equal((await done).bytes.toString(), 'other:v2 payload');
      assert.equal(other.connections[0]?.bytes.toString(), 'v2 payload');
      assert.equal(opened[0]?.clientAddress, CLIENT.address);
    });

    it('uses the peer address for a LOCAL v2 header (a health check of the balancer)', async () => {
      const { port, origin, opened } = await setup();
      const local = writeProxyHeaderV2({ command: 'local', family: 'unknown' });
      assert.equal((await exchange(port, Buffer.concat([local, Buffer.from('hc')]))).bytes.toString(), 'hc');
      assert.equal(origin.connections[0]?.bytes.toString(), 'hc');
      assert.equal(opened[0]?.clientAddress, '127.0.0.1');
    });

    it('relays without any header from an untrusted source, to a server-speaks-first origin too', async () => {
      const origin = await startTcpOrigin(closers, { greeting: 'hello from origin\n' });
      const proxy = await startProxy(
        {
          listeners: [{ name: 'tcp', protocol: 'tcp', address: '127.0.0.1:0', proxyProtocol: { trustedSources: ['10.0.0.0/8'] } }],
          routes: [{ name: 'all', listeners: ['tcp'], forward: { upstream: 'app' } }],
          upstreams: [{ name: 'app', targets: [{ address: origin.address }] }],
        },
        closers,
      );
      const socket = await connectTcp(proxy.port);
      const done = collect(socket);
      await new Promise<void>((resolve) => socket.once('data', () => resolve()));
      socket.end('plain');
      const result = await done;
      assert.equal(result.bytes.toString(), 'hello from origin\nplain');
      assert.equal(origin.connections[0]?.bytes.toString(), 'plain');
    });
  });

  describe('refuse: the connection is closed and nothing reaches an origin', () => {
    const cases: [string, () => Buffer][] = [
      ['a truncated v1 header (the client ends inside it)', () => Buffer.from('PROXY TCP4 203.0.113.7 198.51.100.1 4000')],
      ['an oversized v1 line (no CRLF within 107 bytes)', () => Buffer.from(`PROXY TCP4 ${'1'.repeat(120)}\r\n`)],
      ['a v1 header with a bad address', () => Buffer.from('PROXY TCP4 203.0.113.07 198.51.100.1 4000 443\r\npayload')],
      ['a bad v2 signature', () => Buffer.concat([Buffer.from('\r\n\r\n\0\r\nQUIX\n'), Buffer.from([0x21, 0x11, 0x00, 0x0c]), Buffer.alloc(12), Buffer.from('payload')])],
      ['a bad v2 family', () => withByte(writeProxyHeaderV2({ command: 'proxy', family: 'tcp4', source: CLIENT, destination: LB }), 13, 0x41)],
      ['a bad v2 CRC32C', () => Buffer.concat([v2WithCrc().badCrc, Buffer.from('payload')])],
      ['a wrong v2 length (shorter than the address block)', () => withLength(writeProxyHeaderV2({ command: 'proxy', family: 'tcp4', source: CLIENT, destination: LB }), 4)],
      ['a truncated v2 header (the client ends inside it)', () => writeProxyHeaderV2({ command: 'proxy', family: 'tcp4', source: CLIENT, destination: LB }).subarray(0, 20)],
      ['no header at all from a trusted source', () => Buffer.from('GET / HTTP/1.1\r\n\r\n')],
    ];
    for (const [name, bytes] of cases) {
      it(`refuses ${name}`, async () => {
        const { port, origin, other, closed } = await setup();
        const result = await exchange(port, bytes());
        assert.equal(result.bytes.length, 0);
        await waitFor(() => closed.length === 1, 2000, 'conn.closed');
        assert.equal(closed[0]?.cause, 'protocol-error');
        assert.equal(origin.connections.length + other.connections.length, 0, 'no upstream connection was made');
      });
    }

    it('refuses a v1 header when the listener accepts only v2', async () => {
      const { port, origin, other } = await setup({ accept: ['v2'] });
      const result = await exchange(port, Buffer.concat([writeProxyHeaderV1(CLIENT, LB, 'tcp4'), Buffer.from('x')]));
      assert.equal(result.bytes.length, 0);
      assert.equal(origin.connections.length + other.connections.length, 0);
    });

    it('refuses a header from an untrusted source; its bytes never reach the origin', async () => {
      const { port, origin, other, closed } = await setup({ trustedSources: ['10.0.0.0/8'] });
      for (const header of [writeProxyHeaderV1(CLIENT, LB, 'tcp4'), v2WithCrc().good]) {
        const result = await exchange(port, Buffer.concat([header, Buffer.from('smuggled')]));
        assert.equal(result.bytes.length, 0);
      }
      await waitFor(() => closed.length === 2, 2000, 'conn.closed');
      assert.deepEqual(
        closed.map((c) => c.cause),
        ['protocol-error', 'protocol-error'],
      );
      assert.equal(origin.totalBytes() + other.totalBytes(), 0);
    });

    it('refuses a header from an untrusted source even when it arrives a byte at a time', async () => {
      const { port, origin } = await setup({ trustedSources: ['10.0.0.0/8'] });
      const socket = await connectTcp(port);
      const done = collect(socket);
      for (const byte of Buffer.from('PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\n')) {
        if (socket.destroyed || socket.writableEnded) break;
        socket.write(Buffer.from([byte]));
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      await done;
      assert.equal(origin.totalBytes(), 0);
    });

    it('closes a trusted source that does not send its header within the timeout', async () => {
      const { port, origin, closed } = await setup();
      const socket = await connectTcp(port);
      const done = collect(socket);
      socket.write('PROXY TCP4 ');
      const result = await done;
      assert.ok(result.ms >= 250 && result.ms < 2000, `closed after ${result.ms} ms`);
      await waitFor(() => closed.length === 1, 2000, 'conn.closed');
      assert.equal(closed[0]?.cause, 'head-timeout');
      assert.equal(origin.connections.length, 0);
    });
  });

  describe('send', () => {
    for (const version of ['v1', 'v2'] as const) {
      it(`writes a ${version} header first on each new upstream connection, with the client's address`, async () => {
        const { port, origin } = await setup({ trustedSources: ['10.0.0.0/8'] }, version);
        const socket = await connectTcp(port);
        const clientPort = socket.localPort as number;
        const done = collect(socket);
        socket.end('after the header');
        await done;
        const received = origin.connections[0]?.bytes as Buffer;
        const parsed = parseProxyHeader(received, 0, received.length, { v1: version === 'v1', v2: version === 'v2' });
        if (parsed.kind !== 'header') assert.fail(`origin did not get a header: ${JSON.stringify(parsed)}`);
        assert.equal(parsed.header.version, version === 'v1' ? 1 : 2);
        assert.deepEqual(parsed.header.source, { address: '127.0.0.1', port: clientPort });
        assert.deepEqual(parsed.header.destination, { address: '127.0.0.1', port });
        assert.equal(received.subarray(parsed.consumed).toString(), 'after the header');
      });
    }

    it('passes on the client address a trusted PROXY header carried', async () => {
      const { port, origin } = await setup({}, 'v2');
      // A client outside 203.0.113.0/24 so the route to `app` (which wants v2) is taken.
      const client = { address: '192.0.2.10', port: 5555 };
      await exchange(port, Buffer.concat([writeProxyHeaderV1(client, LB, 'tcp4'), Buffer.from('data')]));
      const received = origin.connections[0]?.bytes as Buffer;
      const parsed = parseProxyHeader(received, 0, received.length, { v1: false, v2: true });
      if (parsed.kind !== 'header') assert.fail('no header');
      assert.deepEqual(parsed.header.source, client);
      assert.deepEqual(parsed.header.destination, LB);
      assert.equal(received.subarray(parsed.consumed).toString(), 'data');
    });
  });
});

function withByte(buf: Buffer, at: number, value: number): Buffer {
  const out = Buffer.from(buf);
  out[at] = value;
  return out;
}

function withLength(buf: Buffer, length: number): Buffer {
  const out = Buffer.from(buf);
  out.writeUInt16BE(length, 14);
  return Buffer.concat([out.subarray(0, 16 + length), Buffer.from('payload')]);
}

