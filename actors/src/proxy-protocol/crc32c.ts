// CRC-32C (Castagnoli), the checksum PROXY v2 carries in its PP2_TYPE_CRC32C TLV (RFC 4960 Appendix B).

/** The reflected Castagnoli polynomial 0x1EDC6F41. */
const POLY_REFLECTED = 0x82f63b78;

/**
 * Slicing-by-8 tables: TABLES[k * 256 + b] is the CRC of byte b followed by k zero bytes. Eight
 * lookups per 8 input bytes instead of eight dependent table steps; built once at module load (8 KiB).
 */
const TABLES = buildTables();

function buildTables(): Int32Array {
  const t = new Int32Array(8 * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY_REFLECTED : c >>> 1;
    t[n] = c;
  }
  for (let n = 0; n < 256; n++) {
    let c = t[n] as number;
    for (let k = 1; k < 8; k++) {
      c = (t[c & 0xff] as number) ^ (c >>> 8);
      t[k * 256 + n] = c;
    }
  }
  return t;
}

/**
 * Extends a CRC-32C over buf[start, end). Pass the previous result as `crc` to checksum data in
 * pieces; the default 0 starts a new checksum.
 *
 * @example
 * crc32c(Buffer.from('123456789')) === 0xe3069283
 * crc32c(b, 4, b.length, crc32c(b, 0, 4)) === crc32c(b)
 */
export function crc32c(buf: Uint8Array, start = 0, end = buf.length, crc = 0): number {
  const t = TABLES;
  let c = ~crc;
  let i = start;
  for (const stop = end - 8; i <= stop; i += 8) {
    c ^= (buf[i] as number) | ((buf[i + 1] as number) << 8) | ((buf[i + 2] as number) << 16) | ((buf[i + 3] as number) << 24);
    c =
      (t[1792 + (c & 0xff)] as number) ^
      (t[1536 + ((c >>> 8) & 0xff)] as number) ^
      (t[1280 + ((c >>> 16) & 0xff)] as number) ^
      (t[1024 + (c >>> 24)] as number) ^
      (t[768 + (buf[i + 4] as number)] as number) ^
      (t[512 + (buf[i + 5] as number)] as number) ^
      (t[256 + (buf[i + 6] as number)] as number) ^
      (t[buf[i + 7] as number] as number);
  }
  for (; i < end; i++) c = (t[(c ^ (buf[i] as number)) & 0xff] as number) ^ (c >>> 8);
  return ~c >>> 0;
}

/** Extends a CRC-32C over `count` zero bytes, as if they were appended to the data checksummed so far. */
export function crc32cZeros(count: number, crc: number): number {
  const t = TABLES;
  let c = ~crc;
  for (let i = 0; i < count; i++) c = (t[c & 0xff] as number) ^ (c >>> 8);
  return ~c >>> 0;
}
