// `switchyard schema`: print (or write) the JSON Schema of the config file.
import path from 'node:path';
import { configJsonSchemaText, writeConfigJsonSchema } from '@switchyard/config';
import { ExitCode, parseFlags } from '../args.js';
import { println, type CliIo } from '../cli-io.js';

const FLAGS = { output: { type: 'string', short: 'o' } } as const;

export async function schemaCommand(args: readonly string[], io: CliIo): Promise<ExitCode> {
  const flags = parseFlags(args, FLAGS);
  if (flags.output === undefined) {
    io.stdout.write(configJsonSchemaText());
    return ExitCode.Ok;
  }
  try {
    await writeConfigJsonSchema(path.resolve(io.cwd, flags.output));
    return ExitCode.Ok;
  } catch (err) {
    println(io.stderr, `switchyard: cannot write "${flags.output}": ${err instanceof Error ? err.message : String(err)}`);
    return ExitCode.Failure;
  }
}
