// The cluster's wire codec: one msgpackr instance per process, behind core's Codec port.
import { Packr } from 'msgpackr';
import { SwitchyardError, type Codec } from '@switchyard/core';

/**
 * Plain MessagePack, nothing msgpackr-specific on the wire: records (`useRecords`) would make a
 * frame depend on structures the receiver saw earlier, and structured clone would let a peer send
 * cycles and class instances. Maps decode as plain objects, 64-bit integers as numbers (the
 * envelope and message schemas want numbers). msgpackr renames a `__proto__` key, so a frame
 * cannot pollute prototypes.
 */
const packr = new Packr({
  useRecords: false,
  structuredClone: false,
  moreTypes: false,
  mapsAsObjects: true,
  int64AsType: 'number',
});

/**
 * Encodes envelopes as MessagePack. `decode` throws `ERR_TRANSPORT_FRAME_REJECTED` (with the
 * msgpackr error as `cause`) on bytes that are not exactly one MessagePack value, which the bridge
 * turns into a rejected frame; what it decodes is checked against the envelope schema next.
 * @example
 * bridgeTransport(system, transport, { cluster: 'prod', types: ClusterWireTypes, codec: msgpackCodec });
 */
export const msgpackCodec: Codec = {
  encode(value: unknown): Uint8Array {
    return packr.pack(value);
  },
  decode(frame: Uint8Array): unknown {
    try {
      return packr.unpack(frame);
    } catch (error) {
      throw new SwitchyardError('ERR_TRANSPORT_FRAME_REJECTED', `not a MessagePack frame: ${(error as Error).message}`, { cause: error });
    }
  },
};
