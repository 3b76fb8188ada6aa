// The model of a PROXY protocol header (HAProxy proxy-protocol.txt, v1 and v2) and its wire constants.

/** PROXY: the addresses are those of the original client connection. LOCAL: the peer speaks for itself (a health check); use the real endpoints. */
export type ProxyCommand = 'proxy' | 'local';

/**
 * The transport and address family. v1 knows tcp4, tcp6 and unknown; v2 adds UDP and AF_UNIX
 * (stream and datagram, which v2 tells apart). `unknown` is v1 UNKNOWN or v2 AF_UNSPEC: the peer
 * gives no addresses, and the receiver uses the real connection endpoints.
 */
export type ProxyFamily = 'tcp4' | 'tcp6' | 'udp4' | 'udp6' | 'unix' | 'unix-dgram' | 'unknown';

/**
 * One end of the proxied connection. IPv4 as a dotted quad; IPv6 in Node's `remoteAddress` form
 * (RFC 5952, `::ffff:a.b.c.d` for IPv4-mapped); AF_UNIX as the socket path with `port` 0, an
 * abstract-namespace name written as `@name`.
 */
export interface ProxyEndpoint {
  readonly address: string;
  readonly port: number;
}

/** A v2 TLV the codec has no typed field for (custom 0xE0-0xEF, experimental, future types). */
export interface ProxyTlv {
  readonly type: number;
  /** A copy: it stays valid after the caller reuses its read buffer. */
  readonly value: Buffer;
}

/** PP2_TYPE_SSL: facts about the TLS session between the client and the sending proxy. */
export interface ProxySslInfo {
  /** Bit field of PP2_CLIENT_SSL (1), PP2_CLIENT_CERT_CONN (2), PP2_CLIENT_CERT_SESS (4). */
  readonly client: number;
  /** 0 when the client presented a certificate that verified; any other value otherwise. */
  readonly verify: number;
  /** PP2_SUBTYPE_SSL_VERSION, such as "TLSv1.3". */
  readonly version?: string;
  /** PP2_SUBTYPE_SSL_CN: the Common Name of the client certificate's subject. */
  readonly cn?: string;
  /** PP2_SUBTYPE_SSL_CIPHER, such as "ECDHE-RSA-AES128-GCM-SHA256". */
  readonly cipher?: string;
  /** PP2_SUBTYPE_SSL_SIG_ALG: the algorithm that signed the client certificate, such as "SHA256". */
  readonly sigAlg?: string;
  /** PP2_SUBTYPE_SSL_KEY_ALG: the client certificate's key algorithm, such as "RSA2048". */
  readonly keyAlg?: string;
}

/** The typed metadata of a v2 header. A v1 header, or a v2 header without TLVs, has only `unknown: []`. */
export interface ProxyTlvs {
  /** PP2_TYPE_ALPN: the protocol the client negotiated, its bytes as latin1 ("h2", "http/1.1"). */
  readonly alpn?: string;
  /** PP2_TYPE_AUTHORITY: the host name the client asked for (TLS SNI), UTF-8. */
  readonly authority?: string;
  /** PP2_TYPE_CRC32C: present only if it matched the header, so a value here is verified. */
  readonly crc32c?: number;
  /** PP2_TYPE_UNIQUE_ID: an opaque id of the connection, at most 128 bytes (a copy). */
  readonly uniqueId?: Buffer;
  readonly ssl?: ProxySslInfo;
  /** PP2_TYPE_NETNS: the network namespace the client connection was accepted in. */
  readonly netns?: string;
  /** Every other TLV, in wire order. PP2_TYPE_NOOP and unknown SSL sub-TLVs are checked and dropped. */
  readonly unknown: readonly ProxyTlv[];
}

export interface ProxyHeader {
  readonly version: 1 | 2;
  readonly command: ProxyCommand;
  readonly family: ProxyFamily;
  /** The client end. Absent for `local`, `unknown`, and v1 UNKNOWN: use the real peer address then. */
  readonly source?: ProxyEndpoint;
  /** The end the client connected to (the sending proxy's listener). Absent when `source` is. */
  readonly destination?: ProxyEndpoint;
  readonly tlvs: ProxyTlvs;
}

/** v1: the longest line a receiver must accept, CRLF included (spec §2.1: 107 bytes for UNKNOWN with IPv6 addresses). */
export const PROXY_V1_MAX_BYTES = 107;

/** v1 lines start with these 6 bytes, upper case. */
export const PROXY_V1_PREFIX: Buffer = Buffer.from('PROXY ', 'latin1');

/** v2 headers start with this 12-byte signature, chosen to be invalid in every text protocol. */
export const PROXY_V2_SIGNATURE: Buffer = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);

/** v2: signature, version/command, family, length. The address block and TLVs follow. */
export const PROXY_V2_FIXED_BYTES = 16;

/**
 * v2: the largest whole header this codec accepts or writes (fixed part + length). The spec allows
 * 16 + 65535; 4 KiB holds the biggest address block (216 bytes for AF_UNIX) plus far more TLV data
 * than HAProxy, AWS NLB, GCP or Azure Private Link send (ALPN, SNI, a unique id, SSL facts, a VPC
 * endpoint id), while bounding what a receiver buffers before it can decide.
 */
export const PROXY_V2_MAX_HEADER_BYTES = 4096;

/** v2 TLV types (spec §2.2). */
export const PP2_TYPE_ALPN = 0x01;
export const PP2_TYPE_AUTHORITY = 0x02;
export const PP2_TYPE_CRC32C = 0x03;
export const PP2_TYPE_NOOP = 0x04;
export const PP2_TYPE_UNIQUE_ID = 0x05;
export const PP2_TYPE_SSL = 0x20;
export const PP2_SUBTYPE_SSL_VERSION = 0x21;
export const PP2_SUBTYPE_SSL_CN = 0x22;
export const PP2_SUBTYPE_SSL_CIPHER = 0x23;
export const PP2_SUBTYPE_SSL_SIG_ALG = 0x24;
export const PP2_SUBTYPE_SSL_KEY_ALG = 0x25;
export const PP2_TYPE_NETNS = 0x30;

/** Bits of `ProxySslInfo.client`. */
export const PP2_CLIENT_SSL = 0x01;
export const PP2_CLIENT_CERT_CONN = 0x02;
export const PP2_CLIENT_CERT_SESS = 0x04;

/** PP2_TYPE_UNIQUE_ID values are at most this long (spec §2.2.5). */
export const PROXY_V2_MAX_UNIQUE_ID_BYTES = 128;
