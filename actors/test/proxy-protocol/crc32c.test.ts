import assert from 'node:assert/strict';
import { crc32c, crc32cZeros } from '../../src/proxy-protocol/crc32c.js';

/** Bit-at-a-time CRC-32C, the definition itself: an independent reference for the table-driven code. */
function referenceCrc32c(data: Uint8Array): number {
  let c = 0xffffffff;
  for (const byte of data) {
    c ^= byte;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
  }
  return ~c >>> 0;
}

describe('crc32c', () => {
  it('matches the standard check value for "123456789"', () => {
    assert.equal(crc32c(Buffer.from('123456789', 'latin1')), 0xe3069283);
  });

  it('matches the RFC 3720 Appendix B.4 vectors', () => {
    assert.equal(crc32c(Buffer.alloc(32, 0x00)), 0x8a9136aa);
    assert.equal(crc32c(Buffer.alloc(32, 0xff)), 0x62a8ab43);
    assert.equal(crc32c(Buffer.from(Array.from({ length: 32 }, (_, i) => i))), 0x46dd794e);
    assert.equal(crc32c(Buffer.from(Array.from({ length: 32 }, (_, i) => 31 - i))), 0x113fdb5c);
  });

  it('is 0 for no data', () => {
    assert.equal(crc32c(Buffer.alloc(0)), 0);
  });

  it('agrees with the bitwise definition for every length from 0 to 70 and any start', () => {
    const data = Buffer.from(Array.from({ length: 80 }, (_, i) => (i * 151 + 7) & 0xff));
    for (let from = 0; from < 9; from++) {
      for (let n = 0; n + from <= 79 && n <= 70; n++) {
        assert.equal(crc32c(data, from, from + n), referenceCrc32c(data.subarray(from, from + n)), `from ${from}, ${n} bytes`);
      }
    }
  });

  it('chains: a checksum continued at every split equals the whole', () => {
    const data = Buffer.from('The quick brown fox jumps over the lazy dog, and PROXY v2 headers too.', 'latin1');
    const whole = crc32c(data);
    for (let split = 0; split <= data.length; split++) {
      assert.equal(crc32c(data, split, data.length, crc32c(data, 0, split)), whole, `split at ${split}`);
    }
  });

  it('extends over zero bytes as if they were in the data', () => {
    const data = Buffer.from('abcdefgh\0\0\0\0ijk', 'latin1');
    let c = crc32c(data, 0, 8);
    c = crc32cZeros(4, c);
    c = crc32c(data, 12, data.length, c);
    assert.equal(c, crc32c(data));
  });
});
