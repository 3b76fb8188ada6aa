// The application logger: core's Logger port backed by pino, JSON lines to stderr (stdout is the access log's).
import type { LogConfig } from '@switchyard/config';
import type { LogFields, Logger } from '@switchyard/core';
import { pino, type DestinationStream } from 'pino';

export type LogLevel = LogConfig['level'];

/** The root logger of a process: a Logger whose level can change on reload, for it and all its children. */
export interface AppLogger extends Logger {
  readonly level: LogLevel;
  setLevel(level: LogLevel): void;
}

export interface LoggerOptions {
  /** Default `info`. */
  level?: LogLevel;
  /** Where JSON lines go; stderr (synchronously, so nothing is lost at exit) by default. */
  destination?: DestinationStream;
  /** Fields on every line, e.g. `{ node: 'edge-1' }`. */
  bindings?: LogFields;
}

const LEVEL_VALUES: Record<LogLevel, number> = {
  trace: 10,
  debug: 20,
  info: 30,
  warn: 40,
  error: 50,
  fatal: 60,
  silent: Number.POSITIVE_INFINITY,
};

/** Shared by a root logger and all its children, so `setLevel` reaches loggers handed out earlier. */
interface LevelState {
  level: LogLevel;
  threshold: number;
}

class PinoLogger implements Logger {
  constructor(
    protected readonly pino: pino.Logger,
    protected readonly state: LevelState,
  ) {}

  debug(fields: LogFields, message: string): void {
    if (this.state.threshold <= 20) this.pino.debug(fields, message);
  }
  info(fields: LogFields, message: string): void {
    if (this.state.threshold <= 30) this.pino.info(fields, message);
  }
  warn(fields: LogFields, message: string): void {
    if (this.state.threshold <= 40) this.pino.warn(fields, message);
  }
  error(fields: LogFields, message: string): void {
    if (this.state.threshold <= 50) this.pino.error(fields, message);
  }
  child(bindings: LogFields): Logger {
    return new PinoLogger(this.pino.child(bindings), this.state);
  }
}

class RootLogger extends PinoLogger implements AppLogger {
  get level(): LogLevel {
    return this.state.level;
  }
  setLevel(level: LogLevel): void {
    this.state.level = level;
    this.state.threshold = LEVEL_VALUES[level];
  }
}

/**
 * Creates the process's logger. Lines look like
 * `{"level":"info","time":"2026-11-22T00:36:20.123Z","pid":42,"listener":"web","msg":"listening"}`;
 * an `err` or `error` field holding an Error is serialized with its message, stack and cause.
 * @example
 * const logger = createLogger({ level: config.log.level });
 * logger.info({ file }, 'config loaded');
 */
export function createLogger(options: LoggerOptions = {}): AppLogger {
  const state: LevelState = { level: 'info', threshold: LEVEL_VALUES.info };
  const destination = options.destination ?? pino.destination({ dest: 2, sync: true });
  const base = pino(
    {
      // pino itself passes everything; the wrapper filters, so a level change reaches every child.
      level: 'trace',
      base: { pid: process.pid, ...options.bindings },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      serializers: { err: pino.stdSerializers.err, error: pino.stdSerializers.err },
    },
    destination,
  );
  const root = new RootLogger(base, state);
  root.setLevel(options.level ?? 'info');
  return root;
}
