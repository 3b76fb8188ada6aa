// Allocation-free parsing of IPv4 / IPv6 text into 32-bit words, for CIDR matching and host checks.

/** 0: not an IP address; 4: IPv4 (IPv4-mapped IPv6 included); 6: IPv6. */
export type IpFamily = 0 | 4 | 6;

// Scratch for the eight 16-bit groups of an IPv6 address; parsing is synchronous, so one is enough.
const GROUPS = new Uint16Array(8);

/**
 * Parses a strict dotted-quad IPv4 address in `s[start, end)` (decimal octets without leading zeros)
 * and returns it as an unsigned 32-bit number, or -1.
 */
export function parseIpv4(s: string, start: number, end: number): number {
  let value = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x2e /* . */) {
      if (digits === 0 || dots === 3) return -1;
      value = value * 256 + octet;
      dots++;
      octet = 0;
      digits = 0;
    } else if (c >= 0x30 && c <= 0x39) {
      if (digits > 0 && octet === 0) return -1; // leading zero: "01" could be read as octal
      octet = octet * 10 + (c - 0x30);
      if (octet > 255) return -1;
      digits++;
    } else {
      return -1;
    }
  }
  if (digits === 0 || dots !== 3) return -1;
  return value * 256 + octet;
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const l = c | 0x20;
  if (l >= 0x61 && l <= 0x66) return l - 0x61 + 10;
  return -1;
}

/** Parses IPv6 text in `s[start, end)` into GROUPS; returns false when it is not one. */
function parseIpv6Groups(s: string, start: number, end: number): boolean {
  let n = 0;
  let gap = -1;
  let i = start;
  if (end - start < 2) return false;
  if (s.charCodeAt(i) === 0x3a /* : */) {
    if (s.charCodeAt(i + 1) !== 0x3a) return false;
    gap = 0;
    i += 2;
  }
  while (i < end) {
    let v = 0;
    let digits = 0;
    let j = i;
    for (; j < end; j++) {
      const h = hexValue(s.charCodeAt(j));
      if (h < 0) break;
      v = v * 16 + h;
      if (++digits > 4) break;
    }
    if (j < end && s.charCodeAt(j) === 0x2e /* . */) {
      // An embedded IPv4 address takes the last two groups.
      if (n > 6) return false;
      const v4 = parseIpv4(s, i, end);
      if (v4 < 0) return false;
      GROUPS[n++] = v4 >>> 16;
      GROUPS[n++] = v4 & 0xffff;
      i = end;
      break;
    }
    if (digits === 0 || digits > 4 || n === 8) return false;
    GROUPS[n++] = v;
    i = j;
    if (i === end) break;
    if (s.charCodeAt(i) !== 0x3a) return false;
    i++;
    if (i < end && s.charCodeAt(i) === 0x3a) {
      if (gap >= 0) return false; // a second "::"
      gap = n;
      i++;
    } else if (i === end) {
      return false; // a trailing single ":"
    }
  }
  if (gap < 0) return n === 8;
  if (n > 7) return false; // "::" stands for at least one group
  // Shift the groups after the gap to the end and zero the gap.
  const tail = n - gap;
  for (let k = 0; k < tail; k++) GROUPS[7 - k] = GROUPS[n - 1 - k] as number;
  for (let k = gap; k < 8 - tail; k++) GROUPS[k] = 0;
  return true;
}

/**
 * Parses an IP address into `out` without allocating and returns its family. IPv4 goes to `out[0]`;
 * IPv6 to `out[0..3]` as four big-endian 32-bit words. An IPv4-mapped IPv6 address (`::ffff:a.b.c.d`,
 * also written in hex) is reported as IPv4, so it matches IPv4 CIDRs. A zone (`fe80::1%eth0`) is ignored.
 * Brackets are accepted around IPv6 (`[::1]`), as in a Host field.
 */
export function parseIpInto(text: string, out: Uint32Array): IpFamily {
  let start = 0;
  let end = text.length;
  if (end === 0) return 0;
  if (text.charCodeAt(0) === 0x5b /* [ */) {
    if (text.charCodeAt(end - 1) !== 0x5d /* ] */) return 0;
    start = 1;
    end--;
  }
  const zone = text.indexOf('%', start);
  if (zone >= 0 && zone < end) end = zone;
  let hasColon = false;
  for (let i = start; i < end; i++) {
    if (text.charCodeAt(i) === 0x3a) {
      hasColon = true;
      break;
    }
  }
  if (!hasColon) {
    if (start !== 0) return 0;
    const v4 = parseIpv4(text, start, end);
    if (v4 < 0) return 0;
    out[0] = v4;
    return 4;
  }
  if (!parseIpv6Groups(text, start, end)) return 0;
  const g = GROUPS;
  if (g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0xffff) {
    out[0] = ((g[6] as number) << 16) | (g[7] as number);
    return 4;
  }
  out[0] = ((g[0] as number) << 16) | (g[1] as number);
  out[1] = ((g[2] as number) << 16) | (g[3] as number);
  out[2] = ((g[4] as number) << 16) | (g[5] as number);
  out[3] = ((g[6] as number) << 16) | (g[7] as number);
  return 6;
}
