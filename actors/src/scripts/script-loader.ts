// Reads a router script, compiles TypeScript with `transpileModule`, imports it fresh, checks it, runs its self-test.
import { createHash, randomUUID } from 'node:crypto';
import { statSync } from 'node:fs';
import { readFile, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { SwitchyardError } from '@switchyard/core';
import { routerFromModule, runSelfTest, type RouterModule } from './router-module.js';

/** One problem found while loading a script, with its position in the source when known. */
export interface ScriptProblem {
  readonly message: string;
  readonly line?: number;
  readonly column?: number;
}

/** A script that could not be loaded: the file and every problem. */
export class ScriptLoadError extends SwitchyardError {
  constructor(
    readonly file: string,
    readonly problems: readonly ScriptProblem[],
    options?: ErrorOptions,
  ) {
    super('ERR_SCRIPT_LOAD_FAILED', `${file}: ${problems.map(formatScriptProblem).join('; ')}`, options);
  }
}

export function formatScriptProblem(p: ScriptProblem): string {
  return p.line === undefined ? p.message : `${p.line}:${p.column ?? 1} ${p.message}`;
}

/** Extensions a router script may have: TypeScript is compiled at load, JavaScript is taken as an ES module. */
export const SCRIPT_EXTENSIONS = ['.ts', '.mts', '.js', '.mjs'] as const;

/** A script read and compiled to JavaScript, not yet run. */
export interface ScriptSource {
  /** Absolute path of the user's file. */
  readonly file: string;
  /** The ES module text to run. */
  readonly code: string;
  /** sha256 of the file's text (first 16 hex digits): what tells one version from the next. */
  readonly hash: string;
}

/**
 * Where relative script paths of a config version resolve: the folder of the config file when the
 * version's `source` names an existing file (a reload from the CLI or the watcher), else the
 * process's working directory (`startup`, `admin-api`, tests).
 */
export function scriptBaseDir(source: string): string {
  try {
    if (source.length > 0 && statSync(source).isFile()) return path.dirname(path.resolve(source));
  } catch {
    // Not a file path: fall through.
  }
  return process.cwd();
}

/** Resolves a configured script path: relative paths against `baseDir` (the config file's folder). */
export function resolveScriptPath(file: string, baseDir: string): string {
  return path.resolve(baseDir, file);
}

export function hashText(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

/**
 * Reads `file` and compiles it: `.ts`/`.mts` through `typescript`'s `transpileModule` (syntax only;
 * type errors are for `tsc --noEmit` or the editor), `.js`/`.mjs` as they are.
 * @throws ScriptLoadError for a missing file, an unknown extension or a syntax error (with line and column).
 */
export async function readScript(file: string): Promise<ScriptSource> {
  const ext = path.extname(file).toLowerCase();
  if (!(SCRIPT_EXTENSIONS as readonly string[]).includes(ext)) {
    throw new ScriptLoadError(file, [{ message: `unsupported script extension "${ext}" (use ${SCRIPT_EXTENSIONS.join(', ')})` }]);
  }
  let text: string;
  try {
    const info = await stat(file);
    if (!info.isFile()) throw new Error('not a regular file');
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ScriptLoadError(file, [{ message: `cannot read the script: ${code === 'ENOENT' ? 'file not found' : (error as Error).message}` }], { cause: error });
  }
  const hash = hashText(text);
  if (ext === '.js' || ext === '.mjs') return { file, code: bindOwnPackages(text), hash };
  return { file, code: bindOwnPackages(await compileTypeScript(file, text)), hash };
}

/** The running proxy's own packages, as import URLs. */
const OWN_PACKAGES: Readonly<Record<string, string>> = {
  actors: new URL('../index.js', import.meta.url).href,
  core: import.meta.resolve('@switchyard/core'),
};

/**
 * Points `@switchyard/actors` and `@switchyard/core` imports at the running proxy's own copies, so
 * a script works wherever its file lives (no node_modules needed beside it) and sees the same
 * classes as the proxy. Other imports resolve from the file's folder as usual.
 */
export function bindOwnPackages(code: string): string {
  return code.replace(/(\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(['"])@switchyard\/(actors|core)\2/g, (_m, lead: string, quote: string, name: string) => `${lead}${quote}${OWN_PACKAGES[name] ?? `@switchyard/${name}`}${quote}`);
}

/** Compiles one TypeScript module to ES2022 JavaScript, refusing it on any syntax error. */
export async function compileTypeScript(file: string, text: string): Promise<string> {
  // Loaded on demand: the compiler is large and only TypeScript scripts need it.
  const ts = (await import('typescript')).default;
  const out = ts.transpileModule(text, {
    fileName: file,
    reportDiagnostics: true,
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, sourceMap: false, inlineSourceMap: true, verbatimModuleSyntax: false },
  });
  const errors = (out.diagnostics ?? []).filter((d) => d.category === ts.DiagnosticCategory.Error);
  if (errors.length > 0) {
    throw new ScriptLoadError(
      file,
      errors.map((d) => {
        const message = `TypeScript syntax error: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
        if (d.file === undefined || d.start === undefined) return { message };
        const pos = d.file.getLineAndCharacterOfPosition(d.start);
        return { message, line: pos.line + 1, column: pos.character + 1 };
      }),
    );
  }
  return out.outputText;
}

let importSeq = 0;

/**
 * Imports compiled code as a fresh module instance. It is written to a dot-file beside the user's
 * file so that its imports (`@switchyard/actors`, `./helpers.js`) resolve as they would from the
 * file itself, imported, then removed. Node keeps every imported version cached, a little memory
 * per reload. A folder that cannot be written falls back to a `data:` URL (bare imports then fail).
 */
export async function importCompiled(file: string, code: string): Promise<Record<string, unknown>> {
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${randomUUID().slice(0, 8)}.sy.mjs`);
  let url: string;
  let isWritten = false;
  try {
    await writeFile(temp, code, { flag: 'wx' });
    isWritten = true;
    url = `${pathToFileURL(temp).href}?v=${++importSeq}`;
  } catch {
    url = `data:text/javascript;base64,${Buffer.from(code).toString('base64')}`;
  }
  try {
    return (await import(url)) as Record<string, unknown>;
  } finally {
    if (isWritten) await unlink(temp).catch(() => undefined);
  }
}

/** Imports a compiled script, checks that it exports a router, and runs its self-test. */
export async function loadRouterModule(source: ScriptSource, options: Readonly<Record<string, unknown>>, route: string): Promise<RouterModule> {
  let mod: Record<string, unknown>;
  try {
    mod = await importCompiled(source.file, source.code);
  } catch (error) {
    throw new ScriptLoadError(source.file, [{ message: `the module failed to load: ${error instanceof Error ? error.message : String(error)}` }], { cause: error });
  }
  const checked = routerFromModule(mod);
  if (typeof checked === 'string') throw new ScriptLoadError(source.file, [{ message: checked }]);
  try {
    await runSelfTest(checked, options, route);
  } catch (error) {
    throw new ScriptLoadError(source.file, [{ message: (error as Error).message }], { cause: error });
  }
  // `init` runs at every (re)start: one that throws would restart for ever, so it is tried once here.
  try {
    checked.definition.init?.(Object.freeze({ ...options }));
  } catch (error) {
    throw new ScriptLoadError(source.file, [{ message: `init threw: ${error instanceof Error ? error.message : String(error)}` }], { cause: error });
  }
  return checked;
}
