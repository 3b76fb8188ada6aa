// One WebSocket client of the event stream: its filter, and a bounded queue of events that drops when the client is slow.
import type { WebSocket } from 'ws';
import { ByteWriter } from './byte-writer.js';
import { droppedFrameOf, encodeFrame, separatorOf, type FrameEncoding } from './event-frame.js';
import type { EventFilter } from './event-filter.js';

/** How much one slow client may cost the server before its events are dropped. */
export interface StreamLimits {
  /** Events held while the socket is backed up. */
  maxQueuedEvents: number;
  /** Bytes held while the socket is backed up. */
  maxQueuedBytes: number;
  /** Nothing more is written while `ws.bufferedAmount` (socket and sender buffers) is at or above this. */
  highWaterBytes: number;
}

export const DEFAULT_STREAM_LIMITS: StreamLimits = {
  maxQueuedEvents: 1000,
  maxQueuedBytes: 1024 * 1024,
  highWaterBytes: 1024 * 1024,
};

/** What a subscriber costs and has missed, for tests, the admin API and metrics. */
export interface SubscriberStats {
  id: number;
  encoding: FrameEncoding;
  queuedEvents: number;
  queuedBytes: number;
  bufferedAmount: number;
  /** Events sent (many go in one frame). */
  sent: number;
  /** Events dropped since the stream opened. */
  dropped: number;
  /** Dropped events not yet reported to the client in a `stream.dropped` frame. */
  droppedUnreported: number;
}

/** A new client's queue buffer; it grows (doubling) with the frames it has to hold. */
const INITIAL_QUEUE_BYTES = 16 * 1024;
/** Written buffers kept for reuse, and the largest kept: beyond that they are left to the GC. */
const MAX_SPARES = 2;
const MAX_SPARE_BYTES = 256 * 1024;

/**
 * Sends events to one client without ever holding more than `maxQueuedBytes` of queued events plus
 * `highWaterBytes` in the socket (plus one frame) for it. In memory that is the queue buffer, whose
 * capacity grows by doubling to at most about twice the largest queue it held, the buffers still
 * being written, and at most two spare buffers of 256 KiB or less. Events wait in a bounded queue
 * and leave once per turn of the event loop, as many as fit under the high-water mark in one
 * WebSocket frame; while the socket is backed up they keep waiting, and when the queue is full they
 * are dropped and counted. Once the client has caught up (queue empty, socket below the high-water
 * mark) it gets one `stream.dropped { count }` event, in a frame of its own, with the number it missed.
 *
 * The queue is bytes: each event is encoded into (`begin`/`commit`) or copied to (`offer`) the end of
 * one buffer, after a `\n` for JSON (see `separatorOf`), so a frame is a prefix of that buffer and
 * goes to `ws.send` as it is (ws frames a Buffer without copying it; `binary: false` makes it a text
 * frame). The socket may hold a sent buffer until it is written, so a sent buffer is never written
 * again before its send callback: the queue continues in a spare (or new) buffer, and the sent one
 * becomes a spare when its callback comes.
 */
export class EventSubscriber {
  /** The queued events' bytes, back to back from offset 0. */
  private readonly out = new ByteWriter(INITIAL_QUEUE_BYTES);
  /** End offset in `out` of each queued event, in order. */
  private readonly ends: number[] = [];
  /** `\n` between JSON events; nothing between msgpack maps. */
  private readonly separator: number | undefined;
  /** Buffers handed to `ws.send` whose callback has not come yet, oldest first. */
  private readonly inFlight: Buffer[] = [];
  private readonly spares: Buffer[] = [];
  /** Bytes of the queued events themselves (separators not counted). */
  private queuedBytes = 0;
  /** Where the event being written (offer, or begin … commit) starts in `out`. */
  private eventStart = 0;
  /** Holds an event written in place while the queue makes room for it (rare: a full queue). */
  private readonly spill = new ByteWriter(1024);
  private sent = 0;
  private dropped = 0;
  private droppedUnreported = 0;
  private isClosed = false;
  /** Set on a pong, cleared on each ping: a client that misses a whole interval is gone. */
  isAlive = true;
  private readonly onSentBound = (err?: Error): void => this.onSent(err);
  private readonly onReportSentBound = (err?: Error): void => this.onReportSent(err);
  private readonly flushBound = (): void => {
    this.isFlushScheduled = false;
    this.pump();
  };
  private isFlushScheduled = false;
  /** Text frames for JSON, binary for msgpack; one object for every send. */
  private readonly sendOptions: { binary: boolean };

  constructor(
    readonly id: number,
    readonly ws: WebSocket,
    readonly filter: EventFilter,
    readonly encoding: FrameEncoding,
    private readonly limits: StreamLimits,
    private readonly node: string,
    private readonly now: () => number,
    /** Called with each drop, for the process-wide counter. */
    private readonly onDrop: () => void,
  ) {
    this.sendOptions = { binary: encoding === 'msgpack' };
    this.separator = separatorOf(encoding);
  }

  /**
   * Queues a copy of one encoded event, `src[start..end)`, or drops it when the queue is full.
   * Never throws. `src` may be reused by the caller as soon as this returns.
   */
  offer(src: Buffer, start: number, end: number): void {
    if (this.isClosed) return;
    const bytes = end - start;
    if (this.isQueueFull(bytes)) {
      // A burst within one turn: write now rather than drop. Only a backed-up socket loses events.
      this.pump();
    }
    if (this.isQueueFull(bytes)) {
      this.drop();
      return;
    }
    const out = this.startEvent();
    out.copy(src, start, end);
    this.keep(bytes);
  }

  /**
   * Starts one event written straight into the queue (no copy, for a stream's only client of this
   * encoding): returns the writer to write it into, then call `commit`. Undefined once closed.
   */
  begin(): ByteWriter | undefined {
    if (this.isClosed) return undefined;
    this.startEvent();
    return this.out;
  }

  /** Ends the event `begin` started: kept, or, when the queue is full, dropped (after a try to write now). */
  commit(): void {
    const out = this.out;
    const bytes = out.pos - this.eventStart;
    if (!this.isQueueFull(bytes)) {
      this.keep(bytes);
      return;
    }
    // Out of the queue buffer before pump hands that buffer to the socket; then as offer does.
    const spill = this.spill;
    spill.pos = 0;
    spill.copy(out.buf, this.eventStart, out.pos);
    out.pos = this.committedEnd();
    this.offer(spill.buf, 0, spill.pos);
  }

  /** Where the queue's last kept event ends (bytes after it are an event not committed, or garbage). */
  private committedEnd(): number {
    const ends = this.ends;
    return ends.length === 0 ? 0 : (ends[ends.length - 1] as number);
  }

  /** Positions the queue writer for a new event, after a separator when it is not the first. */
  private startEvent(): ByteWriter {
    const out = this.out;
    out.pos = this.committedEnd();
    if (this.ends.length !== 0 && this.separator !== undefined) out.byte(this.separator);
    this.eventStart = out.pos;
    return out;
  }

  /** The event just written, `bytes` long, stays in the queue. */
  private keep(bytes: number): void {
    this.ends.push(this.out.pos);
    this.queuedBytes += bytes;
    // Written once per turn of the event loop, not per event: the proxy's call returns at once, and
    // every event of the turn goes out in one WebSocket frame (one send, one write).
    if (!this.isFlushScheduled) {
      this.isFlushScheduled = true;
      setImmediate(this.flushBound);
    }
  }

  private drop(): void {
    this.dropped++;
    this.droppedUnreported++;
    this.onDrop();
  }

  private isQueueFull(bytes: number): boolean {
    return this.ends.length >= this.limits.maxQueuedEvents || this.queuedBytes + bytes > this.limits.maxQueuedBytes;
  }

  stats(): SubscriberStats {
    return {
      id: this.id,
      encoding: this.encoding,
      queuedEvents: this.ends.length,
      queuedBytes: this.queuedBytes,
      bufferedAmount: this.ws.bufferedAmount,
      sent: this.sent,
      dropped: this.dropped,
      droppedUnreported: this.droppedUnreported,
    };
  }

  /** Stops sending and releases the queue (the socket is closed by its owner). */
  close(): void {
    this.isClosed = true;
    this.ends.length = 0;
    this.out.pos = 0;
    this.queuedBytes = 0;
    this.spares.length = 0;
  }

  /** Sends the queued events that fit under the high-water mark as one frame; then reports drops, if any. */
  private pump(): void {
    const ws = this.ws;
    if (this.isClosed || ws.readyState !== ws.OPEN) return;
    const high = this.limits.highWaterBytes;
    const buffered = ws.bufferedAmount;
    const ends = this.ends;
    const queued = ends.length;
    // The same bound as one frame per event: take events while what is buffered stays under the mark.
    let count = 0;
    while (count < queued && buffered + (count === 0 ? 0 : (ends[count - 1] as number)) < high) count++;
    if (count !== 0) this.send(count);
    if (this.droppedUnreported !== 0 && this.ends.length === 0 && ws.bufferedAmount < high) {
      const count = this.droppedUnreported;
      this.droppedUnreported = 0;
      ws.send(encodeFrame(droppedFrameOf(count, this.node, this.now()), this.encoding), this.sendOptions, this.onReportSentBound);
    }
  }

  /** Sends the first `count` queued events as one frame; the rest move to the front of the next buffer. */
  private send(count: number): void {
    const ends = this.ends;
    const queued = ends.length;
    const frameEnd = ends[count - 1] as number;
    const sepBytes = this.separator === undefined ? 0 : 1;
    const buf = this.out.detach(this.spares.pop());
    if (count === queued) {
      ends.length = 0;
      this.queuedBytes = 0;
    } else {
      // Only when the socket is backed up: the events left over are copied, never written in place.
      const restStart = frameEnd + sepBytes;
      this.out.copy(buf, restStart, ends[queued - 1] as number);
      for (let i = count; i < queued; i++) ends[i - count] = (ends[i] as number) - restStart;
      ends.length = queued - count;
      this.queuedBytes -= frameEnd - (count - 1) * sepBytes;
    }
    this.sent += count;
    this.inFlight.push(buf);
    this.ws.send(buf.subarray(0, frameEnd), this.sendOptions, this.onSentBound);
  }

  /** A frame of events reached the socket (or failed): its buffer may be reused, and there may be room for more. */
  private onSent(err?: Error): void {
    const buf = this.inFlight.shift();
    // A failed write means the socket is going away; its 'close' event does the cleanup.
    if (err) return;
    if (buf !== undefined && !this.isClosed && this.spares.length < MAX_SPARES && buf.length <= MAX_SPARE_BYTES) this.spares.push(buf);
    if (this.ends.length !== 0 || this.droppedUnreported !== 0) this.pump();
  }

  /** A `stream.dropped` report was written: there may be room for more. */
  private onReportSent(err?: Error): void {
    if (err) return;
    if (this.ends.length !== 0 || this.droppedUnreported !== 0) this.pump();
  }
}
