// A LineSink that writes to stdout (or any writable stream), batching the lines of one event-loop turn.

import type { LineSink } from '@switchyard/actors';

/** The part of a writable stream the sink uses (process.stdout in production). */
export interface LineStream {
  write(chunk: string, callback?: (error?: Error | null) => void): boolean;
  on(event: 'error', listener: (error: Error) => void): unknown;
  off(event: 'error', listener: (error: Error) => void): unknown;
}

export interface StdoutSinkOptions {
  /** Where a write error goes (EPIPE when the reader went away); the sink then drops lines. */
  onError?: (error: Error) => void;
}

/** Flush early once this much text is waiting, so one busy turn cannot build a huge string. */
const FLUSH_AT_CHARS = 64 * 1024;

/**
 * Writes each line to a stream. Lines of one event-loop turn are joined and written once at
 * `setImmediate`: one syscall for many requests under load (stdout to a pipe or file is synchronous).
 * `reopen()` does nothing; `close()` flushes and leaves the stream open (stdout belongs to the process).
 */
export class StdoutSink implements LineSink {
  /** Lines dropped after the stream failed. */
  droppedLines = 0;
  private pending = '';
  private isScheduled = false;
  private isBroken = false;
  private isClosed = false;
  private readonly onError: (error: Error) => void;
  private readonly onStreamError = (error: Error): void => {
    if (this.isBroken) return;
    this.isBroken = true;
    this.onError(new Error(`access log stream failed; lines are dropped: ${error.message}`, { cause: error }));
  };
  private readonly flushNow = (): void => {
    this.isScheduled = false;
    this.flush();
  };

  constructor(
    private readonly stream: LineStream = process.stdout,
    options: StdoutSinkOptions = {},
  ) {
    this.onError = options.onError ?? (() => undefined);
    stream.on('error', this.onStreamError);
  }

  write(line: string): void {
    if (this.isClosed) return;
    if (this.isBroken) {
      this.droppedLines++;
      return;
    }
    this.pending += `${line}\n`;
    if (this.pending.length >= FLUSH_AT_CHARS) this.flush();
    else if (!this.isScheduled) {
      this.isScheduled = true;
      setImmediate(this.flushNow);
    }
  }

  reopen(): void {
    // Nothing to reopen: stdout is whatever the process was started with.
  }

  close(): Promise<void> {
    if (this.isClosed) return Promise.resolve();
    this.isClosed = true;
    this.flush();
    return new Promise((resolve) => {
      const done = (): void => {
        this.stream.off('error', this.onStreamError);
        resolve();
      };
      if (this.isBroken) done();
      else this.stream.write('', () => done());
    });
  }

  private flush(): void {
    if (this.pending === '') return;
    const text = this.pending;
    this.pending = '';
    if (this.isBroken) return;
    this.stream.write(text);
  }
}
