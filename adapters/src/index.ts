// @switchyard/adapters: the edges to outside systems (NATS, WebSocket event stream, admin API, CLI, files).
// Each adapter implements a core port; the first ones arrive with the HTTP proxy and cluster issues.
export {};
export { ReopenableFileSink, type FileSinkOptions } from './files/reopenable-file-sink.js';
export { StdoutSink, type StdoutSinkOptions, type LineStream } from './files/stdout-sink.js';
export { createLogger, type AppLogger, type LoggerOptions, type LogLevel } from './logging/logger.js';
export { runCli } from './cli/cli.js';
