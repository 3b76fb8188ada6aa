// A bounded FIFO mailbox on a ring buffer, with a stated overflow policy.

/** What a full mailbox does with one more message. */
export const OverflowPolicy = {
  /** The incoming message is dropped (dead-lettered); the sender is not told. */
  DropNewest: 'drop-newest',
  /** The oldest queued message is dropped (dead-lettered) to make room. */
  DropOldest: 'drop-oldest',
  /** The incoming message is refused: `tell` throws MailboxFullError and `ask` rejects with it. */
  Reject: 'reject',
} as const;
export type OverflowPolicy = (typeof OverflowPolicy)[keyof typeof OverflowPolicy];

export interface MailboxOptions {
  /** Most messages waiting at once. Default 10,000. */
  capacity?: number;
  /** Default drop-newest. */
  overflow?: OverflowPolicy;
}

export const DEFAULT_MAILBOX_CAPACITY = 10_000;

/**
 * Messages and their reply slots sit in two parallel rings so that a `tell` allocates nothing.
 * The ring grows by doubling up to `capacity`, so an idle actor costs a few slots, not 10,000.
 */
export class Mailbox<M, R> {
  private messages: (M | undefined)[];
  private replies: (R | undefined)[];
  private head = 0;
  private count = 0;
  readonly capacity: number;
  readonly overflow: OverflowPolicy;

  constructor(options: MailboxOptions = {}) {
    this.capacity = Math.max(1, options.capacity ?? DEFAULT_MAILBOX_CAPACITY);
    this.overflow = options.overflow ?? OverflowPolicy.DropNewest;
    const initial = Math.min(16, this.capacity);
    this.messages = new Array<M | undefined>(initial);
    this.replies = new Array<R | undefined>(initial);
  }

  get size(): number {
    return this.count;
  }

  get isFull(): boolean {
    return this.count >= this.capacity;
  }

  /** Appends; the caller has checked `isFull` and applied the policy. */
  push(message: M, reply: R | undefined): void {
    if (this.count === this.messages.length) this.grow();
    let index = this.head + this.count;
    if (index >= this.messages.length) index -= this.messages.length;
    this.messages[index] = message;
    this.replies[index] = reply;
    this.count++;
  }

  /** Removes the oldest message; `shiftReply` must be read first when the reply slot matters. */
  shift(): M | undefined {
    if (this.count === 0) return undefined;
    const message = this.messages[this.head];
    this.messages[this.head] = undefined;
    this.replies[this.head] = undefined;
    if (++this.head === this.messages.length) this.head = 0;
    this.count--;
    return message;
  }

  /** The reply slot of the oldest message, if it was an ask. */
  peekReply(): R | undefined {
    return this.count === 0 ? undefined : this.replies[this.head];
  }

  /** Empties the mailbox, handing each message and reply slot to `each` (for dead letters). */
  drain(each: (message: M, reply: R | undefined) => void): void {
    while (this.count > 0) {
      const reply = this.peekReply();
      each(this.shift() as M, reply);
    }
  }

  private grow(): void {
    const size = this.messages.length;
    const next = Math.min(this.capacity, size * 2);
    if (next === size) throw new RangeError('mailbox pushed past its capacity: the overflow policy must run first');
    const messages = new Array<M | undefined>(next);
    const replies = new Array<R | undefined>(next);
    for (let i = 0; i < this.count; i++) {
      const from = (this.head + i) % size;
      messages[i] = this.messages[from];
      replies[i] = this.replies[from];
    }
    this.messages = messages;
    this.replies = replies;
    this.head = 0;
  }
}
