// Watches a config file for changes by watching its directory, so editors' rename-and-replace saves are seen.
import { watch as fsWatch, statSync, type FSWatcher } from 'node:fs';
import path from 'node:path';
import { realClock, type Cancellable, type Clock } from '@switchyard/core';

export interface ConfigWatcherOptions {
  /** Quiet time after the last event before `onChange` runs. Default 200 ms. */
  debounceMs?: number;
  onError?: (error: Error) => void;
  clock?: Clock;
  /**
   * The file's `fileFingerprint` when it was loaded. Taken before loading, it closes the gap between
   * reading the file and starting to watch: a save in between is still seen.
   */
  loadedFingerprint?: string;
  /** For tests: the `fs.watch` to use. */
  watch?: (dir: string, listener: (event: string, filename: string | Buffer | null) => void) => FSWatcher;
}

export interface ConfigWatcher {
  close(): void;
}

/** What tells one version of the file from another without reading it; undefined while it is missing. */
export function fileFingerprint(file: string): string | undefined {
  try {
    const s = statSync(file);
    return `${s.ino}:${s.size}:${s.mtimeMs}:${s.ctimeMs}`;
  } catch {
    return undefined; // between an editor's unlink and rename; a later event will follow
  }
}

/**
 * Calls `onChange` (debounced) when `file` changes.
 *
 * It watches the directory, not the file: editors save by writing a new file and renaming it over
 * the old one, which ends a watch on the file itself, and Kubernetes swaps a `..data` symlink. Any
 * event in the directory arms the timer; when it fires, the file's inode, size and times are
 * compared with the last ones seen, so unrelated files (swap files, the loader's own temporary
 * `.ts` output) and saves without change do not trigger a reload.
 */
export function watchConfigFile(file: string, onChange: () => void, options: ConfigWatcherOptions = {}): ConfigWatcher {
  const clock = options.clock ?? realClock;
  const debounceMs = options.debounceMs ?? 200;
  const watch = options.watch ?? ((dir, listener) => fsWatch(dir, { persistent: true }, listener));
  let last = options.loadedFingerprint ?? fileFingerprint(file);
  let timer: Cancellable | undefined;
  let isClosed = false;

  const settle = (): void => {
    timer = undefined;
    if (isClosed) return;
    const now = fileFingerprint(file);
    if (now === undefined || now === last) return;
    last = now;
    onChange();
  };
  const watcher = watch(path.dirname(file), () => {
    if (isClosed) return;
    timer?.cancel();
    timer = clock.setTimer(debounceMs, settle);
  });
  // The file may have changed since it was loaded: compare once now.
  if (options.loadedFingerprint !== undefined) timer = clock.setTimer(0, settle);
  watcher.on('error', (err) => options.onError?.(new Error(`watching "${path.dirname(file)}" failed: ${err.message}`, { cause: err })));
  return {
    close() {
      isClosed = true;
      timer?.cancel();
      watcher.close();
    },
  };
}
