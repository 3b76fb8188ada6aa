import assert from 'node:assert/strict';
import type { ProxyCommand, ProxyEndpoint, ProxyFamily } from '../../src/proxy-protocol/proxy-header.js';
import { writeProxyHeaderV1, writeProxyHeaderV2 } from '../../src/proxy-protocol/write-proxy-header.js';
import { SIG, assertSplitConsistent, expectError, expectHeader, hex, parse } from './proxy-test-kit.js';

/** Endpoints per family, given in the canonical form the parser reports. */
const ENDPOINTS: { readonly [K in ProxyFamily]: readonly [ProxyEndpoint, ProxyEndpoint] | undefined } = {
  tcp4: [
    { address: '203.0.113.7', port: 40000 },
    { address: '198.51.100.1', port: 443 },
  ],
  udp4: [
    { address: '0.0.0.0', port: 0 },
    { address: '255.255.255.255', port: 65535 },
  ],
  tcp6: [
    { address: '2001:db8::7', port: 1 },
    { address: '::ffff:198.51.100.1', port: 8443 },
  ],
  udp6: [
    { address: 'fe80::1:2:3:4', port: 53 },
    { address: '::', port: 5353 },
  ],
  unix: [
    { address: '/run/client.sock', port: 0 },
    { address: '@abstract', port: 0 },
  ],
  'unix-dgram': [
    { address: '', port: 0 },
    { address: '/tmp/é.sock', port: 0 },
  ],
  unknown: undefined,
};

const FAMILIES = Object.keys(ENDPOINTS) as ProxyFamily[];
const COMMANDS: ProxyCommand[] = ['proxy', 'local'];

describe('writeProxyHeaderV1', () => {
  for (const family of ['tcp4', 'tcp6', 'unknown'] as const) {
    it(`round-trips ${family}`, () => {
      const [source, destination] = ENDPOINTS[family] ?? [undefined, undefined];
      const buf = writeProxyHeaderV1(source, destination, family);
      const h = expectHeader(buf);
      assert.deepEqual(h, { version: 1, command: 'proxy', family, ...(source && { source, destination }), tlvs: { unknown: [] } });
      assertSplitConsistent(buf);
    });
  }

  it('writes the spec example byte for byte', () => {
    const buf = writeProxyHeaderV1({ address: '192.168.0.1', port: 56324 }, { address: '192.168.0.11', port: 443 }, 'tcp4');
    assert.equal(buf.toString('latin1'), 'PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n');
  });

  it('writes UNKNOWN without addresses', () => {
    assert.equal(writeProxyHeaderV1(undefined, undefined, 'unknown').toString('latin1'), 'PROXY UNKNOWN\r\n');
  });

  it('writes IPv6 in the canonical form the parser reports', () => {
    const buf = writeProxyHeaderV1({ address: '2001:0DB8:0:0:0:0:0:0001', port: 1 }, { address: '0:0:0:0:0:ffff:c000:201', port: 2 }, 'tcp6');
    assert.equal(buf.toString('latin1'), 'PROXY TCP6 2001:db8::1 ::ffff:192.0.2.1 1 2\r\n');
  });

  it('throws on an IPv4-mapped address under tcp4', () => {
    assert.throws(() => writeProxyHeaderV1({ address: '::ffff:1.2.3.4', port: 1 }, { address: '1.2.3.4', port: 2 }, 'tcp4'), RangeError);
  });

  it('throws on a non-canonical dotted quad', () => {
    assert.throws(() => writeProxyHeaderV1({ address: '01.2.3.4', port: 1 }, { address: '1.2.3.4', port: 2 }, 'tcp4'), RangeError);
  });

  it('throws on a non-ASCII look-alike digit', () => {
    assert.throws(() => writeProxyHeaderV1({ address: '1.2.3.\u0134', port: 1 }, { address: '1.2.3.4', port: 2 }, 'tcp4'), RangeError);
  });

  it('throws on ports outside 0-65535 or not integers', () => {
    for (const port of [-1, 65536, 1.5, Number.NaN]) {
      assert.throws(() => writeProxyHeaderV1({ address: '1.2.3.4', port }, { address: '1.2.3.4', port: 2 }, 'tcp4'), RangeError, String(port));
    }
  });

  it('throws on a missing endpoint', () => {
    assert.throws(() => writeProxyHeaderV1(undefined, { address: '1.2.3.4', port: 2 }, 'tcp4'), RangeError);
  });
});

describe('writeProxyHeaderV2', () => {
  for (const family of FAMILIES) {
    for (const command of COMMANDS) {
      for (const extras of [false, true]) {
        it(`round-trips ${command} ${family}${extras ? ' with TLVs and a CRC32C' : ''}`, () => {
          const [source, destination] = ENDPOINTS[family] ?? [undefined, undefined];
          const tlvs = extras ? { alpn: 'h2', authority: 'bücher.example', uniqueId: hex('00ff'.repeat(64)) } : undefined;
          const buf = writeProxyHeaderV2({ command, family, source, destination, tlvs, withCrc32c: extras });
          const h = expectHeader(buf);
          assert.equal(h.version, 2);
          assert.equal(h.command, command);
          assert.equal(h.family, family);
          // LOCAL: the receiver uses the real endpoints, so none are reported.
          assert.deepEqual(h.source, command === 'proxy' ? source : undefined);
          assert.deepEqual(h.destination, command === 'proxy' ? destination : undefined);
          if (extras) {
            assert.equal(h.tlvs.alpn, 'h2');
            assert.equal(h.tlvs.authority, 'bücher.example');
            assert.deepEqual(h.tlvs.uniqueId, hex('00ff'.repeat(64)));
            assert.equal(typeof h.tlvs.crc32c, 'number');
          } else {
            assert.deepEqual(h.tlvs, { unknown: [] });
          }
          assertSplitConsistent(buf);
        });
      }
    }
  }

  it('writes a LOCAL health check as the 16 bytes HAProxy sends', () => {
    assert.deepEqual(writeProxyHeaderV2({ command: 'local', family: 'unknown' }), hex(`${SIG} 20 00 0000`));
  });

  it('writes TCP4 byte for byte', () => {
    const buf = writeProxyHeaderV2({ command: 'proxy', family: 'tcp4', source: { address: '192.0.2.1', port: 54321 }, destination: { address: '198.51.100.1', port: 443 } });
    assert.deepEqual(buf, hex(`${SIG} 21 11 000c c0000201 c6336401 d431 01bb`));
  });

  it('writes a CRC32C that a flipped bit anywhere breaks', () => {
    const buf = writeProxyHeaderV2({
      command: 'proxy',
      family: 'tcp6',
      source: { address: '2001:db8::1', port: 1 },
      destination: { address: '2001:db8::2', port: 2 },
      tlvs: { alpn: 'h2' },
      withCrc32c: true,
    });
    const crcType = buf.indexOf(hex('03 0004'), 16 + 36);
    for (let i = 16; i < buf.length; i++) {
      // The spec's one blind spot: damage to the CRC TLV's own type byte turns it into another TLV.
      if (i === crcType) continue;
      const damaged = Buffer.from(buf);
      damaged[i] = (damaged[i] as number) ^ 0x40;
      // A flip inside a TLV length may break the framing first; otherwise the checksum catches it.
      const r = parse(damaged);
      assert.ok(r.kind === 'error' && (r.code === 'ERR_PROXY_V2_CRC' || r.code === 'ERR_PROXY_V2_TLV'), `byte ${i}: ${JSON.stringify(r)}`);
    }
  });

  it('throws on a unique id over 128 bytes', () => {
    assert.throws(() => writeProxyHeaderV2({ command: 'local', family: 'unknown', tlvs: { uniqueId: Buffer.alloc(129) } }), RangeError);
  });

  it('throws on a header over the 4096-byte bound', () => {
    assert.throws(() => writeProxyHeaderV2({ command: 'local', family: 'unknown', tlvs: { authority: 'a'.repeat(4090) } }), RangeError);
  });

  it('throws on an ALPN beyond latin1', () => {
    assert.throws(() => writeProxyHeaderV2({ command: 'local', family: 'unknown', tlvs: { alpn: 'h\u0132' } }), RangeError);
  });

  it('throws on an address of the wrong family', () => {
    const v4 = { address: '1.2.3.4', port: 1 };
    assert.throws(() => writeProxyHeaderV2({ command: 'proxy', family: 'tcp6', source: v4, destination: v4 }), RangeError);
    assert.throws(() => writeProxyHeaderV2({ command: 'proxy', family: 'udp4', source: { address: '::1', port: 1 }, destination: v4 }), RangeError);
  });

  it('throws on missing endpoints for a family with addresses', () => {
    assert.throws(() => writeProxyHeaderV2({ command: 'proxy', family: 'tcp4' }), RangeError);
  });

  it('throws on an AF_UNIX path over 108 bytes or holding NUL', () => {
    const ok = { address: '/a', port: 0 };
    assert.throws(() => writeProxyHeaderV2({ command: 'proxy', family: 'unix', source: { address: 'p'.repeat(109), port: 0 }, destination: ok }), RangeError);
    assert.throws(() => writeProxyHeaderV2({ command: 'proxy', family: 'unix', source: { address: '@' + 'p'.repeat(108), port: 0 }, destination: ok }), RangeError);
    assert.throws(() => writeProxyHeaderV2({ command: 'proxy', family: 'unix', source: { address: '/a\0b', port: 0 }, destination: ok }), RangeError);
  });

  it('rejects its own header once the CRC32C is tampered with', () => {
    const buf = writeProxyHeaderV2({ command: 'local', family: 'unknown', withCrc32c: true });
    buf[buf.length - 1] = (buf[buf.length - 1] as number) ^ 1;
    expectError(buf, 'ERR_PROXY_V2_CRC');
  });
});

