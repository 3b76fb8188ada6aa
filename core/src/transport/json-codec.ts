// A JSON codec for the in-memory transport and for tests; the NATS adapter brings msgpackr.
import type { Codec } from './transport.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

export const jsonCodec: Codec = {
  encode(value: unknown): Uint8Array {
    return encoder.encode(JSON.stringify(value));
  },
  decode(frame: Uint8Array): unknown {
    return JSON.parse(decoder.decode(frame));
  },
};
