// The Logger port: application logs go through it; the adapter behind it is a real structured logger.

export type LogFields = Record<string, unknown>;

/** Structured logging: a message plus fields. The adapters back it with pino. */
export interface Logger {
  debug(fields: LogFields, message: string): void;
  info(fields: LogFields, message: string): void;
  warn(fields: LogFields, message: string): void;
  error(fields: LogFields, message: string): void;
  child(bindings: LogFields): Logger;
}

/** A logger that drops everything: for tests and library use without a configured logger. */
export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => silentLogger,
};
