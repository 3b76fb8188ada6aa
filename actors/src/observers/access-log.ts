// The access log: a bus subscriber that turns each request.completed event into one line on a sink.
import { RequestCompleted, type Bus } from '@switchyard/core';
import type { AccessLogConfig } from '@switchyard/config';
import { compileAccessLogFormat, type AccessLogFormatOptions } from './access-log-format.js';
import type { LineSink } from './line-sink.js';

/** A running access log. */
export interface AccessLog {
  /** Stops writing lines. The sink stays open: whoever made it closes it. */
  stop(): void;
}

/**
 * Starts writing one line per completed request to `sink`, in `config.format`.
 * The proxy builds `request.completed` events only while someone subscribes, so a disabled access
 * log (`enabled: false`) subscribes to nothing and costs nothing per request.
 * @throws ConfigError when the format has an unknown token (see `compileAccessLogFormat`).
 * @example
 * const log = startAccessLog(node.bus, config.server.accessLog, new StdoutSink());
 * // later
 * log.stop();
 */
export function startAccessLog(
  bus: Bus,
  config: Pick<AccessLogConfig, 'enabled' | 'format'>,
  sink: LineSink,
  options: AccessLogFormatOptions = {},
): AccessLog {
  if (!config.enabled) return { stop: () => undefined };
  const format = compileAccessLogFormat(config.format, options);
  // bus.subscribe isolates a throw (a bad event, a sink bug) into a bus.subscriber-failed event.
  const subscription = bus.subscribe(RequestCompleted, (event) => sink.write(format(event)));
  return { stop: () => subscription.unsubscribe() };
}
