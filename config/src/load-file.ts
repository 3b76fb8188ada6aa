// Reads a config file (YAML, JSON, JavaScript or TypeScript module) and validates it.
import { randomUUID } from 'node:crypto';
import { readFile, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { LineCounter, parseDocument, isNode, type Document } from 'yaml';
import { ConfigError, type ConfigProblem } from './errors.js';
import { stripSegments, validateConfig, type LocatedProblem } from './load.js';
import type { Config } from './schema.js';

/** File extensions `loadConfigFile` understands. */
export const CONFIG_FILE_EXTENSIONS = ['.yaml', '.yml', '.json', '.mjs', '.js', '.cjs', '.ts', '.mts'] as const;

/**
 * Loads, validates and deep-freezes a config file, chosen by extension:
 * - `.yaml` / `.yml`: YAML 1.2 (merge keys `<<` allowed); syntax errors carry line and column,
 *   and validation problems are located in the file too;
 * - `.json`: strict JSON; syntax errors carry line and column;
 * - `.mjs` / `.js` / `.cjs`: a module whose default export is the config, or a (possibly async)
 *   function returning it;
 * - `.ts` / `.mts`: the same, transpiled with `typescript` into a temporary `.mjs` beside the file
 *   (so `import { defineConfig } from '@switchyard/config'` resolves as it would for the file),
 *   imported, then deleted. Type errors are not checked (use `tsc --noEmit` for that); relative
 *   imports of other `.ts` files are not supported.
 *
 * @throws ConfigError `ERR_CONFIG_LOAD_FAILED` when the file is missing, unreadable, of an
 *   unsupported type, or its module throws; `ERR_CONFIG_INVALID` for syntax and validation problems.
 */
export async function loadConfigFile(file: string): Promise<Readonly<Config>> {
  const abs = path.resolve(file);
  const ext = path.extname(abs).toLowerCase();
  if (!(CONFIG_FILE_EXTENSIONS as readonly string[]).includes(ext)) {
    throw loadFailed(abs, `unsupported config file extension "${ext}" (supported: ${CONFIG_FILE_EXTENSIONS.join(', ')})`);
  }
  const text = await readText(abs);
  switch (ext) {
    case '.yaml':
    case '.yml':
      return fromYaml(abs, text);
    case '.json':
      return fromJson(abs, text);
    case '.ts':
    case '.mts':
      return validated(abs, await importTypeScript(abs, text));
    default:
      return validated(abs, await importModule(abs, pathToFileURL(abs).href));
  }
}

/**
 * Reads a config file as written, without validating it: the parsed YAML or JSON, or a module's
 * default export. For sending a config elsewhere to be validated there (a cluster push); syntax
 * errors and unreadable files throw as in `loadConfigFile`.
 */
export async function readConfigInput(file: string): Promise<unknown> {
  const abs = path.resolve(file);
  const ext = path.extname(abs).toLowerCase();
  if (!(CONFIG_FILE_EXTENSIONS as readonly string[]).includes(ext)) {
    throw loadFailed(abs, `unsupported config file extension "${ext}" (supported: ${CONFIG_FILE_EXTENSIONS.join(', ')})`);
  }
  const text = await readText(abs);
  switch (ext) {
    case '.yaml':
    case '.yml':
    case '.json': {
      const { doc } = parseYaml(text);
      if (doc.errors.length > 0) throw invalid(abs, doc.errors.map((e) => ({ path: '', message: `syntax error: ${firstLine(e.message)}` })));
      return doc.toJS() as unknown;
    }
    case '.ts':
    case '.mts':
      return importTypeScript(abs, text);
    default:
      return importModule(abs, pathToFileURL(abs).href);
  }
}

async function readText(abs: string): Promise<string> {
  try {
    const info = await stat(abs);
    if (!info.isFile()) throw loadFailed(abs, `config file "${abs}" is not a regular file`);
    return await readFile(abs, 'utf8');
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'file not found' : err instanceof Error ? err.message : String(err);
    throw loadFailed(abs, `cannot read config file "${abs}": ${reason}`, err);
  }
}

function loadFailed(file: string, message: string, cause?: unknown): ConfigError {
  return new ConfigError('ERR_CONFIG_LOAD_FAILED', [{ path: '', message }], { file, cause });
}

function invalid(file: string, problems: ConfigProblem[], cause?: unknown): ConfigError {
  return new ConfigError('ERR_CONFIG_INVALID', problems, { file, cause });
}

/** Validates data read from `file`; `locate` maps a problem's path to a source position. */
function validated(file: string, raw: unknown, locate?: (p: LocatedProblem) => ConfigProblem): Readonly<Config> {
  if (raw === undefined || raw === null) throw invalid(file, [{ path: '', message: 'config is empty' }]);
  const result = validateConfig(raw);
  if (result.ok) return result.config;
  throw invalid(file, result.problems.map(locate ?? stripSegments));
}

// ---- YAML and JSON --------------------------------------------------------------------------

function parseYaml(text: string): { doc: Document; lines: LineCounter } {
  const lines = new LineCounter();
  // YAML 1.2 core schema; merge keys let users share blocks with anchors. Alias expansion stays capped
  // by yaml's default maxAliasCount (billion-laughs guard).
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, merge: true });
  return { doc, lines };
}

function fromYaml(file: string, text: string): Readonly<Config> {
  const { doc, lines } = parseYaml(text);
  if (doc.errors.length > 0) {
    throw invalid(
      file,
      doc.errors.map((e) => {
        const pos = lines.linePos(e.pos[0]);
        return { path: '', message: `YAML syntax error: ${firstLine(e.message)}`, line: pos.line, column: pos.col };
      }),
    );
  }
  return validated(file, doc.toJS(), locator(doc, lines));
}

function fromJson(file: string, text: string): Readonly<Config> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw invalid(file, [{ path: '', message: `JSON syntax error: ${message}`, ...jsonErrorPosition(message, text) }], err);
  }
  // JSON is YAML 1.2, so the YAML parser can tell where each path sits in the file.
  const { doc, lines } = parseYaml(text);
  return validated(file, raw, doc.errors.length === 0 ? locator(doc, lines) : undefined);
}

/**
 * V8 reports JSON syntax errors as "... at position N" (and newer versions "(line L column C)").
 * The message is only read to show a position to the user, never to decide anything.
 */
function jsonErrorPosition(message: string, text: string): { line?: number; column?: number } {
  const lc = /\(line (\d+) column (\d+)\)/.exec(message);
  if (lc !== null) return { line: Number(lc[1]), column: Number(lc[2]) };
  const at = /at position (\d+)/.exec(message);
  const offset = at !== null ? Number(at[1]) : /end of JSON input/.test(message) ? text.length : undefined;
  return offset === undefined ? {} : offsetToLineColumn(text, offset);
}

function offsetToLineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - before.lastIndexOf('\n') };
}

/** Finds the closest node to a problem's path in the parsed document and reports its position. */
function locator(doc: Document, lines: LineCounter): (p: LocatedProblem) => ConfigProblem {
  return (p) => {
    const out = stripSegments(p);
    for (let n = p.segments.length; n >= 0; n--) {
      const node: unknown = n === 0 ? doc.contents : doc.getIn(p.segments.slice(0, n) as unknown[], true);
      if (isNode(node) && node.range !== undefined && node.range !== null) {
        const pos = lines.linePos(node.range[0]);
        return { ...out, line: pos.line, column: pos.col };
      }
    }
    return out;
  };
}

function firstLine(s: string): string {
  return s.split('\n', 1)[0] ?? s;
}

// ---- JavaScript and TypeScript modules --------------------------------------------------------

let importCounter = 0;

/** Imports a config module (cache-busted so a reload sees edits) and returns its default export's value. */
async function importModule(file: string, url: string): Promise<unknown> {
  let mod: { default?: unknown };
  try {
    // A new query string per load gives a fresh module instance; Node keeps the old ones cached, which
    // costs a little memory per reload.
    mod = (await import(`${url}?v=${Date.now()}-${++importCounter}`)) as { default?: unknown };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (err instanceof SyntaxError) throw invalid(file, [{ path: '', message: `syntax error: ${message}` }], err);
    throw loadFailed(file, `config module "${file}" failed to load: ${message}`, err);
  }
  if (mod.default === undefined) {
    throw invalid(file, [{ path: '', message: 'config module has no default export (write `export default defineConfig({ ... })`)' }]);
  }
  if (typeof mod.default !== 'function') return mod.default;
  try {
    return await (mod.default as () => unknown)();
  } catch (err) {
    throw loadFailed(file, `config function of "${file}" threw: ${err instanceof Error ? err.message : String(err)}`, err);
  }
}

async function importTypeScript(file: string, source: string): Promise<unknown> {
  // Loaded on demand: the compiler is large and only TypeScript configs need it.
  const ts = (await import('typescript')).default;
  const out = ts.transpileModule(source, {
    fileName: file,
    reportDiagnostics: true,
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, sourceMap: false, verbatimModuleSyntax: false },
  });
  const errors = (out.diagnostics ?? []).filter((d) => d.category === ts.DiagnosticCategory.Error);
  if (errors.length > 0) {
    throw invalid(
      file,
      errors.map((d) => ({
        path: '',
        message: `TypeScript syntax error: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`,
        ...(d.start === undefined ? {} : offsetToLineColumn(source, d.start)),
      })),
    );
  }
  // Written beside the original so bare imports (`@switchyard/config`) resolve from the same node_modules.
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${randomUUID().slice(0, 8)}.tmp.mjs`);
  try {
    await writeFile(temp, out.outputText, { flag: 'wx' });
  } catch (err) {
    throw loadFailed(file, `cannot write the compiled config next to "${file}": ${err instanceof Error ? err.message : String(err)}`, err);
  }
  try {
    return await importModule(file, pathToFileURL(temp).href);
  } finally {
    await unlink(temp).catch(() => undefined);
  }
}
