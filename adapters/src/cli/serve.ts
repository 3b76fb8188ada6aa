// Serving until told to stop: the signal handling shared by `run` and `demo`.
import type { Logger } from '@switchyard/core';
import { ExitCode } from './args.js';
import type { CliIo, CliSignal } from './cli-io.js';

/** What can be shut down: a proxy node. */
export interface Closable {
  close(options?: { graceMs?: number }): Promise<void>;
}

export interface ServeOptions {
  io: CliIo;
  node: Closable;
  logger: Logger;
  /** In-flight requests get this long to finish at shutdown; a function is read when the stop signal comes (the config may have been reloaded). */
  graceMs: number | (() => number);
  /** SIGHUP. Absent: SIGHUP is logged and ignored. */
  onReload?: () => void;
  /** SIGUSR1: reopen log files. */
  onReopenLogs?: () => void;
  /** Runs as soon as a stop signal arrives, before the node closes (stop watching files). */
  onStopping?: () => void;
  /** Runs after the node closed (stop watching, close the access log, stop demo origins...). */
  afterClose?: () => Promise<void>;
  /** Shutdown is abandoned (exit 1) after graceMs plus this. Default 15 s. */
  shutdownMarginMs?: number;
}

/**
 * Resolves with the exit status once the process should end: 0 after a graceful shutdown on
 * SIGTERM or SIGINT, 1 when closing failed or a second stop signal came before it finished.
 */
export function serveUntilSignalled(options: ServeOptions): Promise<ExitCode> {
  const { io, node, logger } = options;
  return new Promise((resolve) => {
    const unsubscribes: (() => void)[] = [];
    const on = (signal: CliSignal, handler: () => void): void => {
      unsubscribes.push(io.onSignal(signal, handler));
    };
    let isStopping = false;
    let watchdog: NodeJS.Timeout | undefined;
    const finish = (code: ExitCode): void => {
      clearTimeout(watchdog);
      for (const off of unsubscribes) off();
      resolve(code);
    };
    const stop = (signal: CliSignal) => () => {
      if (isStopping) {
        logger.warn({ signal }, 'second stop signal: exiting without waiting');
        finish(ExitCode.Failure);
        return;
      }
      isStopping = true;
      const graceMs = typeof options.graceMs === 'function' ? options.graceMs() : options.graceMs;
      logger.info({ signal, graceMs }, 'shutting down');
      // A real (ref'd) timer on purpose: it bounds the shutdown, and it keeps the event loop alive
      // while the node drains on timers that are unref'd, which would otherwise let the process end
      // in the middle of closing (exit 13, an unsettled top-level await).
      watchdog = setTimeout(() => {
        logger.error({ graceMs }, 'shutdown did not finish in time: exiting');
        finish(ExitCode.Failure);
      }, graceMs + (options.shutdownMarginMs ?? 15_000));
      options.onStopping?.();
      void shutDown(options, graceMs).then(finish);
    };
    on('SIGTERM', stop('SIGTERM'));
    on('SIGINT', stop('SIGINT'));
    on('SIGHUP', () => {
      if (isStopping) return;
      if (options.onReload === undefined) logger.info({ signal: 'SIGHUP' }, 'nothing to reload');
      else options.onReload();
    });
    on('SIGUSR1', () => {
      logger.info({ signal: 'SIGUSR1' }, 'reopening log files');
      options.onReopenLogs?.();
    });
  });
}

async function shutDown(options: ServeOptions, graceMs: number): Promise<ExitCode> {
  let code: ExitCode = ExitCode.Ok;
  try {
    await options.node.close({ graceMs });
  } catch (err) {
    options.logger.error({ err }, 'closing the proxy failed');
    code = ExitCode.Failure;
  }
  try {
    await options.afterClose?.();
  } catch (err) {
    options.logger.error({ err }, 'cleanup after shutdown failed');
    code = ExitCode.Failure;
  }
  if (code === ExitCode.Ok) options.logger.info({}, 'stopped');
  return code;
}
