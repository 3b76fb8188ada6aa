// Exports the config schema as JSON Schema so editors can validate and complete what users write.
import { writeFile } from 'node:fs/promises';
import { z } from 'zod';
import { Config } from './schema.js';

/**
 * The JSON Schema (draft 2020-12) of the config *input*: what users write in YAML or JSON, with
 * defaults shown as written (`"5s"`, not `5000`). Cross-field checks (unknown upstream names, duplicate
 * names, ...) cannot be expressed in JSON Schema and are only enforced by `loadConfig`.
 * @example
 * // switchyard.yaml, first line, for the YAML language server:
 * // # yaml-language-server: $schema=./switchyard.schema.json
 */
export function configJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(Config, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return { ...schema, title: 'Switchyard configuration', description: 'Config file of the Switchyard reverse proxy.' };
}

/** The JSON Schema as pretty-printed JSON text with a trailing newline. */
export function configJsonSchemaText(): string {
  return `${JSON.stringify(configJsonSchema(), null, 2)}\n`;
}

/** Writes the JSON Schema to `file` (used by the CLI's schema export). */
export async function writeConfigJsonSchema(file: string): Promise<void> {
  await writeFile(file, configJsonSchemaText(), 'utf8');
}
