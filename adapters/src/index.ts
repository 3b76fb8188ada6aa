// @switchyard/adapters: the edges to outside systems (NATS, WebSocket event stream, admin API, CLI, files).
// Each adapter implements a core port; the first ones arrive with the HTTP proxy and cluster issues.

export { ReopenableFileSink, type FileSinkOptions } from './files/reopenable-file-sink.js';
export { StdoutSink, type StdoutSinkOptions, type LineStream } from './files/stdout-sink.js';
export { createLogger, type AppLogger, type LoggerOptions, type LogLevel } from './logging/logger.js';
export { runCli } from './cli/cli.js';
export { startAdminServer, type AdminServer, type AdminServerOptions, type AdminHooks, type AdminNode, type DrainRequest, type ReloadOutcome } from './admin/admin-server.js';
export { AdminErrorCode, AdminHttpError } from './admin/admin-http.js';
export type { TargetHealthProvider, TargetHealthView } from './admin/admin-views.js';
export { EventStreamServer, type EventStreamOptions } from './events/event-stream-server.js';
export { EventFilter, isSampledIn } from './events/event-filter.js';
export { MSGPACK_SUBPROTOCOL, STREAM_DROPPED, decodeEventFrame, type EventFrame } from './events/event-frame.js';
export { DEFAULT_STREAM_LIMITS, type StreamLimits, type SubscriberStats } from './events/event-subscriber.js';
export { ProxyMetrics, PROXY_DURATION_BUCKETS, PENDING_EVENT_TYPES, type ProxyMetricsOptions, type MetricsNode } from './metrics/proxy-metrics.js';
export { msgpackCodec } from './nats/codec.js';
export { NatsTransport, connectNatsTransport, type NatsTransportOptions, type NatsTransportStats } from './nats/nats-transport.js';
export * from './workers/index.js';
