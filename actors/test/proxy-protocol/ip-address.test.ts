import assert from 'node:assert/strict';
import { formatIpv6, formatIpv6Groups, parseIpv4, parseIpv6 } from '../../src/proxy-protocol/ip-address.js';

function v6(text: string): string | undefined {
  const groups = new Uint16Array(8);
  const bytes = Buffer.from(text, 'latin1');
  return parseIpv6(bytes, 0, bytes.length, groups) ? formatIpv6Groups(groups) : undefined;
}

describe('IP address text', () => {
  it('parses dotted quads to their 32-bit value', () => {
    const b = Buffer.from('x255.0.10.1y', 'latin1');
    assert.equal(parseIpv4(b, 1, b.length - 1), 0xff000a01);
    assert.equal(parseIpv4(b, 0, b.length), -1);
  });

  it('formats IPv6 as RFC 5952 and Node do', () => {
    const cases: [string, string][] = [
      ['2001:db8:0:0:0:0:2:1', '2001:db8::2:1'],
      ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'], // one zero group stays
      ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'], // the longest run
      ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'], // the first of equal runs
      ['0:0:0:0:0:0:0:0', '::'],
      ['0:0:0:0:0:0:0:1', '::1'],
      ['1:0:0:0:0:0:0:0', '1::'],
      ['::ffff:10.0.0.1', '::ffff:10.0.0.1'],
      ['::ffff:a00:1', '::ffff:10.0.0.1'],
      ['::a00:1', '::10.0.0.1'], // IPv4-compatible, as libuv prints it
      ['ABCD:EF01:2345:6789:ABCD:EF01:2345:6789', 'abcd:ef01:2345:6789:abcd:ef01:2345:6789'],
      ['1:2:3:4:5:6:7::', '1:2:3:4:5:6:7:0'],
      ['::2:3:4:5:6:7:8', '0:2:3:4:5:6:7:8'],
    ];
    for (const [input, expected] of cases) assert.equal(v6(input), expected, input);
  });

  it('agrees with the WHATWG URL serializer on random addresses without an embedded IPv4 form', () => {
    let seed = 12345;
    const next = (): number => (seed = (seed * 1103515245 + 12345) >>> 0);
    const bytes = Buffer.alloc(16);
    for (let n = 0; n < 2000; n++) {
      for (let i = 0; i < 16; i += 2) {
        const zero = next() % 3 === 0;
        bytes.writeUInt16BE(zero ? 0 : next() & (next() % 2 ? 0xffff : 0x00ff), i);
      }
      const ours = formatIpv6(bytes, 0);
      if (ours.includes('.')) continue;
      assert.equal(ours, new URL(`http://[${ours}]/`).hostname.slice(1, -1), bytes.toString('hex'));
      assert.equal(v6(ours), ours, 'parses back');
    }
  });
});
