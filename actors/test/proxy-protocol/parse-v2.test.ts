import assert from 'node:assert/strict';
import type { ProxyProtocolErrorCode } from '../../src/proxy-protocol/proxy-protocol-error-codes.js';
import type { ProxyHeader } from '../../src/proxy-protocol/proxy-header.js';
import { BOTH, SIG, V1_ONLY, V2_ONLY, ascii, assertSplitConsistent, expectError, expectHeader, hex, parse } from './proxy-test-kit.js';

/** A 108-byte sun_path: the UTF-8 name, NUL-padded. */
function sunPath(name: string): string {
  return Buffer.concat([Buffer.from(name, 'utf8'), Buffer.alloc(108 - Buffer.byteLength(name))]).toString('hex');
}

/** One TLV: type, 16-bit big-endian length, value (hex). */
function tlv(type: number, valueHex: string): string {
  const value = hex(valueHex);
  return Buffer.from([type, value.length >> 8, value.length & 0xff]).toString('hex') + value.toString('hex');
}

function text(s: string): string {
  return Buffer.from(s, 'utf8').toString('hex');
}

/** Wraps a hex body in signature, ver/cmd, family and the computed length. */
function v2(verCmd: string, family: string, body: string): Buffer {
  const b = hex(body);
  return Buffer.concat([hex(SIG), hex(verCmd + family), Buffer.from([b.length >> 8, b.length & 0xff]), b]);
}

const IPV4_BLOCK =
  'c0000201' + // source 192.0.2.1
  'c6336401' + // destination 198.51.100.1
  'd431' + //     source port 54321
  '01bb'; //      destination port 443

const IPV6_BLOCK =
  '20010db8 00000000 00000000 00000001' + // source 2001:db8::1
  '20010db8 00000000 00000000 00000002' + // destination 2001:db8::2
  'c350' + //                                source port 50000
  '0050'; //                                 destination port 80

const NO_TLVS = { unknown: [] };

function ep(address: string, port: number): { address: string; port: number } {
  return { address, port };
}

/** Headers built byte by byte: every family, both commands, each TLV the spec names. */
const GOOD: { name: string; bytes: Buffer; header: ProxyHeader }[] = [
  {
    name: 'PROXY TCP over IPv4, no TLVs',
    bytes: hex(`${SIG} 21 11 000c ${IPV4_BLOCK}`), // 0x21: version 2, PROXY; 0x11: AF_INET, STREAM; length 12
    header: { version: 2, command: 'proxy', family: 'tcp4', source: ep('192.0.2.1', 54321), destination: ep('198.51.100.1', 443), tlvs: NO_TLVS },
  },
  {
    name: 'PROXY UDP over IPv4',
    bytes: hex(`${SIG} 21 12 000c ${IPV4_BLOCK}`), // 0x12: AF_INET, DGRAM
    header: { version: 2, command: 'proxy', family: 'udp4', source: ep('192.0.2.1', 54321), destination: ep('198.51.100.1', 443), tlvs: NO_TLVS },
  },
  {
    name: 'PROXY TCP over IPv6',
    bytes: hex(`${SIG} 21 21 0024 ${IPV6_BLOCK}`), // 0x21: AF_INET6, STREAM; length 36
    header: { version: 2, command: 'proxy', family: 'tcp6', source: ep('2001:db8::1', 50000), destination: ep('2001:db8::2', 80), tlvs: NO_TLVS },
  },
  {
    name: 'PROXY UDP over IPv6',
    bytes: hex(`${SIG} 21 22 0024 ${IPV6_BLOCK}`),
    header: { version: 2, command: 'proxy', family: 'udp6', source: ep('2001:db8::1', 50000), destination: ep('2001:db8::2', 80), tlvs: NO_TLVS },
  },
  {
    name: 'PROXY TCP over IPv6 with IPv4-mapped addresses',
    bytes: hex(`${SIG} 21 21 0024
      00000000 00000000 0000ffff c0000201
      00000000 00000000 0000ffff c6336401
      0001 0002`),
    header: { version: 2, command: 'proxy', family: 'tcp6', source: ep('::ffff:192.0.2.1', 1), destination: ep('::ffff:198.51.100.1', 2), tlvs: NO_TLVS },
  },
  {
    name: 'PROXY AF_UNIX stream',
    bytes: hex(`${SIG} 21 31 00d8 ${sunPath('/run/client.sock')} ${sunPath('/run/switchyard.sock')}`), // length 216
    header: { version: 2, command: 'proxy', family: 'unix', source: ep('/run/client.sock', 0), destination: ep('/run/switchyard.sock', 0), tlvs: NO_TLVS },
  },
  {
    name: 'PROXY AF_UNIX datagram, abstract names and a full 108-byte path',
    bytes: hex(`${SIG} 21 32 00d8 00${sunPath('client').slice(0, 214)} ${text('p'.repeat(108))}`),
    header: { version: 2, command: 'proxy', family: 'unix-dgram', source: ep('@client', 0), destination: ep('p'.repeat(108), 0), tlvs: NO_TLVS },
  },
  {
    name: 'LOCAL with AF_UNSPEC and no address block (a health check)',
    bytes: hex(`${SIG} 20 00 0000`), // 0x20: version 2, LOCAL
    header: { version: 2, command: 'local', family: 'unknown', tlvs: NO_TLVS },
  },
  {
    name: 'LOCAL with an IPv4 block, whose addresses are ignored',
    bytes: hex(`${SIG} 20 11 000c ${IPV4_BLOCK}`),
    header: { version: 2, command: 'local', family: 'tcp4', tlvs: NO_TLVS },
  },
  {
    name: 'PROXY with AF_UNSPEC (an unsupported protocol): no addresses, like v1 UNKNOWN',
    bytes: hex(`${SIG} 21 00 0000`),
    header: { version: 2, command: 'proxy', family: 'unknown', tlvs: NO_TLVS },
  },
  {
    name: 'PROXY with extra bytes after AF_UNSPEC read as TLVs',
    bytes: hex(`${SIG} 21 00 0005 ${tlv(0x01, text('h2'))}`),
    header: { version: 2, command: 'proxy', family: 'unknown', tlvs: { alpn: 'h2', unknown: [] } },
  },
  {
    name: 'PROXY TCP4 with ALPN, AUTHORITY, NOOP, UNIQUE_ID, NETNS and a custom TLV',
    bytes: v2(
      '21',
      '11',
      IPV4_BLOCK +
        tlv(0x01, text('http/1.1')) + //  PP2_TYPE_ALPN
        tlv(0x02, text('api.example')) + // PP2_TYPE_AUTHORITY
        tlv(0x04, '000000') + //           PP2_TYPE_NOOP: padding, dropped
        tlv(0x05, 'deadbeef') + //         PP2_TYPE_UNIQUE_ID
        tlv(0x30, text('blue')) + //       PP2_TYPE_NETNS
        tlv(0xea, '01' + text('vpce-0123')), // PP2_TYPE_AWS (custom range): VPC endpoint id
    ),
    header: {
      version: 2,
      command: 'proxy',
      family: 'tcp4',
      source: ep('192.0.2.1', 54321),
      destination: ep('198.51.100.1', 443),
      tlvs: { alpn: 'http/1.1', authority: 'api.example', uniqueId: hex('deadbeef'), netns: 'blue', unknown: [{ type: 0xea, value: hex('01' + text('vpce-0123')) }] },
    },
  },
  {
    name: 'an empty TLV value and a UTF-8 authority',
    bytes: v2('21', '11', IPV4_BLOCK + tlv(0x05, '') + tlv(0x02, text('bücher.example'))),
    header: {
      version: 2,
      command: 'proxy',
      family: 'tcp4',
      source: ep('192.0.2.1', 54321),
      destination: ep('198.51.100.1', 443),
      tlvs: { uniqueId: Buffer.alloc(0), authority: 'bücher.example', unknown: [] },
    },
  },
  {
    name: 'PP2_TYPE_SSL with every sub-TLV, and an unknown sub-TLV skipped',
    bytes: v2(
      '21',
      '11',
      IPV4_BLOCK +
        tlv(
          0x20,
          '07' + //          client: PP2_CLIENT_SSL | PP2_CLIENT_CERT_CONN | PP2_CLIENT_CERT_SESS
            '00000000' + // verify: 0, the certificate verified
            tlv(0x21, text('TLSv1.3')) + //       PP2_SUBTYPE_SSL_VERSION
            tlv(0x22, text('Jürgen')) + //        PP2_SUBTYPE_SSL_CN (UTF-8)
            tlv(0x23, text('TLS_AES_128_GCM_SHA256')) + // PP2_SUBTYPE_SSL_CIPHER
            tlv(0x24, text('SHA256')) + //        PP2_SUBTYPE_SSL_SIG_ALG
            tlv(0x25, text('RSA2048')) + //       PP2_SUBTYPE_SSL_KEY_ALG
            tlv(0x26, text('X25519')), //         a later sub-type (the group), skipped
        ),
    ),
    header: {
      version: 2,
      command: 'proxy',
      family: 'tcp4',
      source: ep('192.0.2.1', 54321),
      destination: ep('198.51.100.1', 443),
      tlvs: {
        ssl: { client: 7, verify: 0, version: 'TLSv1.3', cn: 'Jürgen', cipher: 'TLS_AES_128_GCM_SHA256', sigAlg: 'SHA256', keyAlg: 'RSA2048' },
        unknown: [],
      },
    },
  },
  {
    name: 'PP2_TYPE_SSL with client and verify only (a failed verification)',
    bytes: v2('21', '11', IPV4_BLOCK + tlv(0x20, '01 00000015')),
    header: { version: 2, command: 'proxy', family: 'tcp4', source: ep('192.0.2.1', 54321), destination: ep('198.51.100.1', 443), tlvs: { ssl: { client: 1, verify: 21 }, unknown: [] } },
  },
];

/**
 * Headers captured from HAProxy 2.6.12 (`send-proxy-v2 proxy-v2-options crc32c,unique-id` and, for
 * the TLS frontend, `ssl,cert-cn,ssl-cipher,cert-sig,cert-key,authority`): an independent
 * implementation's bytes and CRC32C values.
 */
const HAPROXY: { name: string; bytes: Buffer; header: ProxyHeader }[] = [
  {
    name: 'HAProxy TCP4 with CRC32C and UNIQUE_ID',
    bytes: hex(`${SIG} 21 11 0023 7f000001 7f000001 e53e ac35
      03 0004 da84d390
      05 000d ${text('7F000001:E53E')}`),
    header: {
      version: 2,
      command: 'proxy',
      family: 'tcp4',
      source: ep('127.0.0.1', 58686),
      destination: ep('127.0.0.1', 44085),
      tlvs: { crc32c: 0xda84d390, uniqueId: ascii('7F000001:E53E'), unknown: [] },
    },
  },
  {
    name: 'HAProxy TCP6 with CRC32C and UNIQUE_ID',
    bytes: hex(`${SIG} 21 21 0053
      00000000000000000000000000000001 00000000000000000000000000000001 d4a2 a629
      03 0004 2f3b3e03
      05 0025 ${text('00000000000000000000000000000001:D4A2')}`),
    header: {
      version: 2,
      command: 'proxy',
      family: 'tcp6',
      source: ep('::1', 54434),
      destination: ep('::1', 42537),
      tlvs: { crc32c: 0x2f3b3e03, uniqueId: ascii('00000000000000000000000000000001:D4A2'), unknown: [] },
    },
  },
  {
    name: 'HAProxy TLS frontend with ALPN, AUTHORITY, SSL sub-TLVs and CRC32C',
    bytes: hex(`${SIG} 21 11 0071 7f000001 7f000001 c860 9631
      03 0004 99702077
      01 0002 ${text('h2')}
      02 000b ${text('sni.example')}
      05 0006 ${text('abc123')}
      20 003f 01 00000000
        21 0007 ${text('TLSv1.3')}
        25 0007 ${text('RSA2048')}
        24 000a ${text('RSA-SHA256')}
        23 0016 ${text('TLS_AES_256_GCM_SHA384')}`),
    header: {
      version: 2,
      command: 'proxy',
      family: 'tcp4',
      source: ep('127.0.0.1', 51296),
      destination: ep('127.0.0.1', 38449),
      tlvs: {
        crc32c: 0x99702077,
        alpn: 'h2',
        authority: 'sni.example',
        uniqueId: ascii('abc123'),
        ssl: { client: 1, verify: 0, version: 'TLSv1.3', keyAlg: 'RSA2048', sigAlg: 'RSA-SHA256', cipher: 'TLS_AES_256_GCM_SHA384' },
        unknown: [],
      },
    },
  },
];

/** Flips one bit of a copy. */
function flip(buf: Buffer, index: number, mask = 0x01): Buffer {
  const copy = Buffer.from(buf);
  copy[index] = (copy[index] as number) ^ mask;
  return copy;
}

const HAPROXY_TCP4 = (HAPROXY[0] as { bytes: Buffer }).bytes;

/** Malformed headers, each with the code it must produce. */
const BAD: { name: string; bytes: Buffer; code: ProxyProtocolErrorCode }[] = [
  { name: 'a signature damaged in "QUIT"', bytes: hex(`0d0a0d0a 00 0d0a 51554958 0a 21 11 000c ${IPV4_BLOCK}`), code: 'ERR_PROXY_V2_SIGNATURE' },
  { name: 'a signature damaged in its last byte', bytes: hex(`0d0a0d0a 00 0d0a 51554954 0d 21 11 000c ${IPV4_BLOCK}`), code: 'ERR_PROXY_V2_SIGNATURE' },
  { name: 'a signature damaged right after the NUL', bytes: hex(`0d0a0d0a 00 0a 0d51554954 0a 21 11 000c ${IPV4_BLOCK}`), code: 'ERR_PROXY_V2_SIGNATURE' },
  { name: 'version nibble 1', bytes: hex(`${SIG} 11 11 000c ${IPV4_BLOCK}`), code: 'ERR_PROXY_V2_VERSION' },
  { name: 'version nibble 3', bytes: hex(`${SIG} 31 11 000c ${IPV4_BLOCK}`), code: 'ERR_PROXY_V2_VERSION' },
  { name: 'version nibble 0', bytes: hex(`${SIG} 01 11 000c ${IPV4_BLOCK}`), code: 'ERR_PROXY_V2_VERSION' },
  { name: 'command 2', bytes: hex(`${SIG} 22 11 000c ${IPV4_BLOCK}`), code: 'ERR_PROXY_V2_COMMAND' },
  { name: 'command 15', bytes: hex(`${SIG} 2f 11 000c ${IPV4_BLOCK}`), code: 'ERR_PROXY_V2_COMMAND' },
  { name: 'family AF_UNSPEC with STREAM (0x01)', bytes: hex(`${SIG} 21 01 0000`), code: 'ERR_PROXY_V2_FAMILY' },
  { name: 'family AF_INET with UNSPEC transport (0x10)', bytes: hex(`${SIG} 21 10 000c ${IPV4_BLOCK}`), code: 'ERR_PROXY_V2_FAMILY' },
  { name: 'family AF_INET with transport 3 (0x13)', bytes: hex(`${SIG} 21 13 000c ${IPV4_BLOCK}`), code: 'ERR_PROXY_V2_FAMILY' },
  { name: 'address family 4 (0x41)', bytes: hex(`${SIG} 21 41 000c ${IPV4_BLOCK}`), code: 'ERR_PROXY_V2_FAMILY' },
  { name: 'family 0xff', bytes: hex(`${SIG} 21 ff 0000`), code: 'ERR_PROXY_V2_FAMILY' },
  { name: 'an invalid family under LOCAL', bytes: hex(`${SIG} 20 41 0000`), code: 'ERR_PROXY_V2_FAMILY' },
  { name: 'length 11 for an IPv4 block of 12', bytes: hex(`${SIG} 21 11 000b ${IPV4_BLOCK.slice(0, 22)}`), code: 'ERR_PROXY_V2_LENGTH' },
  { name: 'length 0 for an IPv4 block', bytes: hex(`${SIG} 21 11 0000`), code: 'ERR_PROXY_V2_LENGTH' },
  { name: 'length 0 for an IPv4 block under LOCAL', bytes: hex(`${SIG} 20 11 0000`), code: 'ERR_PROXY_V2_LENGTH' },
  { name: 'length 35 for an IPv6 block of 36', bytes: hex(`${SIG} 21 21 0023 ${IPV6_BLOCK.replace(/ /g, '').slice(0, 70)}`), code: 'ERR_PROXY_V2_LENGTH' },
  { name: 'length 215 for an AF_UNIX block of 216', bytes: hex(`${SIG} 21 31 00d7 ${sunPath('/a')} ${sunPath('/b').slice(0, 214)}`), code: 'ERR_PROXY_V2_LENGTH' },
  { name: 'length 65535, over the bound, decided from the fixed part', bytes: hex(`${SIG} 21 11 ffff ${IPV4_BLOCK}`), code: 'ERR_PROXY_V2_LENGTH' },
  { name: 'length 4081, one over the 4096-byte bound', bytes: hex(`${SIG} 21 11 0ff1`), code: 'ERR_PROXY_V2_LENGTH' },
  { name: 'a TLV whose length overruns the header', bytes: v2('21', '11', IPV4_BLOCK + '01 000a ' + text('h2')), code: 'ERR_PROXY_V2_TLV' },
  { name: 'one byte left after the TLVs', bytes: v2('21', '11', IPV4_BLOCK + tlv(0x01, text('h2')) + '04'), code: 'ERR_PROXY_V2_TLV' },
  { name: 'two bytes left after the address block', bytes: v2('21', '11', IPV4_BLOCK + '0400'), code: 'ERR_PROXY_V2_TLV' },
  { name: 'an SSL sub-TLV overrunning PP2_TYPE_SSL', bytes: v2('21', '11', IPV4_BLOCK + tlv(0x20, '01 00000000 21 0009' + text('TLSv1.3'))), code: 'ERR_PROXY_V2_TLV' },
  { name: 'PP2_TYPE_SSL too short for client and verify', bytes: v2('21', '11', IPV4_BLOCK + tlv(0x20, '01 000000')), code: 'ERR_PROXY_V2_TLV' },
  { name: 'trailing bytes inside PP2_TYPE_SSL', bytes: v2('21', '11', IPV4_BLOCK + tlv(0x20, '01 00000000 21')), code: 'ERR_PROXY_V2_TLV' },
  { name: 'a 3-byte PP2_TYPE_CRC32C', bytes: v2('21', '11', IPV4_BLOCK + tlv(0x03, '000000')), code: 'ERR_PROXY_V2_TLV' },
  { name: 'a 129-byte PP2_TYPE_UNIQUE_ID', bytes: v2('21', '11', IPV4_BLOCK + tlv(0x05, '61'.repeat(129))), code: 'ERR_PROXY_V2_TLV' },
  { name: 'PP2_TYPE_ALPN twice', bytes: v2('21', '11', IPV4_BLOCK + tlv(0x01, text('h2')) + tlv(0x01, text('http/1.1'))), code: 'ERR_PROXY_V2_TLV' },
  { name: 'PP2_TYPE_AUTHORITY twice', bytes: v2('21', '11', IPV4_BLOCK + tlv(0x02, text('a')) + tlv(0x02, text('b'))), code: 'ERR_PROXY_V2_TLV' },
  { name: 'PP2_TYPE_CRC32C twice', bytes: v2('21', '11', IPV4_BLOCK + tlv(0x03, '00000000') + tlv(0x03, '00000000')), code: 'ERR_PROXY_V2_TLV' },
  { name: 'PP2_SUBTYPE_SSL_CN twice', bytes: v2('21', '11', IPV4_BLOCK + tlv(0x20, '01 00000000' + tlv(0x22, text('a')) + tlv(0x22, text('b')))), code: 'ERR_PROXY_V2_TLV' },
  { name: 'an AUTHORITY that is not UTF-8', bytes: v2('21', '11', IPV4_BLOCK + tlv(0x02, 'c328')), code: 'ERR_PROXY_V2_TLV' },
  { name: 'an SSL CN that is not UTF-8', bytes: v2('21', '11', IPV4_BLOCK + tlv(0x20, '01 00000000' + tlv(0x22, 'ff'))), code: 'ERR_PROXY_V2_TLV' },
  { name: 'an SSL version that is not ASCII', bytes: v2('21', '11', IPV4_BLOCK + tlv(0x20, '01 00000000' + tlv(0x21, 'e9'))), code: 'ERR_PROXY_V2_TLV' },
  { name: 'a NETNS that is not ASCII', bytes: v2('21', '11', IPV4_BLOCK + tlv(0x30, text('né'))), code: 'ERR_PROXY_V2_TLV' },
  { name: 'a wrong CRC32C value', bytes: flip(HAPROXY_TCP4, 16 + 12 + 3 + 3), code: 'ERR_PROXY_V2_CRC' },
  { name: 'a bit flipped in an address under a CRC32C', bytes: flip(HAPROXY_TCP4, 16 + 3), code: 'ERR_PROXY_V2_CRC' },
  { name: 'a bit flipped in a TLV value under a CRC32C', bytes: flip(HAPROXY_TCP4, HAPROXY_TCP4.length - 1), code: 'ERR_PROXY_V2_CRC' },
  { name: 'a zero CRC32C (the field left unfilled)', bytes: v2('21', '11', IPV4_BLOCK + tlv(0x03, '00000000')), code: 'ERR_PROXY_V2_CRC' },
];

describe('parseProxyHeader, v2', () => {
  describe('accepts hand-built headers', () => {
    for (const { name, bytes, header } of GOOD) {
      it(`accepts ${name}`, () => {
        assert.deepEqual(expectHeader(bytes), header);
        assertSplitConsistent(bytes);
      });
    }
  });

  describe('accepts headers HAProxy sent', () => {
    for (const { name, bytes, header } of HAPROXY) {
      it(`accepts ${name}`, () => {
        assert.deepEqual(expectHeader(bytes), header);
        assertSplitConsistent(bytes);
      });
    }
  });

  describe('rejects', () => {
    for (const { name, bytes, code } of BAD) {
      it(`rejects ${name} with ${code}`, () => {
        expectError(bytes, code);
        assertSplitConsistent(bytes);
      });
    }
  });

  it('decides a bad version, command, family or length from the 16-byte fixed part alone', () => {
    expectError(hex(`${SIG} 11`), 'ERR_PROXY_V2_VERSION');
    expectError(hex(`${SIG} 23`), 'ERR_PROXY_V2_COMMAND');
    expectError(hex(`${SIG} 21 13`), 'ERR_PROXY_V2_FAMILY');
    expectError(hex(`${SIG} 21 21 0010`), 'ERR_PROXY_V2_LENGTH');
    expectError(hex(`${SIG} 21 11 ffff`), 'ERR_PROXY_V2_LENGTH');
  });

  it('decides a damaged signature at the first wrong byte once "\\r\\n\\r\\n\\0" matched', () => {
    expectError(hex('0d0a0d0a 00 0a'), 'ERR_PROXY_V2_SIGNATURE');
    assert.deepEqual(parse(hex('0d0a0d0a 00 0d0a 5155')), { kind: 'incomplete' });
  });

  it('is incomplete for every truncation of a valid header', () => {
    const whole = (GOOD[11] as { bytes: Buffer }).bytes;
    for (let k = 0; k < whole.length; k++) assert.deepEqual(parse(whole.subarray(0, k)), { kind: 'incomplete' }, `${k} bytes`);
  });

  it('accepts a header of exactly 4096 bytes, the bound', () => {
    const custom = tlv(0xe0, '00'.repeat(4096 - 16 - 12 - 3));
    const h = expectHeader(v2('21', '11', IPV4_BLOCK + custom));
    assert.equal(h.tlvs.unknown[0]?.value.length, 4096 - 16 - 12 - 3);
  });

  it('consumes the header only, leaving the connection data after it', () => {
    const buf = Buffer.concat([hex(`${SIG} 21 11 000c ${IPV4_BLOCK}`), ascii('\x16\x03\x01')]);
    const r = parse(buf);
    assert.equal(r.kind === 'header' && r.consumed, 28);
  });

  it('copies TLV values, so they survive reuse of the read buffer', () => {
    const buf = v2('21', '11', IPV4_BLOCK + tlv(0x05, 'aabb') + tlv(0xe1, 'ccdd'));
    const h = expectHeader(buf);
    buf.fill(0);
    assert.deepEqual(h.tlvs.uniqueId, hex('aabb'));
    assert.deepEqual(h.tlvs.unknown[0]?.value, hex('ccdd'));
  });

  it('answers VERSION_NOT_ACCEPTED for v2 when only v1 is accepted, once the signature is complete', () => {
    const buf = hex(`${SIG} 21 11 000c ${IPV4_BLOCK}`);
    expectError(buf, 'ERR_PROXY_VERSION_NOT_ACCEPTED', V1_ONLY);
    expectError(hex(SIG), 'ERR_PROXY_VERSION_NOT_ACCEPTED', V1_ONLY);
    assert.deepEqual(parse(hex(SIG).subarray(0, 11), V1_ONLY), { kind: 'incomplete' });
    assertSplitConsistent(buf, V1_ONLY);
  });

  it('parses v2 when only v2 is accepted', () => {
    assert.equal(expectHeader(hex(`${SIG} 20 00 0000`), V2_ONLY).command, 'local');
    assert.equal(expectHeader(hex(`${SIG} 20 00 0000`), BOTH).version, 2);
  });
});
