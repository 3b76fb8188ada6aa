// Parses a PROXY protocol v1 or v2 header from the first bytes of a connection, strictly, into a ProxyHeader.
import { isUtf8 } from 'node:buffer';
import { latin1Slice } from '../http/buffer-latin1.js';
import { crc32c, crc32cZeros } from './crc32c.js';
import { formatIpv4, formatIpv6, formatIpv6Groups, parseIpv4, parseIpv6 } from './ip-address.js';
import {
  PP2_SUBTYPE_SSL_CIPHER,
  PP2_SUBTYPE_SSL_CN,
  PP2_SUBTYPE_SSL_KEY_ALG,
  PP2_SUBTYPE_SSL_SIG_ALG,
  PP2_SUBTYPE_SSL_VERSION,
  PP2_TYPE_ALPN,
  PP2_TYPE_AUTHORITY,
  PP2_TYPE_CRC32C,
  PP2_TYPE_NETNS,
  PP2_TYPE_NOOP,
  PP2_TYPE_SSL,
  PP2_TYPE_UNIQUE_ID,
  PROXY_V1_MAX_BYTES,
  PROXY_V1_PREFIX,
  PROXY_V2_FIXED_BYTES,
  PROXY_V2_MAX_HEADER_BYTES,
  PROXY_V2_MAX_UNIQUE_ID_BYTES,
  PROXY_V2_SIGNATURE,
  type ProxyCommand,
  type ProxyEndpoint,
  type ProxyFamily,
  type ProxyHeader,
  type ProxySslInfo,
  type ProxyTlv,
  type ProxyTlvs,
} from './proxy-header.js';
import type { ProxyProtocolErrorCode } from './proxy-protocol-error-codes.js';

/** Which header versions a listener takes from its trusted peers. */
export interface ProxyVersionsAccepted {
  readonly v1: boolean;
  readonly v2: boolean;
}

/** More bytes are needed. When the connection ends first, the caller treats this as an error. */
export interface ProxyHeaderIncomplete {
  readonly kind: 'incomplete';
}

/** The bytes are not a PROXY header at all (an HTTP request, a TLS ClientHello …); nothing was consumed. */
export interface ProxyHeaderNone {
  readonly kind: 'none';
}

export interface ProxyHeaderParsed {
  readonly kind: 'header';
  readonly header: ProxyHeader;
  /** Header bytes from `start`; the connection's own data begins at start + consumed. */
  readonly consumed: number;
}

export interface ProxyHeaderError {
  readonly kind: 'error';
  readonly code: ProxyProtocolErrorCode;
  /** For logs only; decide on `code`. */
  readonly reason: string;
}

export type ProxyHeaderResult = ProxyHeaderIncomplete | ProxyHeaderNone | ProxyHeaderParsed | ProxyHeaderError;

export const PROXY_INCOMPLETE: ProxyHeaderIncomplete = Object.freeze({ kind: 'incomplete' });
export const PROXY_NONE: ProxyHeaderNone = Object.freeze({ kind: 'none' });

const CR = 0x0d;
const LF = 0x0a;
const SP = 0x20;

/**
 * A v2 signature diverging at or after this index is reported as ERR_PROXY_V2_SIGNATURE rather than
 * `none`: "\r\n\r\n\0" cannot start HTTP (the NUL) nor TLS, so such bytes are a damaged header,
 * while "\r\n" followed by a request line is HTTP with a leading empty line (RFC 9112 §2.2).
 */
const V2_SIGNATURE_COMMITTED = 5;

/** Shared by every header without TLVs, so v1 and bare v2 headers allocate no TLV object. */
const NO_TLVS: ProxyTlvs = Object.freeze({ unknown: Object.freeze([]) as readonly ProxyTlv[] });
const NO_UNKNOWN_TLVS: readonly ProxyTlv[] = NO_TLVS.unknown;

/** v2 family byte (address family << 4 | transport) → family, or undefined when invalid (spec §2.2). */
const V2_FAMILY: readonly (ProxyFamily | undefined)[] = (() => {
  const t: (ProxyFamily | undefined)[] = new Array<ProxyFamily | undefined>(256).fill(undefined);
  t[0x00] = 'unknown';
  t[0x11] = 'tcp4';
  t[0x12] = 'udp4';
  t[0x21] = 'tcp6';
  t[0x22] = 'udp6';
  t[0x31] = 'unix';
  t[0x32] = 'unix-dgram';
  return t;
})();

/** Size of the address block per family byte: 2 × 4 + 2 × 2, 2 × 16 + 2 × 2, 2 × 108. */
const V2_ADDRESS_BYTES = new Uint16Array(256);
V2_ADDRESS_BYTES[0x11] = V2_ADDRESS_BYTES[0x12] = 12;
V2_ADDRESS_BYTES[0x21] = V2_ADDRESS_BYTES[0x22] = 36;
V2_ADDRESS_BYTES[0x31] = V2_ADDRESS_BYTES[0x32] = 216;

const UNIX_PATH_BYTES = 108;

/** Scratch for IPv6 text parsing; the parser is synchronous, so one module-level array is safe. */
const GROUPS = new Uint16Array(8);

/**
 * Parses a PROXY header at buf[start, end), v1 (`PROXY TCP4 …\r\n`) or v2 (binary, signature
 * `\r\n\r\n\0\r\nQUIT\n`). The function keeps no state: call it again with more bytes until it
 * answers something other than `incomplete`. It decides as early as the bytes allow: `none` from
 * the first byte that rules out both signatures, a v2 version/command/family/length error from the
 * 16-byte fixed part.
 *
 * Strictness: v1 exactly as spec §2.1 (upper-case keywords, single spaces, canonical dotted quads,
 * RFC 4291 IPv6, ports 0-65535 without leading zeros, CRLF within 107 bytes); v2 rejects unknown
 * version, command and family values, a length that cannot hold the family's address block or
 * exceeds `PROXY_V2_MAX_HEADER_BYTES`, TLVs that do not tile the rest exactly, repeated singular
 * TLVs, and a CRC32C TLV that does not match. LOCAL headers report no addresses (spec: use the
 * real endpoints), though their TLVs are still read and checked. Only ask for a header from
 * trusted peers: anyone can write one. `end` must not exceed `buf.length`.
 *
 * @example
 * const r = parseProxyHeader(chunk, 0, chunk.length, { v1: true, v2: true });
 * if (r.kind === 'header') clientAddress = r.header.source?.address ?? socket.remoteAddress;
 * else if (r.kind === 'incomplete') wait for more bytes (an error if the peer closes);
 * else reject: a trusted peer must send a header, so `none` is an error too.
 */
export function parseProxyHeader(buf: Buffer, start: number, end: number, accept: ProxyVersionsAccepted): ProxyHeaderResult {
  if (end <= start) return PROXY_INCOMPLETE;
  const first = buf[start];
  if (first === 0x50) return parseV1(buf, start, end, accept);
  if (first === CR) return parseV2(buf, start, end, accept);
  return PROXY_NONE;
}

/** Big-endian reads without the bounds checks of readUInt16BE/readUInt32BE: callers stay inside [start, end). */
function u16(buf: Buffer, at: number): number {
  return ((buf[at] as number) << 8) | (buf[at + 1] as number);
}

function u32(buf: Buffer, at: number): number {
  return (((buf[at] as number) << 24) | ((buf[at + 1] as number) << 16) | ((buf[at + 2] as number) << 8) | (buf[at + 3] as number)) >>> 0;
}

function fail(code: ProxyProtocolErrorCode, reason: string): ProxyHeaderError {
  return { kind: 'error', code, reason };
}

// ---------------------------------------------------------------------------------------------
// v1

function parseV1(buf: Buffer, start: number, end: number, accept: ProxyVersionsAccepted): ProxyHeaderResult {
  const prefixEnd = Math.min(end, start + PROXY_V1_PREFIX.length);
  for (let i = start + 1; i < prefixEnd; i++) {
    if (buf[i] !== PROXY_V1_PREFIX[i - start]) return PROXY_NONE;
  }
  if (prefixEnd - start < PROXY_V1_PREFIX.length) return PROXY_INCOMPLETE;
  if (!accept.v1) return fail('ERR_PROXY_VERSION_NOT_ACCEPTED', 'a PROXY v1 header, and this listener does not accept v1');

  // Find the CRLF. The line, CRLF included, must fit in 107 bytes (spec §2.1).
  const limit = start + PROXY_V1_MAX_BYTES;
  const scanEnd = Math.min(end, limit);
  let lineEnd = -1;
  for (let i = start + PROXY_V1_PREFIX.length; i < scanEnd; i++) {
    const b = buf[i];
    if (b === LF) return fail('ERR_PROXY_V1_SYNTAX', 'LF without CR in the PROXY v1 line');
    if (b === CR) {
      if (i + 1 >= limit) return fail('ERR_PROXY_V1_TOO_LONG', `no CRLF within ${PROXY_V1_MAX_BYTES} bytes`);
      if (i + 1 >= end) return PROXY_INCOMPLETE;
      if (buf[i + 1] !== LF) return fail('ERR_PROXY_V1_SYNTAX', 'CR not followed by LF in the PROXY v1 line');
      lineEnd = i;
      break;
    }
  }
  if (lineEnd < 0) {
    return end >= limit ? fail('ERR_PROXY_V1_TOO_LONG', `no CRLF within ${PROXY_V1_MAX_BYTES} bytes`) : PROXY_INCOMPLETE;
  }
  const consumed = lineEnd + 2 - start;

  // The protocol token runs to the next SP or to the CRLF.
  const familyStart = start + PROXY_V1_PREFIX.length;
  let pos = familyStart;
  while (pos < lineEnd && buf[pos] !== SP) pos++;
  const familyLength = pos - familyStart;
  if (familyLength === 0) return fail('ERR_PROXY_V1_SYNTAX', 'empty protocol field (two spaces?)');
  let family: 'tcp4' | 'tcp6';
  if (familyLength === 4 && buf[familyStart] === 0x54 && buf[familyStart + 1] === 0x43 && buf[familyStart + 2] === 0x50) {
    const v = buf[familyStart + 3];
    if (v === 0x34) family = 'tcp4';
    else if (v === 0x36) family = 'tcp6';
    else return v1FamilyError(buf, familyStart, pos);
  } else if (familyLength === 7 && latin1Slice(buf, familyStart, pos) === 'UNKNOWN') {
    // Spec §2.1: with UNKNOWN the receiver ignores everything up to the CRLF.
    return { kind: 'header', header: { version: 1, command: 'proxy', family: 'unknown', tlvs: NO_TLVS }, consumed };
  } else {
    return v1FamilyError(buf, familyStart, pos);
  }

  // Exactly four fields, each non-empty, separated by single spaces, ending at the CRLF.
  if (pos === lineEnd) return fail('ERR_PROXY_V1_SYNTAX', `${family.toUpperCase()} without addresses and ports`);
  const fields = FIELD_BOUNDS;
  let n = 0;
  let fieldStart = pos + 1;
  for (let i = fieldStart; i <= lineEnd; i++) {
    if (i < lineEnd && buf[i] !== SP) continue;
    if (i === fieldStart) return fail('ERR_PROXY_V1_SYNTAX', 'empty field (two spaces, or a space before CRLF)');
    if (n === 4) return fail('ERR_PROXY_V1_SYNTAX', 'more than four fields after the protocol');
    fields[2 * n] = fieldStart;
    fields[2 * n + 1] = i;
    n++;
    fieldStart = i + 1;
  }
  if (n !== 4) return fail('ERR_PROXY_V1_SYNTAX', `${n} fields after the protocol, expected 4`);

  const srcAddress = v1Address(buf, fields[0] as number, fields[1] as number, family);
  if (srcAddress === undefined) return fail('ERR_PROXY_V1_ADDRESS', `bad ${family} source address`);
  const dstAddress = v1Address(buf, fields[2] as number, fields[3] as number, family);
  if (dstAddress === undefined) return fail('ERR_PROXY_V1_ADDRESS', `bad ${family} destination address`);
  const srcPort = v1Port(buf, fields[4] as number, fields[5] as number);
  if (srcPort < 0) return fail('ERR_PROXY_V1_PORT', 'bad source port');
  const dstPort = v1Port(buf, fields[6] as number, fields[7] as number);
  if (dstPort < 0) return fail('ERR_PROXY_V1_PORT', 'bad destination port');

  return {
    kind: 'header',
    header: {
      version: 1,
      command: 'proxy',
      family,
      source: { address: srcAddress, port: srcPort },
      destination: { address: dstAddress, port: dstPort },
      tlvs: NO_TLVS,
    },
    consumed,
  };
}

/** [start, end) of the four v1 fields; reused, the parser being synchronous. */
const FIELD_BOUNDS = new Int32Array(8);

function v1FamilyError(buf: Buffer, from: number, to: number): ProxyHeaderError {
  return fail('ERR_PROXY_V1_FAMILY', `unknown protocol ${JSON.stringify(latin1Slice(buf, from, Math.min(to, from + 16)))}`);
}

/** The address text as reported: IPv4 is canonical once valid; IPv6 is rewritten to Node's form. */
function v1Address(buf: Buffer, from: number, to: number, family: 'tcp4' | 'tcp6'): string | undefined {
  if (family === 'tcp4') return parseIpv4(buf, from, to) < 0 ? undefined : latin1Slice(buf, from, to);
  return parseIpv6(buf, from, to, GROUPS) ? formatIpv6Groups(GROUPS) : undefined;
}

/** 0-65535 in decimal, no sign, no leading zeros (spec §2.1); -1 otherwise. */
function v1Port(buf: Buffer, from: number, to: number): number {
  const length = to - from;
  if (length > 5 || (length > 1 && buf[from] === 0x30)) return -1;
  let port = 0;
  for (let i = from; i < to; i++) {
    const d = (buf[i] as number) - 0x30;
    if (d < 0 || d > 9) return -1;
    port = port * 10 + d;
  }
  return port > 0xffff ? -1 : port;
}

// ---------------------------------------------------------------------------------------------
// v2

function parseV2(buf: Buffer, start: number, end: number, accept: ProxyVersionsAccepted): ProxyHeaderResult {
  const available = end - start;
  const sigEnd = Math.min(available, PROXY_V2_SIGNATURE.length);
  for (let i = 1; i < sigEnd; i++) {
    if (buf[start + i] !== PROXY_V2_SIGNATURE[i]) {
      return i < V2_SIGNATURE_COMMITTED ? PROXY_NONE : fail('ERR_PROXY_V2_SIGNATURE', `PROXY v2 signature differs at byte ${i}`);
    }
  }
  if (available < PROXY_V2_SIGNATURE.length) return PROXY_INCOMPLETE;
  if (!accept.v2) return fail('ERR_PROXY_VERSION_NOT_ACCEPTED', 'a PROXY v2 header, and this listener does not accept v2');

  // Byte 12: version (high nibble) and command (low nibble).
  if (available < 13) return PROXY_INCOMPLETE;
  const verCmd = buf[start + 12] as number;
  if (verCmd >>> 4 !== 2) return fail('ERR_PROXY_V2_VERSION', `version ${verCmd >>> 4}, expected 2`);
  const cmd = verCmd & 0x0f;
  if (cmd > 1) return fail('ERR_PROXY_V2_COMMAND', `command ${cmd}, expected LOCAL (0) or PROXY (1)`);
  const command: ProxyCommand = cmd === 1 ? 'proxy' : 'local';

  // Byte 13: address family (high nibble) and transport (low nibble).
  if (available < 14) return PROXY_INCOMPLETE;
  const famByte = buf[start + 13] as number;
  const family = V2_FAMILY[famByte];
  if (family === undefined) return fail('ERR_PROXY_V2_FAMILY', `family byte 0x${famByte.toString(16).padStart(2, '0')}`);

  // Bytes 14-15: length of the rest, big-endian.
  if (available < PROXY_V2_FIXED_BYTES) return PROXY_INCOMPLETE;
  const length = ((buf[start + 14] as number) << 8) | (buf[start + 15] as number);
  const addressBytes = V2_ADDRESS_BYTES[famByte] as number;
  if (length < addressBytes) return fail('ERR_PROXY_V2_LENGTH', `length ${length} cannot hold the ${addressBytes}-byte ${family} address block`);
  const total = PROXY_V2_FIXED_BYTES + length;
  if (total > PROXY_V2_MAX_HEADER_BYTES) return fail('ERR_PROXY_V2_LENGTH', `header of ${total} bytes exceeds the ${PROXY_V2_MAX_HEADER_BYTES}-byte bound`);
  if (available < total) return PROXY_INCOMPLETE;

  const addr = start + PROXY_V2_FIXED_BYTES;
  const headerEnd = start + total;
  let tlvs = NO_TLVS;
  if (length > addressBytes) {
    const parsed = parseTlvs(buf, start, addr + addressBytes, headerEnd);
    if ('kind' in parsed) return parsed;
    tlvs = parsed;
  }

  // Spec §2.2: with LOCAL the receiver uses the real endpoints, whatever the block holds.
  if (command === 'local' || family === 'unknown') {
    return { kind: 'header', header: { version: 2, command, family, tlvs }, consumed: total };
  }
  let source: ProxyEndpoint;
  let destination: ProxyEndpoint;
  if (addressBytes === 12) {
    source = { address: formatIpv4(buf, addr), port: u16(buf, addr + 8) };
    destination = { address: formatIpv4(buf, addr + 4), port: u16(buf, addr + 10) };
  } else if (addressBytes === 36) {
    source = { address: formatIpv6(buf, addr), port: u16(buf, addr + 32) };
    destination = { address: formatIpv6(buf, addr + 16), port: u16(buf, addr + 34) };
  } else {
    source = { address: unixPath(buf, addr), port: 0 };
    destination = { address: unixPath(buf, addr + UNIX_PATH_BYTES), port: 0 };
  }
  return { kind: 'header', header: { version: 2, command, family, source, destination, tlvs }, consumed: total };
}

/**
 * A 108-byte sun_path: the bytes up to the first NUL, as UTF-8. A leading NUL marks Linux's abstract
 * namespace; that name (up to the next NUL) is reported as "@name".
 */
function unixPath(buf: Buffer, from: number): string {
  const to = from + UNIX_PATH_BYTES;
  if (buf[from] === 0) {
    if (buf[from + 1] === 0) return '';
    const nul = buf.indexOf(0, from + 1);
    return '@' + buf.toString('utf8', from + 1, nul < 0 || nul > to ? to : nul);
  }
  const nul = buf.indexOf(0, from);
  return buf.toString('utf8', from, nul < 0 || nul > to ? to : nul);
}

/** Mutable while the TLVs are read; returned as the readonly ProxyTlvs. */
interface TlvsDraft {
  alpn?: string;
  authority?: string;
  crc32c?: number;
  uniqueId?: Buffer;
  ssl?: ProxySslInfo;
  netns?: string;
  unknown: readonly ProxyTlv[];
}

/**
 * Reads the TLVs in buf[from, to), which they must tile exactly (spec §2.2). `headerStart` is where
 * the signature begins, for the CRC32C check over the whole header.
 */
function parseTlvs(buf: Buffer, headerStart: number, from: number, to: number): ProxyTlvs | ProxyHeaderError {
  const tlvs: TlvsDraft = { unknown: NO_UNKNOWN_TLVS };
  let unknown: ProxyTlv[] | undefined;
  let crcValueAt = -1;
  let pos = from;
  while (pos < to) {
    if (to - pos < 3) return fail('ERR_PROXY_V2_TLV', `${to - pos} trailing bytes cannot hold a TLV header`);
    const type = buf[pos] as number;
    const valueLength = ((buf[pos + 1] as number) << 8) | (buf[pos + 2] as number);
    const v = pos + 3;
    const vEnd = v + valueLength;
    if (vEnd > to) return fail('ERR_PROXY_V2_TLV', `TLV 0x${type.toString(16)} of ${valueLength} bytes overruns the header`);
    switch (type) {
      case PP2_TYPE_ALPN:
        if (tlvs.alpn !== undefined) return repeated(type);
        tlvs.alpn = latin1String(buf, v, vEnd);
        break;
      case PP2_TYPE_AUTHORITY:
        if (tlvs.authority !== undefined) return repeated(type);
        tlvs.authority = utf8String(buf, v, vEnd);
        if (tlvs.authority === undefined) return fail('ERR_PROXY_V2_TLV', 'PP2_TYPE_AUTHORITY is not UTF-8');
        break;
      case PP2_TYPE_CRC32C:
        if (crcValueAt >= 0) return repeated(type);
        if (valueLength !== 4) return fail('ERR_PROXY_V2_TLV', `PP2_TYPE_CRC32C of ${valueLength} bytes, expected 4`);
        crcValueAt = v;
        break;
      case PP2_TYPE_NOOP:
        // padding, ignored (spec §2.2.4)
        break;
      case PP2_TYPE_UNIQUE_ID:
        if (tlvs.uniqueId !== undefined) return repeated(type);
        if (valueLength > PROXY_V2_MAX_UNIQUE_ID_BYTES) {
          return fail('ERR_PROXY_V2_TLV', `PP2_TYPE_UNIQUE_ID of ${valueLength} bytes exceeds ${PROXY_V2_MAX_UNIQUE_ID_BYTES}`);
        }
        tlvs.uniqueId = copyOf(buf, v, vEnd);
        break;
      case PP2_TYPE_SSL: {
        if (tlvs.ssl !== undefined) return repeated(type);
        const ssl = parseSsl(buf, v, vEnd);
        if ('kind' in ssl) return ssl;
        tlvs.ssl = ssl;
        break;
      }
      case PP2_TYPE_NETNS:
        if (tlvs.netns !== undefined) return repeated(type);
        tlvs.netns = asciiString(buf, v, vEnd);
        if (tlvs.netns === undefined) return fail('ERR_PROXY_V2_TLV', 'PP2_TYPE_NETNS is not US-ASCII');
        break;
      default:
        (unknown ??= []).push({ type, value: copyOf(buf, v, vEnd) });
    }
    pos = vEnd;
  }
  if (crcValueAt >= 0) {
    // Spec §2.2.3: the checksum covers the whole header with the 32-bit CRC value taken as zeros.
    let crc = crc32c(buf, headerStart, crcValueAt);
    crc = crc32cZeros(4, crc);
    crc = crc32c(buf, crcValueAt + 4, to, crc);
    const sent = u32(buf, crcValueAt);
    if (crc !== sent) {
      return fail('ERR_PROXY_V2_CRC', `CRC32C 0x${sent.toString(16).padStart(8, '0')} sent, 0x${crc.toString(16).padStart(8, '0')} computed`);
    }
    tlvs.crc32c = crc;
  }
  if (unknown !== undefined) tlvs.unknown = unknown;
  return tlvs;
}

function repeated(type: number): ProxyHeaderError {
  return fail('ERR_PROXY_V2_TLV', `TLV 0x${type.toString(16).padStart(2, '0')} appears twice`);
}

interface SslDraft {
  client: number;
  verify: number;
  version?: string;
  cn?: string;
  cipher?: string;
  sigAlg?: string;
  keyAlg?: string;
}

/** PP2_TYPE_SSL (spec §2.2.5): client (1 byte), verify (4 bytes), then sub-TLVs tiling the rest. */
function parseSsl(buf: Buffer, from: number, to: number): ProxySslInfo | ProxyHeaderError {
  if (to - from < 5) return fail('ERR_PROXY_V2_TLV', `PP2_TYPE_SSL of ${to - from} bytes cannot hold client and verify`);
  const ssl: SslDraft = { client: buf[from] as number, verify: u32(buf, from + 1) };
  let pos = from + 5;
  while (pos < to) {
    if (to - pos < 3) return fail('ERR_PROXY_V2_TLV', `${to - pos} trailing bytes in PP2_TYPE_SSL cannot hold a sub-TLV header`);
    const type = buf[pos] as number;
    const v = pos + 3;
    const vEnd = v + (((buf[pos + 1] as number) << 8) | (buf[pos + 2] as number));
    if (vEnd > to) return fail('ERR_PROXY_V2_TLV', `SSL sub-TLV 0x${type.toString(16)} overruns PP2_TYPE_SSL`);
    switch (type) {
      case PP2_SUBTYPE_SSL_VERSION:
        if (ssl.version !== undefined) return repeated(type);
        ssl.version = asciiString(buf, v, vEnd);
        if (ssl.version === undefined) return fail('ERR_PROXY_V2_TLV', 'PP2_SUBTYPE_SSL_VERSION is not US-ASCII');
        break;
      case PP2_SUBTYPE_SSL_CN:
        if (ssl.cn !== undefined) return repeated(type);
        ssl.cn = utf8String(buf, v, vEnd);
        if (ssl.cn === undefined) return fail('ERR_PROXY_V2_TLV', 'PP2_SUBTYPE_SSL_CN is not UTF-8');
        break;
      case PP2_SUBTYPE_SSL_CIPHER:
        if (ssl.cipher !== undefined) return repeated(type);
        ssl.cipher = asciiString(buf, v, vEnd);
        if (ssl.cipher === undefined) return fail('ERR_PROXY_V2_TLV', 'PP2_SUBTYPE_SSL_CIPHER is not US-ASCII');
        break;
      case PP2_SUBTYPE_SSL_SIG_ALG:
        if (ssl.sigAlg !== undefined) return repeated(type);
        ssl.sigAlg = asciiString(buf, v, vEnd);
        if (ssl.sigAlg === undefined) return fail('ERR_PROXY_V2_TLV', 'PP2_SUBTYPE_SSL_SIG_ALG is not US-ASCII');
        break;
      case PP2_SUBTYPE_SSL_KEY_ALG:
        if (ssl.keyAlg !== undefined) return repeated(type);
        ssl.keyAlg = asciiString(buf, v, vEnd);
        if (ssl.keyAlg === undefined) return fail('ERR_PROXY_V2_TLV', 'PP2_SUBTYPE_SSL_KEY_ALG is not US-ASCII');
        break;
      default:
        break; // later sub-types (groups, signature schemes, the certificate) are framed, then skipped
    }
    pos = vEnd;
  }
  return ssl;
}

/** One-character strings per byte, for decoding short values without a call into C++. */
const CHAR = Array.from({ length: 256 }, (_, b) => String.fromCharCode(b));

/**
 * Values up to this long are decoded in JS: a native latin1Slice costs about as much as decoding
 * eight bytes by hand, and most TLV strings ("h2", "TLSv1.3", "RSA2048") are shorter.
 */
const SHORT_STRING_BYTES = 8;

/** buf[from, to) as a string if every byte is US-ASCII, else undefined. */
function asciiString(buf: Buffer, from: number, to: number): string | undefined {
  if (to - from <= SHORT_STRING_BYTES) {
    let s = '';
    for (let i = from; i < to; i++) {
      const b = buf[i] as number;
      if (b > 0x7f) return undefined;
      s += CHAR[b] as string;
    }
    return s;
  }
  for (let i = from; i < to; i++) if ((buf[i] as number) > 0x7f) return undefined;
  return latin1Slice(buf, from, to);
}

/** buf[from, to) as a string if it is valid UTF-8, else undefined. ASCII, the usual case, skips the UTF-8 check. */
function utf8String(buf: Buffer, from: number, to: number): string | undefined {
  const ascii = asciiString(buf, from, to);
  if (ascii !== undefined) return ascii;
  return isUtf8(buf.subarray(from, to)) ? buf.toString('utf8', from, to) : undefined;
}

/** buf[from, to) byte for byte as latin1 (U+0000-U+00FF). */
function latin1String(buf: Buffer, from: number, to: number): string {
  if (to - from <= SHORT_STRING_BYTES) {
    let s = '';
    for (let i = from; i < to; i++) s += CHAR[buf[i] as number] as string;
    return s;
  }
  return latin1Slice(buf, from, to);
}

/** A private copy, so a value outlives the caller's read buffer (which may be pooled or reused). */
function copyOf(buf: Buffer, from: number, to: number): Buffer {
  const n = to - from;
  const out = Buffer.allocUnsafe(n);
  // A byte loop beats the native copy's call overhead for ids of a few dozen bytes.
  if (n <= 64) for (let i = 0; i < n; i++) out[i] = buf[from + i] as number;
  else buf.copy(out, 0, from, to);
  return out;
}
