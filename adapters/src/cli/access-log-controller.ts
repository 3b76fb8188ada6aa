// Keeps the access log in step with the config: picks the sink, restarts on change, reopens on SIGUSR1.
import { startAccessLog, type AccessLog, type LineSink } from '@switchyard/actors';
import type { AccessLogConfig } from '@switchyard/config';
import type { Bus, Logger } from '@switchyard/core';
import { ReopenableFileSink } from '../files/reopenable-file-sink.js';
import { StdoutSink } from '../files/stdout-sink.js';

export interface AccessLogControllerOptions {
  bus: Bus;
  logger: Logger;
  /** Opens the sink for some settings; default a file sink when `path` is set, else stdout. */
  openSink?: (settings: Readonly<AccessLogConfig>, onError: (error: Error) => void) => LineSink;
}

interface Running {
  settings: Readonly<AccessLogConfig>;
  log: AccessLog;
  sink: LineSink | undefined;
}

/** The default sink: append to `path`, else write to stdout. */
export function openDefaultSink(settings: Readonly<AccessLogConfig>, onError: (error: Error) => void): LineSink {
  return settings.path === undefined ? new StdoutSink(process.stdout, { onError }) : new ReopenableFileSink(settings.path, { onError });
}

/**
 * Owns the running access log and its sink. `update` with changed settings opens the new sink
 * first and only then swaps, so a path that cannot be opened leaves the old log running.
 */
export class AccessLogController {
  private running: Running | undefined;
  private readonly openSink: NonNullable<AccessLogControllerOptions['openSink']>;
  private readonly reportError = (error: Error): void => this.options.logger.error({ err: error }, error.message);

  constructor(private readonly options: AccessLogControllerOptions) {
    this.openSink = options.openSink ?? openDefaultSink;
  }

  /** Starts the access log. @throws when the sink cannot be opened or the format is invalid: a startup error. */
  start(settings: Readonly<AccessLogConfig>): void {
    if (this.running !== undefined) throw new Error('access log already started');
    this.running = this.open(settings);
  }

  /** Applies new settings if they differ; on failure logs it and keeps the current log. */
  update(settings: Readonly<AccessLogConfig>): void {
    const current = this.running;
    if (current !== undefined && isSameSettings(current.settings, settings)) return;
    let next: Running;
    try {
      // Subscribing the new log and unsubscribing the old happen in one synchronous step, so no
      // request is logged twice or missed.
      next = this.open(settings);
    } catch (err) {
      this.options.logger.error({ err }, 'access log settings not applied; the previous access log keeps running');
      return;
    }
    this.running = next;
    if (current !== undefined) this.retire(current);
    this.options.logger.info({ enabled: settings.enabled, path: settings.path ?? 'stdout', format: settings.format }, 'access log restarted');
  }

  /** Reopens the log file by name (SIGUSR1 after logrotate). */
  reopen(): void {
    this.running?.sink?.reopen();
  }

  /** Stops logging and closes the sink, flushing what is buffered. */
  async close(): Promise<void> {
    const current = this.running;
    this.running = undefined;
    if (current === undefined) return;
    current.log.stop();
    await current.sink?.close();
  }

  private open(settings: Readonly<AccessLogConfig>): Running {
    if (!settings.enabled) return { settings, log: startAccessLog(this.options.bus, settings, nullSink), sink: undefined };
    const sink = this.openSink(settings, this.reportError);
    try {
      return { settings, log: startAccessLog(this.options.bus, settings, sink), sink };
    } catch (err) {
      void sink.close();
      throw err;
    }
  }

  private retire(old: Running): void {
    old.log.stop();
    old.sink?.close().catch((err: unknown) => this.options.logger.error({ err }, 'closing the previous access log failed'));
  }
}

const nullSink: LineSink = { write: () => undefined, reopen: () => undefined, close: () => Promise.resolve() };

function isSameSettings(a: Readonly<AccessLogConfig>, b: Readonly<AccessLogConfig>): boolean {
  return a.enabled === b.enabled && a.format === b.format && a.path === b.path;
}
