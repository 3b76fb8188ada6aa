import assert from 'node:assert/strict';
import type { ProxyProtocolErrorCode } from '../../src/proxy-protocol/proxy-protocol-error-codes.js';
import type { ProxyHeader } from '../../src/proxy-protocol/proxy-header.js';
import { BOTH, V1_ONLY, V2_ONLY, ascii, assertSplitConsistent, expectError, expectHeader, parse } from './proxy-test-kit.js';

const NO_TLVS = { unknown: [] };
const FFFF6 = 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff';

function tcp(family: 'tcp4' | 'tcp6', src: string, dst: string, sport: number, dport: number): ProxyHeader {
  return { version: 1, command: 'proxy', family, source: { address: src, port: sport }, destination: { address: dst, port: dport }, tlvs: NO_TLVS };
}

const UNKNOWN: ProxyHeader = { version: 1, command: 'proxy', family: 'unknown', tlvs: NO_TLVS };

/** Known-good lines: the examples and worst cases of spec §2.1, then address forms it allows. */
const GOOD: { name: string; line: string; header: ProxyHeader }[] = [
  { name: 'the spec example (TCP4)', line: 'PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n', header: tcp('tcp4', '192.168.0.1', '192.168.0.11', 56324, 443) },
  {
    name: 'the longest TCP4 line (56 bytes)',
    line: 'PROXY TCP4 255.255.255.255 255.255.255.255 65535 65535\r\n',
    header: tcp('tcp4', '255.255.255.255', '255.255.255.255', 65535, 65535),
  },
  { name: 'the longest TCP6 line (104 bytes)', line: `PROXY TCP6 ${FFFF6} ${FFFF6} 65535 65535\r\n`, header: tcp('tcp6', FFFF6, FFFF6, 65535, 65535) },
  { name: 'the shortest UNKNOWN line (15 bytes)', line: 'PROXY UNKNOWN\r\n', header: UNKNOWN },
  { name: 'the longest UNKNOWN line (107 bytes), addresses ignored', line: `PROXY UNKNOWN ${FFFF6} ${FFFF6} 65535 65535\r\n`, header: UNKNOWN },
  { name: 'UNKNOWN with arbitrary text', line: 'PROXY UNKNOWN whatever  the sender\tputs here\r\n', header: UNKNOWN },
  { name: 'ports 0 and addresses 0.0.0.0', line: 'PROXY TCP4 0.0.0.0 10.0.0.1 0 1\r\n', header: tcp('tcp4', '0.0.0.0', '10.0.0.1', 0, 1) },
  { name: 'compressed IPv6 (::1)', line: 'PROXY TCP6 ::1 ::1 1234 80\r\n', header: tcp('tcp6', '::1', '::1', 1234, 80) },
  { name: 'the unspecified IPv6 address (::)', line: 'PROXY TCP6 :: fe80:: 1 2\r\n', header: tcp('tcp6', '::', 'fe80::', 1, 2) },
  {
    name: 'upper-case and uncompressed IPv6, reported in canonical form',
    line: 'PROXY TCP6 2001:0DB8:0000:0000:0000:0000:0000:0001 2001:db8:0:0:1:0:0:1 443 8443\r\n',
    header: tcp('tcp6', '2001:db8::1', '2001:db8::1:0:0:1', 443, 8443),
  },
  {
    name: 'IPv4-mapped IPv6 with a dotted quad, reported as Node does',
    line: 'PROXY TCP6 ::ffff:192.0.2.1 0:0:0:0:0:ffff:c633:6401 1 2\r\n',
    header: tcp('tcp6', '::ffff:192.0.2.1', '::ffff:198.51.100.1', 1, 2),
  },
  { name: 'a single zero group left uncompressed (RFC 5952 §4.2.2)', line: 'PROXY TCP6 2001:db8::1:1:1:1:1 1::8 1 2\r\n', header: tcp('tcp6', '2001:db8:0:1:1:1:1:1', '1::8', 1, 2) },
];

/** Malformed lines, each with the code it must produce. */
const BAD: { name: string; line: string; code: ProxyProtocolErrorCode }[] = [
  { name: 'two spaces after PROXY', line: 'PROXY  TCP4 1.2.3.4 5.6.7.8 1 2\r\n', code: 'ERR_PROXY_V1_SYNTAX' },
  { name: 'two spaces after the protocol', line: 'PROXY TCP4  1.2.3.4 5.6.7.8 1 2\r\n', code: 'ERR_PROXY_V1_SYNTAX' },
  { name: 'two spaces between the addresses', line: 'PROXY TCP4 1.2.3.4  5.6.7.8 1 2\r\n', code: 'ERR_PROXY_V1_SYNTAX' },
  { name: 'two spaces between the ports', line: 'PROXY TCP4 1.2.3.4 5.6.7.8 1  2\r\n', code: 'ERR_PROXY_V1_SYNTAX' },
  { name: 'a space before CRLF', line: 'PROXY TCP4 1.2.3.4 5.6.7.8 1 2 \r\n', code: 'ERR_PROXY_V1_SYNTAX' },
  { name: 'a tab instead of a space', line: 'PROXY TCP4 1.2.3.4\t5.6.7.8 1 2\r\n', code: 'ERR_PROXY_V1_SYNTAX' },
  { name: 'three fields', line: 'PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n', code: 'ERR_PROXY_V1_SYNTAX' },
  { name: 'five fields', line: 'PROXY TCP4 1.2.3.4 5.6.7.8 1 2 3\r\n', code: 'ERR_PROXY_V1_SYNTAX' },
  { name: 'TCP4 without addresses', line: 'PROXY TCP4\r\n', code: 'ERR_PROXY_V1_SYNTAX' },
  { name: 'no protocol at all', line: 'PROXY \r\n', code: 'ERR_PROXY_V1_SYNTAX' },
  { name: 'a bare LF instead of CRLF', line: 'PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n', code: 'ERR_PROXY_V1_SYNTAX' },
  { name: 'a CR not followed by LF', line: 'PROXY TCP4 1.2.3.4 5.6.7.8 1 2\rX', code: 'ERR_PROXY_V1_SYNTAX' },
  { name: 'a bare LF inside UNKNOWN', line: 'PROXY UNKNOWN a\nb\r\n', code: 'ERR_PROXY_V1_SYNTAX' },
  { name: 'a lower-case protocol', line: 'PROXY tcp4 1.2.3.4 5.6.7.8 1 2\r\n', code: 'ERR_PROXY_V1_FAMILY' },
  { name: 'UDP4, which v1 does not have', line: 'PROXY UDP4 1.2.3.4 5.6.7.8 1 2\r\n', code: 'ERR_PROXY_V1_FAMILY' },
  { name: 'TCP5', line: 'PROXY TCP5 1.2.3.4 5.6.7.8 1 2\r\n', code: 'ERR_PROXY_V1_FAMILY' },
  { name: 'UNKNOWN glued to more text', line: 'PROXY UNKNOWNX\r\n', code: 'ERR_PROXY_V1_FAMILY' },
  { name: 'a lower-case unknown', line: 'PROXY unknown\r\n', code: 'ERR_PROXY_V1_FAMILY' },
  { name: 'an octet over 255', line: 'PROXY TCP4 256.1.1.1 5.6.7.8 1 2\r\n', code: 'ERR_PROXY_V1_ADDRESS' },
  { name: 'three octets', line: 'PROXY TCP4 1.2.3 5.6.7.8 1 2\r\n', code: 'ERR_PROXY_V1_ADDRESS' },
  { name: 'five octets', line: 'PROXY TCP4 1.2.3.4.5 5.6.7.8 1 2\r\n', code: 'ERR_PROXY_V1_ADDRESS' },
  { name: 'a leading zero in an octet', line: 'PROXY TCP4 01.2.3.4 5.6.7.8 1 2\r\n', code: 'ERR_PROXY_V1_ADDRESS' },
  { name: 'a leading zero in the last octet', line: 'PROXY TCP4 1.2.3.04 5.6.7.8 1 2\r\n', code: 'ERR_PROXY_V1_ADDRESS' },
  { name: 'an empty octet', line: 'PROXY TCP4 1..3.4 5.6.7.8 1 2\r\n', code: 'ERR_PROXY_V1_ADDRESS' },
  { name: 'a trailing dot', line: 'PROXY TCP4 1.2.3.4. 5.6.7.8 1 2\r\n', code: 'ERR_PROXY_V1_ADDRESS' },
  { name: 'a host name', line: 'PROXY TCP4 localhost 5.6.7.8 1 2\r\n', code: 'ERR_PROXY_V1_ADDRESS' },
  { name: 'a bad destination address', line: 'PROXY TCP4 1.2.3.4 5.6.7.888 1 2\r\n', code: 'ERR_PROXY_V1_ADDRESS' },
  { name: 'an IPv6 address under TCP4', line: 'PROXY TCP4 ::1 5.6.7.8 1 2\r\n', code: 'ERR_PROXY_V1_ADDRESS' },
  { name: 'an IPv4 address under TCP6', line: 'PROXY TCP6 1.2.3.4 ::1 1 2\r\n', code: 'ERR_PROXY_V1_ADDRESS' },
  { name: 'IPv6 with ":::"', line: 'PROXY TCP6 ::: ::1 1 2\r\n', code: 'ERR_PROXY_V1_ADDRESS' },
  { name: 'IPv6 with two "::"', line: 'PROXY TCP6 1::2::3 ::1 1 2\r\n', code: 'ERR_PROXY_V1_ADDRESS' },
  { name: 'IPv6 with nine groups', line: 'PROXY TCP6 1:2:3:4:5:6:7:8:9 ::1 1 2\r\n', code: 'ERR_PROXY_V1_ADDRESS' },
  { name: 'IPv6 with seven groups and no "::"', line: 'PROXY TCP6 1:2:3:4:5:6:7 ::1 1 2\r\n', code: 'ERR_PROXY_V1_ADDRESS' },
  { name: 'IPv6 with eight groups and a "::"', line: 'PROXY TCP6 1:2:3:4::5:6:7:8 ::1 1 2\r\n', code: 'ERR_PROXY_V1_ADDRESS' },
  { name: 'IPv6 with a five-digit group', line: 'PROXY TCP6 12345:: ::1 1 2\r\n', code: 'ERR_PROXY_V1_ADDRESS' },
  { name: 'IPv6 with a non-hex digit', line: 'PROXY TCP6 g::1 ::1 1 2\r\n', code: 'ERR_PROXY_V1_ADDRESS' },
  { name: 'IPv6 with a single leading colon', line: 'PROXY TCP6 :1:2:3:4:5:6:7 ::1 1 2\r\n', code: 'ERR_PROXY_V1_ADDRESS' },
  { name: 'IPv6 with a single trailing colon', line: 'PROXY TCP6 1:2:3:4:5:6:7: ::1 1 2\r\n', code: 'ERR_PROXY_V1_ADDRESS' },
  { name: 'IPv6 with a zone id', line: 'PROXY TCP6 fe80::1%eth0 ::1 1 2\r\n', code: 'ERR_PROXY_V1_ADDRESS' },
  { name: 'IPv6 in brackets', line: 'PROXY TCP6 [::1] ::1 1 2\r\n', code: 'ERR_PROXY_V1_ADDRESS' },
  { name: 'IPv6 with a bad embedded dotted quad', line: 'PROXY TCP6 ::ffff:1.2.3.04 ::1 1 2\r\n', code: 'ERR_PROXY_V1_ADDRESS' },
  { name: 'IPv6 with a dotted quad too early', line: 'PROXY TCP6 1.2.3.4::1 ::1 1 2\r\n', code: 'ERR_PROXY_V1_ADDRESS' },
  { name: 'IPv6 with a dotted quad after seven groups', line: 'PROXY TCP6 1:2:3:4:5:6:7:1.2.3.4 ::1 1 2\r\n', code: 'ERR_PROXY_V1_ADDRESS' },
  { name: 'a port over 65535', line: 'PROXY TCP4 1.2.3.4 5.6.7.8 65536 2\r\n', code: 'ERR_PROXY_V1_PORT' },
  { name: 'a port with a leading zero', line: 'PROXY TCP4 1.2.3.4 5.6.7.8 01 2\r\n', code: 'ERR_PROXY_V1_PORT' },
  { name: 'port "00"', line: 'PROXY TCP4 1.2.3.4 5.6.7.8 00 2\r\n', code: 'ERR_PROXY_V1_PORT' },
  { name: 'a negative port', line: 'PROXY TCP4 1.2.3.4 5.6.7.8 -1 2\r\n', code: 'ERR_PROXY_V1_PORT' },
  { name: 'a port with a plus sign', line: 'PROXY TCP4 1.2.3.4 5.6.7.8 +1 2\r\n', code: 'ERR_PROXY_V1_PORT' },
  { name: 'a hexadecimal port', line: 'PROXY TCP4 1.2.3.4 5.6.7.8 0x10 2\r\n', code: 'ERR_PROXY_V1_PORT' },
  { name: 'a six-digit port', line: 'PROXY TCP4 1.2.3.4 5.6.7.8 100000 2\r\n', code: 'ERR_PROXY_V1_PORT' },
  { name: 'a bad destination port', line: 'PROXY TCP4 1.2.3.4 5.6.7.8 1 2x\r\n', code: 'ERR_PROXY_V1_PORT' },
  { name: 'a 108-byte UNKNOWN line (one over the limit)', line: `PROXY UNKNOWN ${FFFF6} ${FFFF6} 65535 65535x\r\n`, code: 'ERR_PROXY_V1_TOO_LONG' },
  { name: '107 bytes without CRLF', line: `PROXY TCP6 ${FFFF6} ${FFFF6} 65535 65535 xxxx`, code: 'ERR_PROXY_V1_TOO_LONG' },
  { name: 'a long line of garbage after PROXY', line: 'PROXY ' + 'A'.repeat(200), code: 'ERR_PROXY_V1_TOO_LONG' },
];

describe('parseProxyHeader, v1', () => {
  describe('accepts', () => {
    for (const { name, line, header } of GOOD) {
      it(`accepts ${name}`, () => {
        assert.deepEqual(expectHeader(ascii(line)), header);
        assertSplitConsistent(ascii(line));
      });
    }
  });

  it('checks its corpus lengths against the spec', () => {
    assert.equal(GOOD[1]?.line.length, 56);
    assert.equal(GOOD[2]?.line.length, 104);
    assert.equal(GOOD[3]?.line.length, 15);
    assert.equal(GOOD[4]?.line.length, 107);
    assert.equal(BAD.find((c) => c.name.startsWith('a 108-byte'))?.line.length, 108);
    assert.equal(BAD.find((c) => c.name.startsWith('107 bytes'))?.line.length, 107);
  });

  it('consumes the line only, leaving the connection data after it', () => {
    const buf = ascii('PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\nGET / HTTP/1.1\r\n\r\n');
    const r = parse(buf);
    assert.equal(r.kind, 'header');
    assert.equal(r.kind === 'header' && buf.subarray(r.consumed).toString('latin1'), 'GET / HTTP/1.1\r\n\r\n');
  });

  describe('rejects', () => {
    for (const { name, line, code } of BAD) {
      it(`rejects ${name} with ${code}`, () => {
        expectError(ascii(line), code);
        assertSplitConsistent(ascii(line));
      });
    }
  });

  it('answers none for a lower-case "proxy" (not a PROXY header; a trusted peer must send one)', () => {
    assert.deepEqual(parse(ascii('proxy TCP4 1.2.3.4 5.6.7.8 1 2\r\n')), { kind: 'none' });
  });

  it('answers none for "PROXY" without the space', () => {
    assert.deepEqual(parse(ascii('PROXYTCP4 1.2.3.4 5.6.7.8 1 2\r\n')), { kind: 'none' });
  });

  it('is incomplete while the CRLF is missing and the line is under 107 bytes', () => {
    assert.deepEqual(parse(ascii('PROXY TCP4 1.2.3.4 5.6.7.8 1 2')), { kind: 'incomplete' });
    assert.deepEqual(parse(ascii('PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r')), { kind: 'incomplete' });
    assert.deepEqual(parse(ascii(`PROXY TCP6 ${FFFF6} ${FFFF6} 65535 65535 xxx`)), { kind: 'incomplete' }); // 106 bytes
  });

  it('rejects a CR at byte 107 at once: the LF would make the line 108 bytes', () => {
    expectError(ascii(`PROXY UNKNOWN ${FFFF6} ${FFFF6} 65535 65535x\r`), 'ERR_PROXY_V1_TOO_LONG');
  });

  it('answers VERSION_NOT_ACCEPTED for v1 when only v2 is accepted, as soon as "PROXY " is seen', () => {
    expectError(ascii('PROXY '), 'ERR_PROXY_VERSION_NOT_ACCEPTED', V2_ONLY);
    expectError(ascii('PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\n'), 'ERR_PROXY_VERSION_NOT_ACCEPTED', V2_ONLY);
    assert.deepEqual(parse(ascii('PROXY'), V2_ONLY), { kind: 'incomplete' });
    assert.deepEqual(parse(ascii('GET / HTTP/1.1\r\n'), V2_ONLY), { kind: 'none' });
  });

  it('parses v1 when only v1 is accepted', () => {
    assert.equal(expectHeader(ascii('PROXY UNKNOWN\r\n'), V1_ONLY).family, 'unknown');
    assert.equal(expectHeader(ascii('PROXY UNKNOWN\r\n'), BOTH).version, 1);
  });
});
