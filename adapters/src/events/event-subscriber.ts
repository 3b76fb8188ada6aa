// One WebSocket client of the event stream: its filter, and a bounded queue of events that drops when the client is slow.
import type { WebSocket } from 'ws';
import { droppedFrameOf, encodeFrame, joinEvents, type EncodedEvent, type FrameEncoding } from './event-frame.js';
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

/**
 * Sends events to one client without ever holding more than `maxQueuedBytes` plus `highWaterBytes`
 * (plus one event) for it. Events wait in a bounded queue and leave once per turn of the event
 * loop, as many as fit under the high-water mark in one WebSocket frame (see `joinEvents`); while the
 * socket is backed up they keep waiting, and when the queue is full they are dropped and counted.
 * Once the client has caught up (queue empty, socket below the high-water mark) it gets one
 * `stream.dropped { count }` event, in a frame of its own, with the number it missed.
 */
export class EventSubscriber {
  private readonly queue: EncodedEvent[] = [];
  /** Bytes of each queued event, beside it (a string's UTF-8 length is not its `length`). */
  private readonly sizes: number[] = [];
  private queueHead = 0;
  private queuedBytes = 0;
  private sent = 0;
  private dropped = 0;
  private droppedUnreported = 0;
  private isClosed = false;
  /** Set on a pong, cleared on each ping: a client that misses a whole interval is gone. */
  isAlive = true;
  private readonly onSentBound = (err?: Error): void => this.onSent(err);
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
  }

  /** Queues one encoded event of `bytes` bytes, or drops it when the queue is full. Never throws. */
  offer(event: EncodedEvent, bytes: number): void {
    if (this.isClosed) return;
    if (this.isQueueFull(bytes)) {
      // A burst within one turn: write now rather than drop. Only a backed-up socket loses events.
      this.pump();
    }
    if (this.isQueueFull(bytes)) {
      this.dropped++;
      this.droppedUnreported++;
      this.onDrop();
      return;
    }
    this.queue.push(event);
    this.sizes.push(bytes);
    this.queuedBytes += bytes;
    // Written once per turn of the event loop, not per event: the proxy's call returns at once, and
    // every event of the turn goes out in one WebSocket frame (one send, one write).
    if (!this.isFlushScheduled) {
      this.isFlushScheduled = true;
      setImmediate(this.flushBound);
    }
  }

  private isQueueFull(bytes: number): boolean {
    return this.queue.length - this.queueHead >= this.limits.maxQueuedEvents || this.queuedBytes + bytes > this.limits.maxQueuedBytes;
  }

  stats(): SubscriberStats {
    return {
      id: this.id,
      encoding: this.encoding,
      queuedEvents: this.queue.length - this.queueHead,
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
    this.queue.length = 0;
    this.sizes.length = 0;
    this.queueHead = 0;
    this.queuedBytes = 0;
  }

  /** Sends the queued events that fit under the high-water mark as one frame; then reports drops, if any. */
  private pump(): void {
    const ws = this.ws;
    if (this.isClosed || ws.readyState !== ws.OPEN) return;
    const high = this.limits.highWaterBytes;
    const buffered = ws.bufferedAmount;
    const start = this.queueHead;
    // The same bound as one frame per event: take events while what is buffered stays under the mark.
    let end = start;
    let bytes = 0;
    while (end < this.queue.length && buffered + bytes < high) {
      bytes += this.sizes[end] as number;
      end++;
    }
    if (end !== start) {
      const frame = joinEvents(this.queue, start, end, this.encoding);
      this.queueHead = end;
      this.queuedBytes -= bytes;
      this.sent += end - start;
      ws.send(frame, this.sendOptions, this.onSentBound);
    }
    // Compact now and then rather than shift() per event.
    if (this.queueHead === this.queue.length) {
      this.queue.length = 0;
      this.sizes.length = 0;
      this.queueHead = 0;
    } else if (this.queueHead >= 1024) {
      this.queue.splice(0, this.queueHead);
      this.sizes.splice(0, this.queueHead);
      this.queueHead = 0;
    }
    if (this.droppedUnreported !== 0 && this.queueHead === this.queue.length && ws.bufferedAmount < high) {
      const count = this.droppedUnreported;
      this.droppedUnreported = 0;
      ws.send(encodeFrame(droppedFrameOf(count, this.node, this.now()), this.encoding), this.sendOptions, this.onSentBound);
    }
  }

  /** A write reached the socket: there may be room for more. */
  private onSent(err?: Error): void {
    // A failed write means the socket is going away; its 'close' event does the cleanup.
    if (err) return;
    if (this.queueHead < this.queue.length || this.droppedUnreported !== 0) this.pump();
  }
}
