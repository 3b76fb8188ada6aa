// The LineSink port: where observers such as the access log write their lines. Adapters implement it.

/**
 * An append-only destination for text lines (a file, stdout). Implementations buffer as they see fit,
 * never throw from `write`, and report their I/O errors out of band.
 */
export interface LineSink {
  /** Appends one line; `line` carries no terminator, the sink adds `\n`. */
  write(line: string): void;
  /**
   * Reopens the destination by its original name, for log rotation (logrotate renames the file,
   * then sends SIGUSR1). Lines written before the call end up in the old file, later ones in the new.
   */
  reopen(): void;
  /** Flushes what is buffered and releases the destination. Writes after this are dropped. */
  close(): Promise<void>;
}
