// One encoding's share of the event stream: how many clients want it, and where an event is encoded once for all of them.
import type { Message } from '@switchyard/core';
import { ByteWriter } from './byte-writer.js';
import { encodeJsonEvent, encodeMsgpackEvent, encodeRelayedJsonEvent, encodeRelayedMsgpackEvent, FrameEncoding, writeFrame } from './event-frame.js';
import { JsonEventEncoder } from './event-json.js';
import { MsgpackEventEncoder } from './event-msgpack.js';
import type { EventSubscriber } from './event-subscriber.js';

/**
 * Hands events to the clients of one encoding. An event is encoded at most once per encoding,
 * whatever the number of clients: into a scratch buffer that each client copies into its queue,
 * or, for a stream's only client of the encoding, straight into that client's queue (no copy).
 * Call `nextEvent()` before each event: the scratch then holds nothing encoded yet.
 */
export class EncodingLane {
  /** Clients of this encoding connected now; the stream counts them in and out. */
  clients = 0;
  /** Reused for every event: nothing holds it past one `offer` call. */
  private readonly scratch = new ByteWriter(4096);
  /** End of the current event's bytes in `scratch`, -1 until it is encoded. */
  private end = -1;
  private readonly encodeOwn: (w: ByteWriter, message: Message, ts: number) => void;

  constructor(
    readonly encoding: FrameEncoding,
    node: string,
  ) {
    if (encoding === FrameEncoding.json) {
      const encoder = new JsonEventEncoder(node);
      this.encodeOwn = (w, message, ts) => encodeJsonEvent(w, encoder, message, ts);
    } else {
      const encoder = new MsgpackEventEncoder(node);
      this.encodeOwn = (w, message, ts) => encodeMsgpackEvent(w, encoder, message, ts);
    }
  }

  nextEvent(): void {
    this.end = -1;
  }

  /** One of this node's own events, for `sub`. */
  deliverOwn(sub: EventSubscriber, message: Message, ts: number): void {
    if (this.clients === 1) {
      const w = sub.begin();
      if (w === undefined) return;
      this.encodeOwn(w, message, ts);
      sub.commit();
      return;
    }
    if (this.end < 0) {
      this.scratch.pos = 0;
      this.encodeOwn(this.scratch, message, ts);
      this.end = this.scratch.pos;
    }
    sub.offer(this.scratch.buf, 0, this.end);
  }

  /** An event relayed by another node or a worker (tagged with its slot), for `sub`: the generic encoders. */
  deliverRelayed(sub: EventSubscriber, message: Message, node: string, ts: number, worker: number | undefined): void {
    if (this.end < 0) {
      this.scratch.pos = 0;
      if (this.encoding === FrameEncoding.json) encodeRelayedJsonEvent(this.scratch, message, node, ts, worker);
      else encodeRelayedMsgpackEvent(this.scratch, message, node, ts, worker);
      this.end = this.scratch.pos;
    }
    sub.offer(this.scratch.buf, 0, this.end);
  }

  /** One frame object (a `cluster.events-dropped` report) as one event, for `sub`. */
  deliverFrame(sub: EventSubscriber, frame: Record<string, unknown>): void {
    this.scratch.pos = 0;
    writeFrame(this.scratch, frame, this.encoding);
    this.end = -1;
    sub.offer(this.scratch.buf, 0, this.scratch.pos);
  }
}
