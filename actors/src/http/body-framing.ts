// How a message body is delimited, as decided from the head (RFC 9112 §6.3).

/** A request body: absent, a fixed length, or chunked. */
export type BodyFraming = FramingNone | FramingLength | FramingChunked;

/** A response body can also run until the upstream closes, or turn the connection into a tunnel. */
export type ResponseFraming = BodyFraming | FramingUntilClose | FramingTunnel;

export interface FramingNone {
  readonly kind: 'none';
}
export interface FramingLength {
  readonly kind: 'length';
  readonly length: number;
}
export interface FramingChunked {
  readonly kind: 'chunked';
}
/** RFC 9112 §6.3 rule 8: a response without Content-Length or chunked ends when the connection closes. */
export interface FramingUntilClose {
  readonly kind: 'until-close';
}
/** RFC 9112 §6.3 rule 2: a 2xx answer to CONNECT makes the connection a tunnel right after the head. */
export interface FramingTunnel {
  readonly kind: 'tunnel';
}

/** Shared instances for the framings that carry no data, so a parse allocates none of them. */
export const FRAMING_NONE: FramingNone = Object.freeze({ kind: 'none' });
export const FRAMING_CHUNKED: FramingChunked = Object.freeze({ kind: 'chunked' });
export const FRAMING_UNTIL_CLOSE: FramingUntilClose = Object.freeze({ kind: 'until-close' });
export const FRAMING_TUNNEL: FramingTunnel = Object.freeze({ kind: 'tunnel' });

/** A fixed-length framing; zero is kept as a length so the writer can say `Content-Length: 0`. */
export function framingLength(length: number): FramingLength {
  return { kind: 'length', length };
}
