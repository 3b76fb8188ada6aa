// What a CLI command may touch of its process: output streams, signals, exit. Tests pass fakes.
import type { Writable } from 'node:stream';

/** A process signal the CLI reacts to. */
export type CliSignal = 'SIGHUP' | 'SIGUSR1' | 'SIGTERM' | 'SIGINT';

export interface CliIo {
  readonly stdout: Writable;
  readonly stderr: Writable;
  readonly cwd: string;
  /** Subscribes to a signal; returns the unsubscribe function. */
  onSignal(signal: CliSignal, handler: () => void): () => void;
}

/** The real process. */
export function processIo(): CliIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    cwd: process.cwd(),
    onSignal(signal, handler) {
      process.on(signal, handler);
      return () => {
        process.off(signal, handler);
      };
    },
  };
}

/** Writes text followed by a newline. */
export function println(stream: Writable, text = ''): void {
  stream.write(`${text}\n`);
}
