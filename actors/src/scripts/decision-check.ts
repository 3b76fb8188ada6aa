// Checks what a script returned (scripts are a trust boundary) and gives decisions a canonical text form.
import type { RouterDecision } from './router-api.js';

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/**
 * Fields a script may not set or remove: framing and hop-by-hop fields (ARCHITECTURE §8 rules 1
 * and 3), Host (the route's `preserveHost` decides it) and Expect.
 */
const PROTECTED_FIELDS = new Set(['content-length', 'transfer-encoding', 'connection', 'keep-alive', 'upgrade', 'te', 'trailer', 'proxy-connection', 'host', 'expect']);

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** RFC 9110 §5.5 field-value: visible ASCII, obs-text, SP and HTAB; never CR, LF or NUL. */
export function isFieldValue(v: string): boolean {
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09) || c === 0x7f || c > 0xff) return false;
  }
  return true;
}

/** An origin-form path the proxy can send: `/`, printable, no spaces, no `?` or `#`. */
function pathProblem(path: unknown): string | undefined {
  if (typeof path !== 'string' || path.length === 0 || path.charCodeAt(0) !== 0x2f) return 'path must be a string starting with "/"';
  for (let i = 0; i < path.length; i++) {
    const c = path.charCodeAt(i);
    if (c <= 0x20 || c >= 0x7f || c === 0x3f || c === 0x23) return `path ${JSON.stringify(path)} holds a character that is not allowed (space, control, non-ASCII, "?" or "#")`;
  }
  return undefined;
}

function rewriteProblem(d: Record<string, unknown>): string | undefined {
  if (d.path !== undefined) {
    const p = pathProblem(d.path);
    if (p !== undefined) return p;
  }
  if (d.setHeaders !== undefined) {
    if (!isObject(d.setHeaders)) return 'setHeaders must be an object of strings';
    for (const [name, value] of Object.entries(d.setHeaders)) {
      if (!TOKEN.test(name)) return `setHeaders: ${JSON.stringify(name)} is not a field name`;
      if (PROTECTED_FIELDS.has(name.toLowerCase())) return `setHeaders: ${name} is set by the proxy and may not be changed`;
      if (typeof value !== 'string' || !isFieldValue(value)) return `setHeaders.${name} must be a string without control characters`;
    }
  }
  if (d.removeHeaders !== undefined) {
    if (!Array.isArray(d.removeHeaders)) return 'removeHeaders must be an array of field names';
    for (const name of d.removeHeaders) {
      if (typeof name !== 'string' || !TOKEN.test(name)) return `removeHeaders: ${JSON.stringify(name)} is not a field name`;
      if (PROTECTED_FIELDS.has(name.toLowerCase())) return `removeHeaders: ${name} is set by the proxy and may not be changed`;
    }
  }
  return undefined;
}

/**
 * Why `value` is not a decision, or undefined when it is one. Hand-written rather than a zod parse:
 * it runs on every scripted request and must cost next to nothing for the common shapes.
 */
export function decisionProblem(value: unknown): string | undefined {
  if (typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function') {
    return 'decide returned a Promise; routing decisions are synchronous';
  }
  if (!isObject(value)) {
    return `decide returned ${value === null ? 'null' : typeof value}, not a decision object`;
  }
  switch (value.kind) {
    case 'forward': {
      const hasUpstream = value.upstream !== undefined;
      const hasTarget = value.target !== undefined;
      if (hasUpstream === hasTarget) return 'a forward decision names exactly one of upstream or target';
      if (hasUpstream && (typeof value.upstream !== 'string' || value.upstream.length === 0)) return 'forward.upstream must be a non-empty string';
      if (hasTarget && (typeof value.target !== 'string' || parseTarget(value.target) === undefined)) {
        return `forward.target ${JSON.stringify(value.target)} must be "host:port" or "[v6]:port"`;
      }
      if (value.scheme !== undefined && value.scheme !== 'http' && value.scheme !== 'https') return 'forward.scheme must be "http" or "https"';
      return rewriteProblem(value);
    }
    case 'split': {
      if (!Array.isArray(value.split) || value.split.length === 0) return 'split must be a non-empty array of { upstream, weight }';
      let total = 0;
      for (const entry of value.split as unknown[]) {
        if (!isObject(entry) || typeof entry.upstream !== 'string' || entry.upstream.length === 0) return 'each split entry needs an upstream name';
        if (typeof entry.weight !== 'number' || !Number.isFinite(entry.weight) || entry.weight < 0) return `split weight of "${entry.upstream}" must be a number >= 0`;
        total += entry.weight;
      }
      if (total <= 0) return 'a split needs at least one positive weight';
      return rewriteProblem(value);
    }
    case 'redirect':
      if (typeof value.location !== 'string' || value.location.length === 0 || !isFieldValue(value.location)) return 'redirect.location must be a non-empty string without control characters';
      if (value.status !== undefined && !REDIRECT_STATUSES.has(value.status as number)) return 'redirect.status must be one of 301, 302, 303, 307, 308';
      return undefined;
    case 'respond':
      if (typeof value.status !== 'number' || !Number.isInteger(value.status) || value.status < 200 || value.status > 599) return 'respond.status must be an integer from 200 to 599';
      if (value.body !== undefined && typeof value.body !== 'string') return 'respond.body must be a string';
      if (value.headers !== undefined) {
        if (!isObject(value.headers)) return 'respond.headers must be an object of strings';
        for (const [name, v] of Object.entries(value.headers)) {
          if (!TOKEN.test(name)) return `respond.headers: ${JSON.stringify(name)} is not a field name`;
          if (typeof v !== 'string') return `respond.headers.${name} must be a string`;
        }
      }
      return undefined;
    case 'rewrite':
      if (value.path === undefined && value.setHeaders === undefined && value.removeHeaders === undefined) return 'a rewrite decision changes path, setHeaders or removeHeaders';
      return rewriteProblem(value);
    case 'next':
      return undefined;
    default:
      return `unknown decision kind ${JSON.stringify(value.kind)}`;
  }
}

/** `host:port` or `[v6]:port` split, or undefined when malformed. */
export function parseTarget(text: string): { host: string; port: number } | undefined {
  const m = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(text);
  if (m === null) return undefined;
  const port = Number(m[2]);
  if (port < 1 || port > 65535) return undefined;
  const host = (m[1] as string).startsWith('[') ? (m[1] as string).slice(1, -1) : (m[1] as string);
  return { host: host.toLowerCase(), port };
}

/**
 * A canonical text of a decision (keys sorted, undefined fields dropped), so two versions of a
 * router can be compared decision for decision in shadow mode.
 */
export function decisionKey(decision: RouterDecision): string {
  return JSON.stringify(decision, (_key, value: unknown) => {
    if (!isObject(value)) return value;
    const sorted: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) if (value[k] !== undefined) sorted[k] = value[k];
    return sorted;
  });
}
