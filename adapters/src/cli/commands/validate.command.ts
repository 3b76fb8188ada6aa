// `switchyard validate`: load a config file with every check `run` makes, and say what is wrong.
import type { Config } from '@switchyard/config';
import { ExitCode, parseFlags } from '../args.js';
import { println, type CliIo } from '../cli-io.js';
import { formatProblemLine, loadCheckedConfig, problemsOf, resolveConfigPath, type ConfigLoader } from '../config-checks.js';

const FLAGS = { config: { type: 'string', short: 'c' } } as const;

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** `ok: 1 listener, 2 routes, 1 upstream`. */
export function summarize(config: Readonly<Config>): string {
  return `ok: ${plural(config.listeners.length, 'listener')}, ${plural(config.routes.length, 'route')}, ${plural(config.upstreams.length, 'upstream')}`;
}

export async function validateCommand(args: readonly string[], io: CliIo, load: ConfigLoader = loadCheckedConfig): Promise<ExitCode> {
  const flags = parseFlags(args, FLAGS);
  const file = resolveConfigPath(flags.config, io.cwd);
  try {
    const config = await load(file);
    println(io.stdout, summarize(config));
    return ExitCode.Ok;
  } catch (err) {
    const problems = problemsOf(err);
    for (const p of problems) println(io.stderr, formatProblemLine(file, p));
    println(io.stderr, `${plural(problems.length, 'problem')} in ${file}`);
    return ExitCode.Failure;
  }
}
