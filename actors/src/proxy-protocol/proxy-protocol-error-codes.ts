// The stable error codes of the PROXY protocol codec, each with the sentence that documents it.

/**
 * Every code `parseProxyHeader` can report. Listed once as a const array so the project's error
 * catalogue (core/errors.ts) can include them; `ProxyProtocolErrorDocs` documents each one and the
 * compiler checks the two stay in step.
 */
export const PROXY_PROTOCOL_ERROR_CODES = [
  'ERR_PROXY_V1_TOO_LONG',
  'ERR_PROXY_V1_SYNTAX',
  'ERR_PROXY_V1_FAMILY',
  'ERR_PROXY_V1_ADDRESS',
  'ERR_PROXY_V1_PORT',
  'ERR_PROXY_V2_SIGNATURE',
  'ERR_PROXY_V2_VERSION',
  'ERR_PROXY_V2_COMMAND',
  'ERR_PROXY_V2_FAMILY',
  'ERR_PROXY_V2_LENGTH',
  'ERR_PROXY_V2_TLV',
  'ERR_PROXY_V2_CRC',
  'ERR_PROXY_VERSION_NOT_ACCEPTED',
] as const;

export type ProxyProtocolErrorCode = (typeof PROXY_PROTOCOL_ERROR_CODES)[number];

/** One sentence per code, ready to merge into the project's error catalogue. */
export const ProxyProtocolErrorDocs: { readonly [K in ProxyProtocolErrorCode]: string } = {
  ERR_PROXY_V1_TOO_LONG: 'A PROXY v1 line has no CRLF within its first 107 bytes, the limit of the spec (§2.1).',
  ERR_PROXY_V1_SYNTAX: 'A PROXY v1 line is not `PROXY SP family SP src SP dst SP sport SP dport CRLF` with single spaces, or holds a bare CR or LF.',
  ERR_PROXY_V1_FAMILY: 'A PROXY v1 line names a protocol other than TCP4, TCP6 or UNKNOWN (upper case).',
  ERR_PROXY_V1_ADDRESS: 'A PROXY v1 address is not a dotted quad without leading zeros (TCP4) or a valid RFC 4291 IPv6 text address (TCP6).',
  ERR_PROXY_V1_PORT: 'A PROXY v1 port is not a decimal number from 0 to 65535 without leading zeros.',
  ERR_PROXY_V2_SIGNATURE: 'The bytes begin like the PROXY v2 signature (\\r\\n\\r\\n\\0) but the 12-byte signature does not match.',
  ERR_PROXY_V2_VERSION: 'The version nibble of a PROXY v2 header is not 2.',
  ERR_PROXY_V2_COMMAND: 'The command nibble of a PROXY v2 header is neither LOCAL (0) nor PROXY (1).',
  ERR_PROXY_V2_FAMILY: 'The family byte of a PROXY v2 header is not UNSPEC or one of INET, INET6, UNIX with STREAM or DGRAM.',
  ERR_PROXY_V2_LENGTH: 'The PROXY v2 length is shorter than the address block of its family or longer than the accepted bound.',
  ERR_PROXY_V2_TLV: 'A PROXY v2 TLV (or SSL sub-TLV) overruns its block, has a value of the wrong size or encoding, or repeats a singular type.',
  ERR_PROXY_V2_CRC: 'A PROXY v2 header carries a CRC32C TLV that does not match the checksum of the header.',
  ERR_PROXY_VERSION_NOT_ACCEPTED: 'The connection starts with a PROXY header of a version the listener does not accept.',
};
