// A LineSink that appends to a file and can reopen it by name, for logrotate's rename + SIGUSR1.
import { createWriteStream, openSync, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import type { LineSink } from '@switchyard/actors';

export interface FileSinkOptions {
  /** Where I/O errors go (the sink never throws from `write` or `reopen`). */
  onError?: (error: Error) => void;
  /**
   * Lines are dropped (and counted in `droppedLines`) while more than this many bytes wait for the
   * disk, so a stuck disk cannot grow memory without bound. Default 16 MiB.
   */
  maxBufferedBytes?: number;
  /** File mode when the file is created. Default 0o644. */
  mode?: number;
}

/**
 * Appends lines to `path` through a buffered write stream (writes that pile up while one is in flight
 * go to disk together with writev).
 *
 * `reopen()` opens `path` again synchronously and swaps streams: what was written before goes on to
 * the old file (which logrotate has renamed), what comes after goes to the new one, and nothing is
 * lost in between. If the new open fails, the old stream is kept and the error is reported.
 * @throws Error from the constructor when the file cannot be opened: a startup error, raised early.
 * @example
 * const sink = new ReopenableFileSink('/var/log/switchyard/access.log', { onError: (e) => log.error({ err: e }, e.message) });
 * process.on('SIGUSR1', () => sink.reopen());
 */
export class ReopenableFileSink implements LineSink {
  /** Lines dropped because the disk fell behind or the file failed. */
  droppedLines = 0;
  private stream: WriteStream;
  private readonly retiring = new Set<Promise<void>>();
  private readonly onError: (error: Error) => void;
  private readonly maxBufferedBytes: number;
  private readonly mode: number;
  private isClosed = false;
  private hasReportedBackpressure = false;

  constructor(
    readonly path: string,
    options: FileSinkOptions = {},
  ) {
    this.onError = options.onError ?? (() => undefined);
    this.maxBufferedBytes = options.maxBufferedBytes ?? 16 * 1024 * 1024;
    this.mode = options.mode ?? 0o644;
    this.stream = this.open();
  }

  write(line: string): void {
    if (this.isClosed) return;
    const stream = this.stream;
    if (stream.destroyed || stream.writableLength > this.maxBufferedBytes) {
      this.drop();
      return;
    }
    this.hasReportedBackpressure = false;
    stream.write(`${line}\n`);
  }

  reopen(): void {
    if (this.isClosed) return;
    let next: WriteStream;
    try {
      next = this.open();
    } catch (err) {
      this.onError(wrap(`cannot reopen "${this.path}", still writing to the file opened before`, err));
      return;
    }
    const old = this.stream;
    this.stream = next;
    this.retire(old);
  }

  async close(): Promise<void> {
    if (this.isClosed) return;
    this.isClosed = true;
    this.retire(this.stream);
    await Promise.all([...this.retiring]);
  }

  /** Opens synchronously so a failure is known at once (startup, or a reopen that must keep the old file). */
  private open(): WriteStream {
    const fd = openSync(this.path, 'a', this.mode);
    const stream = createWriteStream(this.path, { fd, flags: 'a', autoClose: true });
    // Reported once: a destroyed stream then drops lines in write() instead of raising more errors.
    stream.on('error', (err) => this.onError(wrap(`write to "${this.path}" failed; lines are dropped until the next reopen`, err)));
    return stream;
  }

  /** Ends a stream in the background: its buffered lines still reach the file it was opened on. */
  private retire(stream: WriteStream): void {
    if (stream.closed) return;
    const done = once(stream, 'close').then(
      () => undefined,
      () => undefined,
    );
    this.retiring.add(done);
    void done.then(() => this.retiring.delete(done));
    stream.end();
  }

  private drop(): void {
    this.droppedLines++;
    if (this.hasReportedBackpressure || this.stream.destroyed) return;
    this.hasReportedBackpressure = true;
    this.onError(new Error(`"${this.path}" is more than ${this.maxBufferedBytes} bytes behind; dropping lines until it catches up`));
  }
}

function wrap(message: string, cause: unknown): Error {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new Error(`access log file: ${message}: ${reason}`, { cause });
}
