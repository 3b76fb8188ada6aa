// Reload = load → validate → apply; on any failure the node keeps its last good config and the problems are logged.
import { diffConfig, type Config, type ConfigProblem } from '@switchyard/config';
import { ConfigRejected, type Bus, type Logger } from '@switchyard/core';
import { problemsOf, type ConfigLoader } from './config-checks.js';

/** What the reloader needs of a proxy node. */
export interface ReloadableNode {
  readonly configVersion: number;
  readonly config: Readonly<Config>;
  apply(config: Readonly<Config>, source: string): Promise<void>;
}

export type ReloadResult =
  | { ok: true; version: number; config: Readonly<Config>; isUnchanged: boolean }
  | { ok: false; problems: readonly ConfigProblem[]; keptVersion: number };

export interface ReloadRequest {
  /** Why: `SIGHUP`, `watch`, ... (logged). */
  reason: string;
  /**
   * Skip `apply` when the file validates to the config already served. For file watching (editors
   * save without changes); SIGHUP applies regardless, since a reload may be for files the config
   * only names (certificates).
   */
  skipUnchanged?: boolean;
}

export interface ConfigReloaderOptions {
  node: ReloadableNode;
  file: string;
  load: ConfigLoader;
  logger: Logger;
  /**
   * Where a file that fails to load is announced as `config.rejected` (the node announces what it
   * rejects in `apply` itself).
   */
  bus?: Bus;
  /** Runs after a config was applied (restart the access log, change the log level...). Its errors are logged. */
  onApplied?: (next: Readonly<Config>, previous: Readonly<Config>) => void | Promise<void>;
}

/**
 * Reloads a node's config from its file. Reloads never overlap: a request made while one runs is
 * queued, and any number of such requests share the one run that follows (a burst of file events
 * costs one extra reload, not one per event).
 */
export class ConfigReloader {
  private lastGoodConfig: Readonly<Config>;
  private running: Promise<ReloadResult> | undefined;
  private queued: Promise<ReloadResult> | undefined;

  constructor(private readonly options: ConfigReloaderOptions) {
    this.lastGoodConfig = options.node.config;
  }

  /** The config last applied successfully (the one the node serves). */
  get lastGood(): Readonly<Config> {
    return this.lastGoodConfig;
  }

  /** Reloads; never rejects: failures come back as problems (and are logged). */
  reload(request: ReloadRequest): Promise<ReloadResult> {
    if (this.running === undefined) {
      this.running = this.reloadOnce(request).finally(() => {
        this.running = undefined;
      });
      return this.running;
    }
    this.queued ??= this.running.then(() => {
      this.queued = undefined;
      return this.reload(request);
    });
    return this.queued;
  }

  private async reloadOnce(request: ReloadRequest): Promise<ReloadResult> {
    const { node, file, load, logger } = this.options;
    logger.info({ file, reason: request.reason }, 'reloading config');
    let next: Readonly<Config>;
    try {
      next = await load(file);
    } catch (err) {
      const problems = problemsOf(err);
      const bus = this.options.bus;
      if (bus?.hasSubscribers(ConfigRejected) === true) {
        bus.publish(ConfigRejected.make({ source: file, problems: problems.map((p) => ({ path: p.path, message: p.message })), keptVersion: node.configVersion }));
      }
      return this.rejected(problems, 'config is invalid');
    }
    const previous = this.lastGoodConfig;
    if (request.skipUnchanged === true && !diffConfig(previous, next).hasChanges) {
      logger.info({ file, version: node.configVersion }, 'config unchanged');
      return { ok: true, version: node.configVersion, config: previous, isUnchanged: true };
    }
    try {
      await node.apply(next, file);
    } catch (err) {
      return this.rejected(problemsOf(err), 'config could not be applied');
    }
    this.lastGoodConfig = next;
    logger.info({ file, version: node.configVersion, ...changesOf(previous, next) }, 'config reloaded');
    try {
      await this.options.onApplied?.(next, previous);
    } catch (err) {
      logger.error({ err }, 'config reloaded, but a follow-up step failed');
    }
    return { ok: true, version: node.configVersion, config: next, isUnchanged: false };
  }

  private rejected(problems: ConfigProblem[], why: string): ReloadResult {
    const { node, file, logger } = this.options;
    for (const p of problems) {
      logger.error({ file, path: p.path, line: p.line, column: p.column }, `config problem: ${p.path === '' ? '(root)' : p.path}: ${p.message}`);
    }
    logger.error({ file, problems: problems.length, keptVersion: node.configVersion }, `${why}; still serving version ${node.configVersion}`);
    return { ok: false, problems, keptVersion: node.configVersion };
  }
}

function changesOf(previous: Readonly<Config>, next: Readonly<Config>): Record<string, unknown> {
  const d = diffConfig(previous, next);
  const named = (kind: 'listeners' | 'routes' | 'upstreams') => {
    const x = d[kind];
    return x.added.length + x.removed.length + x.changed.length === 0 ? undefined : x;
  };
  return {
    listeners: named('listeners'),
    routes: named('routes'),
    upstreams: named('upstreams'),
    settings: d.settings.length === 0 ? undefined : d.settings,
  };
}
