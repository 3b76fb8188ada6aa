// Observers: bus subscribers that turn the proxy's lifecycle events into logs.
export type { LineSink } from './line-sink.js';
export {
  compileAccessLogFormat,
  escapeLogValue,
  ACCESS_LOG_PRESETS,
  ACCESS_LOG_TOKENS,
  type AccessLogFormatter,
  type AccessLogFormatOptions,
} from './access-log-format.js';
export { startAccessLog, type AccessLog } from './access-log.js';
export {
  observeConnections,
  ALL_REQUEST_STEPS,
  type ConnectionHandle,
  type ConnectionEvent,
  type ConnectionEventType,
  type ConnectionsOptions,
  type RequestStepType,
} from './connections.js';
