// The config package's error type; every problem names its path so the user can find it.
import { SwitchyardError } from '@switchyard/core';

/** Stable error codes of the config package. */
export const ConfigErrorCode = {
  /** The config was read but is not valid: syntax, shape, values or cross-field checks. */
  Invalid: 'ERR_CONFIG_INVALID',
  /** The config could not be read or evaluated: missing file, unsupported extension, module threw. */
  LoadFailed: 'ERR_CONFIG_LOAD_FAILED',
} as const;
export type ConfigErrorCode = (typeof ConfigErrorCode)[keyof typeof ConfigErrorCode];

/** One thing wrong with a config. `path` is dotted (`routes.0.forward.upstream`), `''` for the whole file. */
export interface ConfigProblem {
  path: string;
  message: string;
  /** 1-based position in the source file, when known (YAML, JSON, TypeScript syntax). */
  line?: number;
  column?: number;
}

/** Renders one problem as `path: reason`, with its file position when known. */
export function formatProblem(p: ConfigProblem): string {
  const where = p.line === undefined ? '' : ` (line ${p.line}, column ${p.column ?? 1})`;
  return `${p.path === '' ? '(root)' : p.path}: ${p.message}${where}`;
}

/**
 * Thrown by `loadConfig` and `loadConfigFile`. `problems` lists every issue found (not only the first);
 * `message` is the same list, one `path: reason` per line, after a `file:` line when a file was read.
 * Its codes live in the core error catalogue like every other.
 */
export class ConfigError extends SwitchyardError {
  readonly problems: readonly ConfigProblem[];
  readonly file: string | undefined;

  declare readonly code: ConfigErrorCode;

  constructor(
    code: ConfigErrorCode,
    problems: readonly ConfigProblem[],
    options?: ErrorOptions & { file?: string },
  ) {
    const lines = problems.map(formatProblem).join('\n');
    super(code, options?.file === undefined ? lines : `${options.file}:\n${lines}`, options);
    this.problems = Object.freeze(problems.map((p) => Object.freeze({ ...p })));
    this.file = options?.file;
  }
}
