// Command-line parsing on node:util parseArgs; a bad flag becomes a UsageError (exit status 2).
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** Exit statuses of the CLI. */
export const ExitCode = {
  Ok: 0,
  /** The command failed: invalid config, a port that cannot bind, ... */
  Failure: 1,
  /** The command line itself is wrong: unknown command or flag, missing value. */
  Usage: 2,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** A command line that cannot be run; the CLI prints the message and the command's usage. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** The values of parsed flags: booleans and strings, absent when not given (no `multiple` flags here). */
export type FlagValues<O extends Options> = { [K in keyof O]?: O[K]['type'] extends 'boolean' ? boolean : string };

/** Parses the flags of one command strictly: unknown flags and stray positionals are usage errors. */
export function parseFlags<const O extends Options>(args: readonly string[], options: O): FlagValues<O> {
  try {
    return parseArgs({ args: [...args], options, strict: true, allowPositionals: false }).values as FlagValues<O>;
  } catch (err) {
    // parseArgs throws TypeErrors with ERR_PARSE_ARGS_* codes; their messages are written for users.
    if (err instanceof TypeError && String((err as NodeJS.ErrnoException).code).startsWith('ERR_PARSE_ARGS')) {
      throw new UsageError(err.message);
    }
    throw err;
  }
}

/** Parses a TCP port flag: 0-65535 (0 picks a free port). */
export function parsePort(flag: string, text: string): number {
  if (!/^\d{1,5}$/.test(text) || Number(text) > 65535) throw new UsageError(`${flag} expects a port number 0-65535, got "${text}"`);
  return Number(text);
}

/** Parses flags plus positional arguments (for commands that take an operand, like `drain TARGET`). */
export function parseFlagsAndOperands<const O extends Options>(args: readonly string[], options: O): { flags: FlagValues<O>; operands: string[] } {
  try {
    const parsed = parseArgs({ args: [...args], options, strict: true, allowPositionals: true });
    return { flags: parsed.values as FlagValues<O>, operands: parsed.positionals };
  } catch (err) {
    if (err instanceof TypeError && String((err as NodeJS.ErrnoException).code).startsWith('ERR_PARSE_ARGS')) {
      throw new UsageError(err.message);
    }
    throw err;
  }
}
