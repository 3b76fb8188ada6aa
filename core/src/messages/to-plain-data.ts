// Turns an in-process event into plain data for the wire: no Errors, class instances or cycles.

const MAX_DEPTH = 6;

/**
 * Plain JSON/msgpack-safe data from any value: strings, finite numbers, booleans, null, arrays
 * and plain objects pass; Errors become `{ name, message, code? }`; Dates ISO strings; bigints
 * strings; other class instances `[Name]`; `cause` fields (in-process originals) and functions
 * are dropped; nesting is cut at a fixed depth. Events carry an error's original as `cause`
 * in process only, and this is where it stays behind.
 */
export function toPlainData(value: unknown, depth = 1): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : String(value);
    case 'bigint':
      return value.toString();
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
    default:
      break;
  }
  if (value === null) return null;
  if (depth > MAX_DEPTH) return '[…]';
  if (Array.isArray(value)) return value.map((v) => toPlainData(v, depth + 1) ?? null);
  if (value instanceof Error) {
    const code = (value as { code?: unknown }).code;
    return { name: value.name, message: value.message, ...(typeof code === 'string' ? { code } : {}) };
  }
  if (value instanceof Date) return value.toISOString();
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) {
    const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
    return `[${typeof name === 'string' && name !== '' ? name : 'object'}]`;
  }
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value as object)) {
    if (key === 'cause') continue;
    const v = toPlainData((value as Record<string, unknown>)[key], depth + 1);
    if (v !== undefined) out[key] = v;
  }
  return out;
}
