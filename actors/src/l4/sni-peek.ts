// Reads the server name (SNI) from a TLS ClientHello in the first bytes of a connection, without decrypting.

/** More bytes are needed to decide. */
export interface SniIncomplete {
  readonly kind: 'incomplete';
}

/** Decided: the lower-cased host name the client asked for, or undefined when it sent none (or is not TLS). */
export interface SniDecided {
  readonly kind: 'decided';
  readonly serverName: string | undefined;
}

export type SniResult = SniIncomplete | SniDecided;

/** A ClientHello bigger than this is not waited for: the connection is routed without a name. */
export const SNI_PEEK_MAX_BYTES = 16 * 1024;

const INCOMPLETE: SniIncomplete = Object.freeze({ kind: 'incomplete' });
const NO_NAME: SniDecided = Object.freeze({ kind: 'decided', serverName: undefined });

const RECORD_HANDSHAKE = 0x16;
const HANDSHAKE_CLIENT_HELLO = 0x01;
const EXTENSION_SERVER_NAME = 0x0000;
const NAME_TYPE_HOST_NAME = 0x00;
const RECORD_HEADER_BYTES = 5;
/** RFC 8446 §5.1: a TLSPlaintext fragment is at most 2^14 bytes. */
const MAX_RECORD_BYTES = 16_384;

/**
 * Looks for a ClientHello at buf[0, end) and answers as soon as the bytes allow: `decided` with
 * no name when they are not a TLS handshake record, the hello is malformed, it carries no
 * server_name, or it would exceed `SNI_PEEK_MAX_BYTES`; `incomplete` while more bytes could tell.
 * The hello may span several handshake records (RFC 8446 §5.1 allows fragmentation); they are
 * reassembled only in that rare case. Nothing is consumed: the caller forwards every byte as is.
 *
 * A name is returned only if it is a plausible DNS name (letters, digits, `-`, `_`, `.`; at most
 * 253 bytes), lower-cased and without a trailing dot, so routing compares it like a Host value.
 *
 * @example
 * const r = peekSni(first, first.length);
 * if (r.kind === 'decided') route(r.serverName ?? '');
 */
export function peekSni(buf: Uint8Array, end: number): SniResult {
  if (end < 1) return INCOMPLETE;
  if (buf[0] !== RECORD_HANDSHAKE) return NO_NAME;
  // Fast path: the whole hello inside the first record, as every real client sends it.
  if (end < RECORD_HEADER_BYTES) return INCOMPLETE;
  if (buf[1] !== 0x03) return NO_NAME;
  const firstLength = u16(buf, 3);
  if (firstLength === 0 || firstLength > MAX_RECORD_BYTES) return NO_NAME;
  if (end > RECORD_HEADER_BYTES && buf[RECORD_HEADER_BYTES] !== HANDSHAKE_CLIENT_HELLO) return NO_NAME;
  // The handshake header (type, 24-bit length) must lie in this record for the fast path.
  if (firstLength >= 4 && end >= RECORD_HEADER_BYTES + 4) {
    const helloLength = u24(buf, RECORD_HEADER_BYTES + 1);
    if (helloLength + 4 > SNI_PEEK_MAX_BYTES) return NO_NAME;
    if (helloLength + 4 <= firstLength) {
      if (end < RECORD_HEADER_BYTES + 4 + helloLength) return INCOMPLETE;
      return decided(serverNameOf(buf, RECORD_HEADER_BYTES + 4, RECORD_HEADER_BYTES + 4 + helloLength));
    }
  }
  return peekFragmented(buf, end);
}

/** The slow path: handshake bytes gathered from consecutive records until the hello is whole. */
function peekFragmented(buf: Uint8Array, end: number): SniResult {
  const handshake: number[] = [];
  let at = 0;
  for (;;) {
    if (end - at < RECORD_HEADER_BYTES) return INCOMPLETE;
    if (buf[at] !== RECORD_HANDSHAKE || buf[at + 1] !== 0x03) return NO_NAME;
    const length = u16(buf, at + 3);
    if (length === 0 || length > MAX_RECORD_BYTES) return NO_NAME;
    const bodyEnd = Math.min(end, at + RECORD_HEADER_BYTES + length);
    for (let i = at + RECORD_HEADER_BYTES; i < bodyEnd; i++) handshake.push(buf[i] as number);
    if (handshake.length >= 4) {
      if (handshake[0] !== HANDSHAKE_CLIENT_HELLO) return NO_NAME;
      const helloLength = ((handshake[1] as number) << 16) | ((handshake[2] as number) << 8) | (handshake[3] as number);
      if (helloLength + 4 > SNI_PEEK_MAX_BYTES) return NO_NAME;
      if (handshake.length >= helloLength + 4) return decided(serverNameOf(Uint8Array.from(handshake), 4, 4 + helloLength));
    }
    if (bodyEnd < at + RECORD_HEADER_BYTES + length) return INCOMPLETE;
    at += RECORD_HEADER_BYTES + length;
    // Record headers count too: a hello cut into tiny records is not waited for without end.
    if (at > 2 * SNI_PEEK_MAX_BYTES) return NO_NAME;
  }
}

function decided(serverName: string | undefined): SniDecided {
  return serverName === undefined ? NO_NAME : { kind: 'decided', serverName };
}

/**
 * The host_name of the server_name extension of a ClientHello body at buf[start, end) (RFC 8446
 * §4.1.2, RFC 6066 §3), or undefined when there is none or the body does not parse.
 */
function serverNameOf(buf: Uint8Array, start: number, end: number): string | undefined {
  let at = start + 2 + 32; // legacy_version, random
  if (at + 1 > end) return undefined;
  at += 1 + (buf[at] as number); // legacy_session_id
  if (at + 2 > end) return undefined;
  at += 2 + u16(buf, at); // cipher_suites
  if (at + 1 > end) return undefined;
  at += 1 + (buf[at] as number); // legacy_compression_methods
  if (at + 2 > end) return undefined; // no extensions at all
  const extensionsEnd = at + 2 + u16(buf, at);
  if (extensionsEnd > end) return undefined;
  at += 2;
  while (at + 4 <= extensionsEnd) {
    const type = u16(buf, at);
    const length = u16(buf, at + 2);
    const dataStart = at + 4;
    const dataEnd = dataStart + length;
    if (dataEnd > extensionsEnd) return undefined;
    if (type === EXTENSION_SERVER_NAME) return hostNameOf(buf, dataStart, dataEnd);
    at = dataEnd;
  }
  return undefined;
}

/** The first host_name entry of a ServerNameList. */
function hostNameOf(buf: Uint8Array, start: number, end: number): string | undefined {
  if (start + 2 > end) return undefined;
  const listEnd = start + 2 + u16(buf, start);
  if (listEnd > end) return undefined;
  let at = start + 2;
  while (at + 3 <= listEnd) {
    const nameType = buf[at] as number;
    const length = u16(buf, at + 1);
    const nameStart = at + 3;
    if (nameStart + length > listEnd) return undefined;
    if (nameType === NAME_TYPE_HOST_NAME) return hostName(buf, nameStart, nameStart + length);
    at = nameStart + length;
  }
  return undefined;
}

/** A DNS name as lower-case text, or undefined for anything that is not one. */
function hostName(buf: Uint8Array, start: number, end: number): string | undefined {
  if (end > start && buf[end - 1] === 0x2e) end--; // a trailing dot names the same host
  const length = end - start;
  if (length === 0 || length > 253) return undefined;
  let name = '';
  for (let i = start; i < end; i++) {
    let c = buf[i] as number;
    if (c >= 0x41 && c <= 0x5a) c |= 0x20;
    const ok = (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x2e || c === 0x5f;
    if (!ok) return undefined;
    name += String.fromCharCode(c);
  }
  return name;
}

function u16(buf: Uint8Array, at: number): number {
  return ((buf[at] as number) << 8) | (buf[at + 1] as number);
}

function u24(buf: Uint8Array, at: number): number {
  return ((buf[at] as number) << 16) | ((buf[at + 1] as number) << 8) | (buf[at + 2] as number);
}
