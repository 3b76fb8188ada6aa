// Compares two validated configs by name, so a reload applies only what changed.
import type { Config } from './schema.js';

/** Names added, removed, or present in both with different settings. */
export interface NamedDiff {
  added: string[];
  removed: string[];
  changed: string[];
}

export interface ConfigDiff {
  listeners: NamedDiff;
  routes: NamedDiff;
  upstreams: NamedDiff;
  /** True when routes kept in both configs appear in a different order (it breaks priority ties). */
  routesReordered: boolean;
  /** Other top-level sections that differ: `server`, `log`, `admin`, `cluster`, `workers`. */
  settings: string[];
  hasChanges: boolean;
}

const NAMED = ['listeners', 'routes', 'upstreams'] as const;

/**
 * Compares two configs. Items are matched by `name`; an item counts as changed when any of its
 * settings differ (deep comparison of the normalized values).
 * @example
 * const d = diffConfig(current, next);
 * if (d.upstreams.changed.includes('backend')) rebuildPool('backend');
 */
export function diffConfig(prev: Readonly<Config>, next: Readonly<Config>): ConfigDiff {
  const listeners = diffNamed(prev.listeners, next.listeners);
  const routes = diffNamed(prev.routes, next.routes);
  const upstreams = diffNamed(prev.upstreams, next.upstreams);
  const nextNames = new Set(next.routes.map((r) => r.name));
  const prevNames = new Set(prev.routes.map((r) => r.name));
  const keptPrev = prev.routes.map((r) => r.name).filter((n) => nextNames.has(n));
  const keptNext = next.routes.map((r) => r.name).filter((n) => prevNames.has(n));
  const routesReordered = keptPrev.some((n, i) => keptNext[i] !== n);
  const keys = new Set([...Object.keys(prev), ...Object.keys(next)]);
  const settings = [...keys].filter(
    (k) => k !== '$schema' && !(NAMED as readonly string[]).includes(k) && !deepEqual((prev as Record<string, unknown>)[k], (next as Record<string, unknown>)[k]),
  );
  const hasChanges =
    routesReordered || settings.length > 0 || [listeners, routes, upstreams].some((d) => d.added.length + d.removed.length + d.changed.length > 0);
  return { listeners, routes, upstreams, routesReordered, settings, hasChanges };
}

function diffNamed<T extends { name: string }>(prev: readonly T[], next: readonly T[]): NamedDiff {
  const before = new Map(prev.map((x) => [x.name, x]));
  const after = new Map(next.map((x) => [x.name, x]));
  return {
    added: next.filter((x) => !before.has(x.name)).map((x) => x.name),
    removed: prev.filter((x) => !after.has(x.name)).map((x) => x.name),
    changed: next.filter((x) => before.has(x.name) && !deepEqual(before.get(x.name), x)).map((x) => x.name),
  };
}

/** Structural equality of JSON-like values; object key order does not matter. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  const ka = Object.keys(ra).filter((k) => ra[k] !== undefined);
  const kb = Object.keys(rb).filter((k) => rb[k] !== undefined);
  return ka.length === kb.length && ka.every((k) => deepEqual(ra[k], rb[k]));
}
