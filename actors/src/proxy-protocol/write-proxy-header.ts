// Writes PROXY protocol v1 and v2 headers for connections to upstreams that expect one.
import { crc32c } from './crc32c.js';
import { formatIpv6Groups, parseIpv4, parseIpv6 } from './ip-address.js';
import {
  PP2_TYPE_ALPN,
  PP2_TYPE_AUTHORITY,
  PP2_TYPE_CRC32C,
  PP2_TYPE_UNIQUE_ID,
  PROXY_V2_FIXED_BYTES,
  PROXY_V2_MAX_HEADER_BYTES,
  PROXY_V2_MAX_UNIQUE_ID_BYTES,
  PROXY_V2_SIGNATURE,
  type ProxyCommand,
  type ProxyEndpoint,
  type ProxyFamily,
} from './proxy-header.js';

/** The families a v1 line can carry. */
export type ProxyV1Family = 'tcp4' | 'tcp6' | 'unknown';

/**
 * Writes `PROXY TCP4|TCP6 src dst sport dport\r\n`, or `PROXY UNKNOWN\r\n` (endpoints ignored).
 * IPv4 addresses must be canonical dotted quads; IPv6 addresses may be any RFC 4291 text and are
 * written in Node's canonical form, so the upstream sees what `parseProxyHeader` would report.
 * Throws a RangeError for an address that does not fit the family or a port outside 0-65535: the
 * caller passes socket facts, so a mismatch (an IPv4-mapped `::ffff:` address with `tcp4`, say)
 * is a bug to surface, not input to repair.
 *
 * @example
 * writeProxyHeaderV1({ address: socket.remoteAddress, port: socket.remotePort }, local, 'tcp4')
 */
export function writeProxyHeaderV1(source: ProxyEndpoint | undefined, destination: ProxyEndpoint | undefined, family: ProxyV1Family): Buffer {
  if (family === 'unknown') return Buffer.from('PROXY UNKNOWN\r\n', 'latin1');
  const src = required(source, 'source', family);
  const dst = required(destination, 'destination', family);
  const line =
    (family === 'tcp4' ? 'PROXY TCP4 ' : 'PROXY TCP6 ') +
    v1Address(src.address, family) +
    ' ' +
    v1Address(dst.address, family) +
    ' ' +
    String(checkPort(src.port)) +
    ' ' +
    String(checkPort(dst.port)) +
    '\r\n';
  return Buffer.from(line, 'latin1');
}

/** What `writeProxyHeaderV2` sends. */
export interface ProxyHeaderV2Options {
  readonly command: ProxyCommand;
  /** `unknown` writes AF_UNSPEC with no address block; every other family needs both endpoints. */
  readonly family: ProxyFamily;
  readonly source?: ProxyEndpoint;
  readonly destination?: ProxyEndpoint;
  readonly tlvs?: {
    /** PP2_TYPE_ALPN, written as latin1 bytes ("h2"). */
    readonly alpn?: string;
    /** PP2_TYPE_AUTHORITY (the SNI), written as UTF-8. */
    readonly authority?: string;
    /** PP2_TYPE_UNIQUE_ID, at most 128 bytes. */
    readonly uniqueId?: Uint8Array;
  };
  /** Append a PP2_TYPE_CRC32C TLV so the receiver can detect a damaged header. */
  readonly withCrc32c?: boolean;
}

const FAMILY_BYTE: { readonly [K in ProxyFamily]: number } = {
  unknown: 0x00,
  tcp4: 0x11,
  udp4: 0x12,
  tcp6: 0x21,
  udp6: 0x22,
  unix: 0x31,
  'unix-dgram': 0x32,
};

const ADDRESS_BYTES: { readonly [K in ProxyFamily]: number } = {
  unknown: 0,
  tcp4: 12,
  udp4: 12,
  tcp6: 36,
  udp6: 36,
  unix: 216,
  'unix-dgram': 216,
};

const UNIX_PATH_BYTES = 108;

/**
 * Writes a binary v2 header: signature, version 2 with the command, the family, the address block
 * and the TLVs, in type order, then the CRC32C over the whole header when asked. Throws a
 * RangeError for an endpoint that does not fit the family, a port outside 0-65535, a unique id over
 * 128 bytes, or a header over `PROXY_V2_MAX_HEADER_BYTES` (what `parseProxyHeader` accepts).
 *
 * @example
 * writeProxyHeaderV2({ command: 'proxy', family: 'tcp6', source, destination, tlvs: { alpn: 'h2' }, withCrc32c: true })
 * writeProxyHeaderV2({ command: 'local', family: 'unknown' }) // a health check
 */
export function writeProxyHeaderV2(options: ProxyHeaderV2Options): Buffer {
  const { command, family, tlvs } = options;
  const addressBytes = ADDRESS_BYTES[family];
  const alpn = tlvs?.alpn === undefined ? undefined : Buffer.from(checkLatin1(tlvs.alpn, 'alpn'), 'latin1');
  const authority = tlvs?.authority === undefined ? undefined : Buffer.from(tlvs.authority, 'utf8');
  const uniqueId = tlvs?.uniqueId;
  if (uniqueId !== undefined && uniqueId.length > PROXY_V2_MAX_UNIQUE_ID_BYTES) {
    throw new RangeError(`uniqueId of ${uniqueId.length} bytes exceeds ${PROXY_V2_MAX_UNIQUE_ID_BYTES}`);
  }
  const withCrc = options.withCrc32c === true;
  const length =
    addressBytes +
    (alpn === undefined ? 0 : 3 + alpn.length) +
    (authority === undefined ? 0 : 3 + authority.length) +
    (withCrc ? 7 : 0) +
    (uniqueId === undefined ? 0 : 3 + uniqueId.length);
  const total = PROXY_V2_FIXED_BYTES + length;
  if (total > PROXY_V2_MAX_HEADER_BYTES) throw new RangeError(`PROXY v2 header of ${total} bytes exceeds ${PROXY_V2_MAX_HEADER_BYTES}`);

  const out = Buffer.alloc(total); // zero-filled: unused AF_UNIX path bytes and the CRC field start at 0
  PROXY_V2_SIGNATURE.copy(out, 0);
  out[12] = 0x20 | (command === 'proxy' ? 1 : 0);
  out[13] = FAMILY_BYTE[family];
  out.writeUInt16BE(length, 14);
  let pos = PROXY_V2_FIXED_BYTES;
  if (addressBytes > 0) {
    const src = required(options.source, 'source', family);
    const dst = required(options.destination, 'destination', family);
    if (addressBytes === 12) {
      out.writeUInt32BE(ipv4Value(src.address), pos);
      out.writeUInt32BE(ipv4Value(dst.address), pos + 4);
      out.writeUInt16BE(checkPort(src.port), pos + 8);
      out.writeUInt16BE(checkPort(dst.port), pos + 10);
    } else if (addressBytes === 36) {
      writeIpv6(out, pos, src.address);
      writeIpv6(out, pos + 16, dst.address);
      out.writeUInt16BE(checkPort(src.port), pos + 32);
      out.writeUInt16BE(checkPort(dst.port), pos + 34);
    } else {
      writeUnixPath(out, pos, src.address);
      writeUnixPath(out, pos + UNIX_PATH_BYTES, dst.address);
    }
    pos += addressBytes;
  }
  if (alpn !== undefined) pos = writeTlv(out, pos, PP2_TYPE_ALPN, alpn);
  if (authority !== undefined) pos = writeTlv(out, pos, PP2_TYPE_AUTHORITY, authority);
  let crcAt = -1;
  if (withCrc) {
    out[pos] = PP2_TYPE_CRC32C;
    out.writeUInt16BE(4, pos + 1);
    crcAt = pos + 3;
    pos += 7;
  }
  if (uniqueId !== undefined) pos = writeTlv(out, pos, PP2_TYPE_UNIQUE_ID, uniqueId);
  // Spec §2.2.3: computed over the whole header while the CRC field still holds zeros.
  if (crcAt >= 0) out.writeUInt32BE(crc32c(out, 0, total), crcAt);
  return out;
}

function writeTlv(out: Buffer, pos: number, type: number, value: Uint8Array): number {
  if (value.length > 0xffff) throw new RangeError(`TLV 0x${type.toString(16)} of ${value.length} bytes exceeds 65535`);
  out[pos] = type;
  out.writeUInt16BE(value.length, pos + 1);
  out.set(value, pos + 3);
  return pos + 3 + value.length;
}

function required(endpoint: ProxyEndpoint | undefined, which: string, family: ProxyFamily): ProxyEndpoint {
  if (endpoint === undefined) throw new RangeError(`a ${family} PROXY header needs a ${which} endpoint`);
  return endpoint;
}

function checkPort(port: number): number {
  if (!Number.isInteger(port) || port < 0 || port > 0xffff) throw new RangeError(`port ${port} is not an integer from 0 to 65535`);
  return port;
}

function checkLatin1(value: string, what: string): string {
  for (let i = 0; i < value.length; i++) {
    if (value.charCodeAt(i) > 0xff) throw new RangeError(`${what} holds a character beyond latin1`);
  }
  return value;
}

/** The address as ASCII bytes; anything else cannot be an IP address (and would be mangled by latin1). */
function asciiBytes(address: string): Buffer | undefined {
  for (let i = 0; i < address.length; i++) if (address.charCodeAt(i) > 0x7f) return undefined;
  return Buffer.from(address, 'latin1');
}

function ipv4Value(address: string): number {
  const bytes = asciiBytes(address);
  const value = bytes === undefined ? -1 : parseIpv4(bytes, 0, bytes.length);
  if (value < 0) throw new RangeError(`${JSON.stringify(address)} is not a canonical IPv4 dotted quad`);
  return value;
}

const GROUPS = new Uint16Array(8);

function ipv6Groups(address: string): Uint16Array {
  const bytes = asciiBytes(address);
  if (bytes === undefined || !parseIpv6(bytes, 0, bytes.length, GROUPS)) throw new RangeError(`${JSON.stringify(address)} is not an IPv6 address`);
  return GROUPS;
}

function writeIpv6(out: Buffer, pos: number, address: string): void {
  const groups = ipv6Groups(address);
  for (let g = 0; g < 8; g++) out.writeUInt16BE(groups[g] as number, pos + 2 * g);
}

function v1Address(address: string, family: 'tcp4' | 'tcp6'): string {
  if (family === 'tcp4') {
    ipv4Value(address);
    return address;
  }
  return formatIpv6Groups(ipv6Groups(address));
}

/** A path as UTF-8 in a 108-byte sun_path, NUL-padded; "@name" is an abstract-namespace name. */
function writeUnixPath(out: Buffer, pos: number, path: string): void {
  const isAbstract = path.startsWith('@');
  const bytes = Buffer.from(isAbstract ? path.slice(1) : path, 'utf8');
  const offset = isAbstract ? 1 : 0;
  if (bytes.includes(0)) throw new RangeError('an AF_UNIX path cannot hold NUL');
  if (offset + bytes.length > UNIX_PATH_BYTES) throw new RangeError(`AF_UNIX path of ${offset + bytes.length} bytes exceeds ${UNIX_PATH_BYTES}`);
  if (isAbstract && bytes.length === 0) throw new RangeError('an abstract AF_UNIX name cannot be empty');
  out.set(bytes, pos + offset);
}
