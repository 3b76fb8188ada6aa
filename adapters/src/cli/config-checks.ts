// Loading a config file for the CLI: the config package's checks plus those that need the actors (access log format, features this build serves).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { ConfigNotAppliedError, compileAccessLogFormat, unsupportedFeatures } from '@switchyard/actors';
import { ConfigError, loadConfigFile, type Config, type ConfigProblem } from '@switchyard/config';

/** Loads a config file; `run` and the reloader take this shape so tests can hand in their own. */
export type ConfigLoader = (file: string) => Promise<Readonly<Config>>;

/** Names tried, in order, when no --config is given. */
export const DEFAULT_CONFIG_NAMES = ['switchyard.yaml', 'switchyard.yml', 'switchyard.json', 'switchyard.mjs', 'switchyard.ts'] as const;

/** The config file to use: the one given, else the first default name that exists, else `./switchyard.yaml`. */
export function resolveConfigPath(given: string | undefined, cwd: string): string {
  if (given !== undefined) return path.resolve(cwd, given);
  for (const name of DEFAULT_CONFIG_NAMES) {
    const candidate = path.join(cwd, name);
    if (existsSync(candidate)) return candidate;
  }
  return path.join(cwd, DEFAULT_CONFIG_NAMES[0]);
}

/**
 * `loadConfigFile`, then the checks the config package cannot make because they need the proxy's
 * code: the access log format must compile (an unknown `${token}` is a config problem).
 * @throws ConfigError listing every problem.
 */
export const loadCheckedConfig: ConfigLoader = async (file) => {
  const config = await loadConfigFile(file);
  const problems = proxyProblems(config);
  if (problems.length > 0) throw new ConfigError('ERR_CONFIG_INVALID', problems, { file: path.resolve(file) });
  return config;
};

/** Problems only the proxy's own compilers find. Empty when the config is fine. */
export function proxyProblems(config: Readonly<Config>): ConfigProblem[] {
  const problems: ConfigProblem[] = unsupportedFeatures(config);
  try {
    compileAccessLogFormat(config.server.accessLog.format);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    problems.push(...err.problems);
  }
  return problems;
}

/**
 * The problems an error carries: those of a ConfigError (the file) or a ConfigNotAppliedError (the
 * node refused it), else its message as one problem at the root.
 */
export function problemsOf(err: unknown): ConfigProblem[] {
  if (err instanceof ConfigError) return [...err.problems];
  if (err instanceof ConfigNotAppliedError) return err.problems.map((p) => ({ path: p.path, message: p.message }));
  return [{ path: '', message: err instanceof Error ? err.message : String(err) }];
}

/** `file:line:column: path: reason`, the shape compilers print so terminals and editors link to it. */
export function formatProblemLine(file: string, p: ConfigProblem): string {
  const where = p.line === undefined ? file : `${file}:${p.line}:${p.column ?? 1}`;
  return `${where}: ${p.path === '' ? '(root)' : p.path}: ${p.message}`;
}
