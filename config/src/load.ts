// Validates raw config data against the schema, turns zod issues into readable problems, and freezes the result.
import type { z } from 'zod';
import { ConfigError, type ConfigProblem } from './errors.js';
import { Config } from './schema.js';

/** A problem plus its raw path segments (used to find the position in a YAML/JSON source). */
export interface LocatedProblem extends ConfigProblem {
  segments: readonly PropertyKey[];
}

export type ValidationResult = { ok: true; config: Readonly<Config> } | { ok: false; problems: LocatedProblem[] };

/**
 * Validates without throwing: the frozen config, or every problem found.
 * Shape and value problems are all reported together; cross-field checks (names, references)
 * run once the shape is valid, and are then all reported together too.
 */
export function validateConfig(raw: unknown): ValidationResult {
  const result = Config.safeParse(raw, { reportInput: true });
  if (result.success) return { ok: true, config: deepFreeze(result.data) };
  const problems = result.error.issues.flatMap((issue) => toProblems(issue, []));
  return { ok: false, problems: dedupe(problems) };
}

/**
 * Validates raw config data (parsed YAML/JSON or a `defineConfig` object) and returns the
 * normalized, defaulted, deep-frozen config.
 * @throws ConfigError `ERR_CONFIG_INVALID` listing every problem as `path: reason`.
 * @example
 * const cfg = loadConfig({ listeners: [{ name: 'web', address: ':8080' }] });
 * cfg.listeners[0]?.address; // { host: '0.0.0.0', port: 8080, text: ':8080' }
 */
export function loadConfig(raw: unknown): Readonly<Config> {
  const result = validateConfig(raw);
  if (!result.ok) throw new ConfigError('ERR_CONFIG_INVALID', result.problems.map(stripSegments));
  return result.config;
}

export function stripSegments(p: LocatedProblem): ConfigProblem {
  const { segments: _segments, ...rest } = p;
  return rest;
}

/** Freezes an object graph in place (plain objects and arrays) and returns it. */
export function deepFreeze<T>(value: T): Readonly<T> {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  }
  return value;
}

/** Renders path segments as `routes.0.match.headers.x-env`; a segment with a dot or space is quoted. */
export function formatPath(segments: readonly PropertyKey[]): string {
  return segments
    .map((s) => {
      const text = String(s);
      return text === '' || /[.\s"[\]]/.test(text) ? `[${JSON.stringify(text)}]` : text;
    })
    .join('.')
    .replace(/\.\[/g, '[');
}

function problem(segments: readonly PropertyKey[], message: string): LocatedProblem {
  return { path: formatPath(segments), message, segments };
}

function dedupe(problems: LocatedProblem[]): LocatedProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.path}\n${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

type Issue = z.core.$ZodIssue;

/** Turns one zod issue into user-facing problems: one per unknown key, the matching union branch, clearer wording. */
function toProblems(issue: Issue, prefix: readonly PropertyKey[]): LocatedProblem[] {
  const path = [...prefix, ...issue.path];
  switch (issue.code) {
    case 'unrecognized_keys': {
      const allowed = objectKeysAt(Config, path);
      return issue.keys.map((key) => problem([...path, key], unknownKeyMessage(key, allowed)));
    }
    case 'invalid_union': {
      const branch = pickUnionBranch(issue.errors);
      if (branch !== undefined) return branch.flatMap((inner) => toProblems(inner, path));
      return [problem(path, issue.message)];
    }
    case 'invalid_key':
      return issue.issues.flatMap((inner) => toProblems(inner, path));
    case 'invalid_type':
      if ('input' in issue && issue.input === undefined) return [problem(path, `required ${issue.expected} is missing`)];
      return [problem(path, `expected ${issue.expected}, got ${describeValue('input' in issue ? issue.input : undefined)}`)];
    default:
      return [problem(path, issue.message)];
  }
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}

/**
 * When no branch of a union matched, pick the branch the user evidently meant: the one whose
 * top-level type and keys matched and, among those, the one with the fewest issues.
 * Returns undefined when that is ambiguous, so the union's own message is shown.
 */
function pickUnionBranch(branches: readonly (readonly Issue[])[]): readonly Issue[] | undefined {
  // A root `invalid_type` means the value is not even this branch's type; root unknown keys mean the
  // object was written for another branch (e.g. `upstream` and `upstreams` together in `forward`).
  const typed = branches.filter((issues) => !issues.some((i) => i.path.length === 0 && (i.code === 'invalid_type' || i.code === 'unrecognized_keys')));
  if (typed.length === 1) return typed[0];
  if (typed.length === 0) return undefined;
  const fewest = Math.min(...typed.map((b) => b.length));
  const best = typed.filter((b) => b.length === fewest);
  return best.length === 1 ? best[0] : undefined;
}

function unknownKeyMessage(key: string, allowed: readonly string[] | undefined): string {
  if (allowed === undefined || allowed.length === 0) return `unknown key "${key}"`;
  const close = allowed
    .map((k) => ({ k, d: editDistance(key.toLowerCase(), k.toLowerCase()) }))
    .filter(({ d }) => d <= Math.max(1, Math.floor(key.length / 3)))
    .sort((a, b) => a.d - b.d)[0];
  if (close !== undefined) return `unknown key "${key}" (did you mean "${close.k}"?)`;
  return `unknown key "${key}" (allowed: ${allowed.join(', ')})`;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur[j] = Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost);
    }
    prev = cur;
  }
  return prev[b.length] ?? 0;
}

// A minimal view of zod 4 schema definitions, enough to find which keys an object at a path allows.
interface SchemaDef {
  type: string;
  shape?: Record<string, { _zod: { def: SchemaDef } }>;
  element?: { _zod: { def: SchemaDef } };
  innerType?: { _zod: { def: SchemaDef } };
  in?: { _zod: { def: SchemaDef } };
  options?: { _zod: { def: SchemaDef } }[];
  valueType?: { _zod: { def: SchemaDef } };
}

function unwrap(def: SchemaDef): SchemaDef[] {
  if (def.innerType !== undefined) return unwrap(def.innerType._zod.def);
  if (def.type === 'pipe' && def.in !== undefined) return unwrap(def.in._zod.def);
  if (def.type === 'union' && def.options !== undefined) return def.options.flatMap((o) => unwrap(o._zod.def));
  return [def];
}

/** The keys allowed by the object schema(s) at `path`, or undefined when none is found. */
function objectKeysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] | undefined {
  let defs = unwrap((schema as unknown as { _zod: { def: SchemaDef } })._zod.def);
  for (const seg of path) {
    defs = defs.flatMap((d): SchemaDef[] => {
      if (d.type === 'array' && typeof seg === 'number' && d.element !== undefined) return unwrap(d.element._zod.def);
      if (d.type === 'object' && typeof seg === 'string' && d.shape?.[seg] !== undefined) return unwrap(d.shape[seg]._zod.def);
      if (d.type === 'record' && d.valueType !== undefined) return unwrap(d.valueType._zod.def);
      return [];
    });
  }
  const keys = defs.flatMap((d) => (d.type === 'object' && d.shape !== undefined ? Object.keys(d.shape) : []));
  return keys.length === 0 ? undefined : [...new Set(keys)];
}
