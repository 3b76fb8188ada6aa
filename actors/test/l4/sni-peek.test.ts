import assert from 'node:assert/strict';
import { Duplex } from 'node:stream';
import tls from 'node:tls';
import { SNI_PEEK_MAX_BYTES, peekSni } from '../../src/l4/sni-peek.js';

/** The first flight of a real Node TLS client (its ClientHello), captured without any network. */
async function clientHello(options: tls.ConnectionOptions): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let onFirst: () => void = () => undefined;
  const first = new Promise<void>((resolve) => (onFirst = resolve));
  const wire = new Duplex({
    read() {},
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk);
      onFirst();
      callback();
    },
  });
  const socket = tls.connect({ socket: wire, ...options });
  socket.on('error', () => undefined);
  await first;
  socket.destroy();
  return Buffer.concat(chunks);
}

/** The same handshake message cut into records of at most `size` bytes (RFC 8446 §5.1 allows it). */
function fragment(hello: Buffer, size: number): Buffer {
  const body = hello.subarray(5, 5 + hello.readUInt16BE(3));
  const records: Buffer[] = [];
  for (let at = 0; at < body.length; at += size) {
    const piece = body.subarray(at, at + size);
    const header = Buffer.from([0x16, 0x03, 0x01, 0, 0]);
    header.writeUInt16BE(piece.length, 3);
    records.push(header, piece);
  }
  return Buffer.concat(records);
}

describe('peekSni', () => {
  it('reads the server name of a real ClientHello, lower-cased', async () => {
    const hello = await clientHello({ servername: 'App.Example.Test' });
    assert.deepEqual(peekSni(hello, hello.length), { kind: 'decided', serverName: 'app.example.test' });
  });

  it('is incomplete for every prefix of the hello, then decided', async () => {
    const hello = await clientHello({ servername: 'a.test' });
    for (let k = 0; k < hello.length; k++) assert.equal(peekSni(hello, k).kind, 'incomplete', `prefix of ${k} bytes`);
    assert.deepEqual(peekSni(hello, hello.length), { kind: 'decided', serverName: 'a.test' });
  });

  it('reassembles a hello fragmented over several records', async () => {
    const hello = await clientHello({ servername: 'fragmented.test' });
    for (const size of [1, 7, 100]) {
      const split = fragment(hello, size);
      assert.deepEqual(peekSni(split, split.length), { kind: 'decided', serverName: 'fragmented.test' }, `records of ${size} bytes`);
      assert.equal(peekSni(split, split.length - 1).kind, 'incomplete');
    }
  });

  it('decides on no name at once for bytes that are not a TLS handshake', () => {
    for (const text of ['GET / HTTP/1.1\r\n', 'PROXY TCP4 ', 'SSH-2.0-OpenSSH\r\n', '\x17\x03\x03']) {
      const buf = Buffer.from(text, 'latin1');
      assert.deepEqual(peekSni(buf, 1), { kind: 'decided', serverName: undefined }, JSON.stringify(text));
    }
  });

  it('decides on no name for a hello without server_name (an IP address as servername sends none)', async () => {
    const hello = await clientHello({ host: '127.0.0.1', servername: '' });
    assert.deepEqual(peekSni(hello, hello.length), { kind: 'decided', serverName: undefined });
  });

  it('decides on no name for a handshake that is not a ClientHello, or a record length out of bounds', () => {
    const serverHello = Buffer.from([0x16, 0x03, 0x03, 0x00, 0x04, 0x02, 0x00, 0x00, 0x00]);
    assert.deepEqual(peekSni(serverHello, serverHello.length), { kind: 'decided', serverName: undefined });
    const huge = Buffer.from([0x16, 0x03, 0x01, 0xff, 0xff]);
    assert.deepEqual(peekSni(huge, huge.length), { kind: 'decided', serverName: undefined });
  });

  it('does not wait for a hello larger than SNI_PEEK_MAX_BYTES', () => {
    const header = Buffer.from([0x16, 0x03, 0x01, 0x40, 0x00, 0x01, 0x00, 0x00, 0x00]);
    header.writeUIntBE(SNI_PEEK_MAX_BYTES, 6, 3);
    assert.deepEqual(peekSni(header, header.length), { kind: 'decided', serverName: undefined });
  });

  it('refuses a name that is not a DNS name, and drops a trailing dot', async () => {
    const hello = await clientHello({ servername: 'dot.test.' });
    assert.deepEqual(peekSni(hello, hello.length), { kind: 'decided', serverName: 'dot.test' });
    const bad = await clientHello({ servername: 'a.test' });
    const at = bad.indexOf('a.test');
    bad[at] = 0x20; // a space inside the name
    assert.deepEqual(peekSni(bad, bad.length), { kind: 'decided', serverName: undefined });
  });
});
