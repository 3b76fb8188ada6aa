// The PROXY protocol v1/v2 codec: pure parsers and writers over Buffers, used by the parser actor and the forwarder.
export { PROXY_PROTOCOL_ERROR_CODES, ProxyProtocolErrorDocs, type ProxyProtocolErrorCode } from './proxy-protocol-error-codes.js';
export * from './proxy-header.js';
export {
  PROXY_INCOMPLETE,
  PROXY_NONE,
  parseProxyHeader,
  type ProxyHeaderError,
  type ProxyHeaderIncomplete,
  type ProxyHeaderNone,
  type ProxyHeaderParsed,
  type ProxyHeaderResult,
  type ProxyVersionsAccepted,
} from './parse-proxy-header.js';
export { writeProxyHeaderV1, writeProxyHeaderV2, type ProxyHeaderV2Options, type ProxyV1Family } from './write-proxy-header.js';
export { crc32c } from './crc32c.js';
