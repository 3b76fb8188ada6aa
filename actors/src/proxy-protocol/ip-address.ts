// Strict IPv4 / IPv6 text and binary conversions for PROXY headers: no regexes, no allocation but the result.

const DOT = 0x2e;
const COLON = 0x3a;

/** Hex digit value per byte, -1 for a non-hex byte. */
const HEX_VALUE = ((): Int8Array => {
  const t = new Int8Array(256).fill(-1);
  for (let b = 0x30; b <= 0x39; b++) t[b] = b - 0x30;
  for (let b = 0x41; b <= 0x46; b++) t[b] = b - 0x41 + 10;
  for (let b = 0x61; b <= 0x66; b++) t[b] = b - 0x61 + 10;
  return t;
})();

/** Byte → hex without leading zeros ("0" … "ff") and with ("00" … "ff"), to format a group as two reads. */
const HEX_BARE = Array.from({ length: 256 }, (_, i) => i.toString(16));
const HEX_PADDED = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** A 16-bit group in lower-case hex without leading zeros (RFC 5952 §4.1). */
function hexGroup(group: number): string {
  const hi = group >>> 8;
  return hi === 0 ? (HEX_BARE[group] as string) : (HEX_BARE[hi] as string) + (HEX_PADDED[group & 0xff] as string);
}

/** "0" … "255", so formatting a dotted quad is four array reads and three concatenations. */
const DECIMAL = Array.from({ length: 256 }, (_, i) => String(i));

/**
 * Parses a dotted-quad IPv4 address in buf[start, end): exactly four decimal octets 0-255, each
 * without leading zeros ("0" itself is fine), so that the text is canonical and an octal-looking
 * "010" cannot be read two ways. Returns the address as an unsigned 32-bit number, or -1.
 */
export function parseIpv4(buf: Uint8Array, start: number, end: number): number {
  let i = start;
  let value = 0;
  for (let part = 0; part < 4; part++) {
    if (part > 0) {
      if (i >= end || buf[i] !== DOT) return -1;
      i++;
    }
    const first = i;
    let octet = 0;
    while (i < end && i - first < 4) {
      const d = (buf[i] as number) - 0x30;
      if (d < 0 || d > 9) break;
      octet = octet * 10 + d;
      i++;
    }
    const digits = i - first;
    if (digits === 0 || digits > 3 || octet > 255 || (digits > 1 && buf[first] === 0x30)) return -1;
    value = value * 256 + octet;
  }
  return i === end ? value : -1;
}

/**
 * Parses an IPv6 text address in buf[start, end) as RFC 4291 §2.2 defines it: eight groups of one
 * to four hex digits (either case), at most one "::" standing for one or more zero groups, and an
 * optional trailing dotted quad (held to `parseIpv4`'s rules) for the last 32 bits. Zone ids ("%eth0")
 * are refused: they are local to the sender. Writes the eight groups to `out` and returns whether
 * the text was valid.
 */
export function parseIpv6(buf: Uint8Array, start: number, end: number, out: Uint16Array): boolean {
  let i = start;
  let n = 0;
  let gap = -1;
  if (i + 1 < end && buf[i] === COLON) {
    if (buf[i + 1] !== COLON) return false;
    gap = 0;
    i += 2;
    if (i === end) {
      out.fill(0);
      return true;
    }
  }
  for (;;) {
    const first = i;
    let group = 0;
    while (i < end && i - first < 5) {
      const h = HEX_VALUE[buf[i] as number] as number;
      if (h < 0) break;
      group = group * 16 + h;
      i++;
    }
    if (i < end && buf[i] === DOT) {
      // The embedded IPv4 form fills the last two groups and must end the text.
      if (n > 6) return false;
      const v4 = parseIpv4(buf, first, end);
      if (v4 < 0) return false;
      out[n++] = v4 >>> 16;
      out[n++] = v4 & 0xffff;
      break;
    }
    const digits = i - first;
    if (digits === 0 || digits > 4 || n === 8) return false;
    out[n++] = group;
    if (i === end) break;
    if (buf[i] !== COLON) return false;
    i++;
    if (i === end) return false; // a single trailing colon
    if (buf[i] === COLON) {
      if (gap >= 0) return false; // a second "::"
      gap = n;
      i++;
      if (i === end) break;
    }
  }
  if (gap < 0) return n === 8;
  if (n > 7) return false; // "::" must stand for at least one group
  const moved = n - gap;
  for (let k = 1; k <= moved; k++) out[8 - k] = out[n - k] as number;
  out.fill(0, gap, 8 - moved);
  return true;
}

/** Formats 4 bytes at buf[off] as a dotted quad. */
export function formatIpv4(buf: Uint8Array, off: number): string {
  return (
    (DECIMAL[buf[off] as number] as string) +
    '.' +
    (DECIMAL[buf[off + 1] as number] as string) +
    '.' +
    (DECIMAL[buf[off + 2] as number] as string) +
    '.' +
    (DECIMAL[buf[off + 3] as number] as string)
  );
}

/**
 * Formats eight 16-bit groups the way Node reports `socket.remoteAddress` (libuv's inet_ntop, which
 * follows RFC 5952): lower-case hex without leading zeros, the first longest run of two or more zero
 * groups as "::", and a dotted quad for IPv4-mapped (::ffff:a.b.c.d) and IPv4-compatible (::a.b.c.d)
 * addresses. Keeping Node's form means a PROXY address compares equal to a direct peer's address.
 */
export function formatIpv6Groups(groups: ArrayLike<number>): string {
  let bestBase = -1;
  let bestLen = 0;
  let curBase = -1;
  for (let g = 0; g <= 8; g++) {
    if (g < 8 && groups[g] === 0) {
      if (curBase < 0) curBase = g;
    } else if (curBase >= 0) {
      if (g - curBase > bestLen) {
        bestBase = curBase;
        bestLen = g - curBase;
      }
      curBase = -1;
    }
  }
  if (bestLen < 2) {
    bestBase = -1;
    bestLen = 0;
  }
  if (bestBase === 0 && (bestLen === 6 || (bestLen === 5 && groups[5] === 0xffff))) {
    const hi = groups[6] as number;
    const lo = groups[7] as number;
    const v4 =
      (DECIMAL[hi >>> 8] as string) + '.' + (DECIMAL[hi & 0xff] as string) + '.' + (DECIMAL[lo >>> 8] as string) + '.' + (DECIMAL[lo & 0xff] as string);
    return bestLen === 6 ? '::' + v4 : '::ffff:' + v4;
  }
  let s = '';
  for (let g = 0; g < 8; g++) {
    if (g === bestBase) {
      s += '::';
      g += bestLen - 1;
      continue;
    }
    if (s.length > 0 && g !== bestBase + bestLen) s += ':';
    s += hexGroup(groups[g] as number);
  }
  return s;
}

/** Scratch groups for `formatIpv6`; the parser is synchronous, so one module-level array is safe. */
const SCRATCH = new Uint16Array(8);

/** Formats 16 bytes at buf[off] as an IPv6 address (see `formatIpv6Groups`). */
export function formatIpv6(buf: Uint8Array, off: number): string {
  for (let g = 0; g < 8; g++) SCRATCH[g] = ((buf[off + 2 * g] as number) << 8) | (buf[off + 2 * g + 1] as number);
  return formatIpv6Groups(SCRATCH);
}
