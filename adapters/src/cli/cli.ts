// The switchyard command line: finds the command, prints help, turns usage errors into exit status 2.
import { readFileSync } from 'node:fs';
import { ExitCode, UsageError } from './args.js';
import { println, processIo, type CliIo } from './cli-io.js';
import { COMMAND_USAGE, isCommandName, MAIN_USAGE, type CommandName } from './usage.js';

type CommandRunner = (args: readonly string[], io: CliIo) => Promise<ExitCode>;

/** Loaded on demand: the config schema alone takes a few hundred ms to build, which help and usage errors need not wait for. */
const COMMAND_RUNNERS: Record<CommandName, () => Promise<CommandRunner>> = {
  run: async () => (await import('./commands/run.command.js')).runCommand,
  validate: async () => (await import('./commands/validate.command.js')).validateCommand,
  demo: async () => (await import('./commands/demo.command.js')).demoCommand,
  schema: async () => (await import('./commands/schema.command.js')).schemaCommand,
  events: async () => (await import('./commands/events.command.js')).eventsCommand,
  status: async () => (await import('./commands/status.command.js')).statusCommand,
  drain: async () => (await import('./commands/drain.command.js')).drainCommand,
  cluster: async () => (await import('./commands/cluster.command.js')).clusterCommand,
  config: async () => (await import('./commands/config.command.js')).configCommand,
};

/** The version of the package this CLI ships in. */
export function cliVersion(): string {
  // dist/src/cli/cli.js → the package's package.json.
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version?: string };
  return pkg.version ?? 'unknown';
}

function isHelpFlag(arg: string): boolean {
  return arg === '-h' || arg === '--help';
}

/**
 * Runs one command line (without `node` and the script) and resolves with the exit status.
 * `run` and `demo` resolve only once the proxy has stopped.
 * @example
 * process.exitCode = await runCli(['validate', '--config', 'switchyard.yaml']);
 */
export async function runCli(argv: readonly string[], io: CliIo = processIo()): Promise<ExitCode> {
  const [first, ...rest] = argv;
  if (first === undefined) {
    println(io.stderr, MAIN_USAGE);
    return ExitCode.Usage;
  }
  if (isHelpFlag(first)) {
    println(io.stdout, MAIN_USAGE);
    return ExitCode.Ok;
  }
  if (first === '-v' || first === '--version') {
    println(io.stdout, cliVersion());
    return ExitCode.Ok;
  }
  if (first === 'help') {
    const topic = rest[0];
    if (topic === undefined) println(io.stdout, MAIN_USAGE);
    else if (isCommandName(topic)) println(io.stdout, COMMAND_USAGE[topic]);
    else return usageError(io, `unknown command "${topic}"`, MAIN_USAGE);
    return ExitCode.Ok;
  }
  if (!isCommandName(first)) {
    return usageError(io, first.startsWith('-') ? `unknown option "${first}"` : `unknown command "${first}"`, MAIN_USAGE);
  }
  if (rest.some(isHelpFlag)) {
    println(io.stdout, COMMAND_USAGE[first]);
    return ExitCode.Ok;
  }
  try {
    const command = await COMMAND_RUNNERS[first]();
    return await command(rest, io);
  } catch (err) {
    if (err instanceof UsageError) return usageError(io, `${first}: ${err.message}`, COMMAND_USAGE[first]);
    println(io.stderr, `switchyard ${first}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    return ExitCode.Failure;
  }
}

function usageError(io: CliIo, message: string, usage: string): ExitCode {
  println(io.stderr, `switchyard: ${message}\n`);
  println(io.stderr, usage);
  return ExitCode.Usage;
}
