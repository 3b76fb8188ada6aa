// The HTTP/1.1 wire layer: pure parsers, decoders and writers over Buffers, used by the parser and forwarder actors.
export { HTTP_ERROR_CODES, HttpErrorDocs, type HttpErrorCode } from './http-error-codes.js';
export {
  FRAMING_CHUNKED,
  FRAMING_NONE,
  FRAMING_TUNNEL,
  FRAMING_UNTIL_CLOSE,
  framingLength,
  type BodyFraming,
  type ResponseFraming,
} from './body-framing.js';
export {
  HEAD_INCOMPLETE,
  parseRequestHead,
  type HeadIncomplete,
  type HeadLimits,
  type RequestHead,
  type RequestHeadError,
  type RequestHeadParsed,
  type RequestHeadResult,
  type TargetForm,
} from './request-head-parser.js';
export {
  parseResponseHead,
  type ResponseHead,
  type ResponseHeadError,
  type ResponseHeadLimits,
  type ResponseHeadParsed,
  type ResponseHeadResult,
} from './response-head-parser.js';
export { ChunkedDecoder, type ChunkedDecoderOptions, type ChunkedHandler } from './chunked-decoder.js';
export { CHUNK_DATA_END, LAST_CHUNK, encodeChunkHeader } from './chunk-encoder.js';
export { normalizePath, type PathOptions, type PathResult } from './path-normalizer.js';
export { parseAuthority, type AuthorityParts } from './host-authority.js';
export { ALWAYS_PROTECTED_FIELDS, HOP_BY_HOP_FIELDS, filterHopByHop, isHopByHop } from './hop-by-hop.js';
export { latin1Slice } from './buffer-latin1.js';
export { writeRequestHeadText } from './request-head-writer.js';
export { writeResponseHeadText } from './response-head-writer.js';
export { STATIC_ERROR_STATUSES, STATUS_TEXT, errorResponse, statusText, type StaticErrorStatus } from './status-text.js';
