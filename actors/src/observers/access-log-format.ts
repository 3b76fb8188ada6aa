// Compiles an access log format (combined, common, json or a ${token} template) once into a line function.
import type { RequestCompleted } from '@switchyard/core';
import { ConfigError } from '@switchyard/config';

/** Renders one completed request as one log line, without its newline. */
export type AccessLogFormatter = (event: RequestCompleted) => string;

export interface AccessLogFormatOptions {
  /** Zone of `${time_local}`: the process's local zone (as nginx does), or UTC. Default `'local'`. */
  timeZone?: 'local' | 'utc';
}

/** The named formats, written as templates. `json` is built separately (it is not a template). */
export const ACCESS_LOG_PRESETS = {
  /** Apache/nginx "combined". */
  combined: '${remote_addr} - - [${time_local}] "${request_line}" ${status} ${bytes_out} "${referer}" "${user_agent}"',
  /** Apache/nginx "common" (CLF). */
  common: '${remote_addr} - - [${time_local}] "${request_line}" ${status} ${bytes_out}',
} as const;

/** Where the format sits in the config file; compile errors name it. */
const FORMAT_PATH = 'server.accessLog.format';

// ---- fields ---------------------------------------------------------------------------------

type Field = Exclude<keyof RequestCompleted, 'type'>;

/**
 * How each event field renders in a template. `satisfies` makes the compiler reject this table when
 * a field is added to RequestCompleted and not here, so every field always has a token.
 */
const FIELD_KINDS = {
  connId: 'number',
  requestId: 'string',
  listener: 'string',
  clientAddress: 'string',
  clientPort: 'number',
  method: 'string',
  target: 'string',
  httpVersion: 'string',
  host: 'string',
  status: 'number',
  bytesIn: 'number',
  bytesOut: 'number',
  route: 'string',
  upstream: 'string',
  targetAddress: 'string',
  upstreamConnectMs: 'ms',
  upstreamHeaderMs: 'ms',
  totalMs: 'ms',
  termination: 'string',
  userAgent: 'string',
  referer: 'string',
  startedAt: 'number',
} as const satisfies Record<Field, 'string' | 'number' | 'ms'>;

const FIELDS = Object.keys(FIELD_KINDS) as Field[];

// ---- value rendering --------------------------------------------------------------------------

const NEEDS_ESCAPE = /[\x00-\x1f"\\\x7f-\uffff]/;

/**
 * Escapes a value the way nginx's default `escape=default` does: `"`, `\`, control characters and
 * every byte outside printable ASCII become `\xHH`, so a client cannot forge a line break or close a
 * quoted field. Characters beyond U+00FF are written as their UTF-8 bytes.
 */
export function escapeLogValue(value: string): string {
  // Most values are plain ASCII: one regex test and no allocation.
  if (!NEEDS_ESCAPE.test(value)) return value;
  let out = '';
  for (const ch of value) {
    const code = ch.codePointAt(0) as number;
    if (code >= 0x20 && code < 0x7f && code !== 0x22 && code !== 0x5c) out += ch;
    else if (code <= 0xff) out += hexByte(code);
    else for (const byte of Buffer.from(ch, 'utf8')) out += hexByte(byte);
  }
  return out;
}

function hexByte(byte: number): string {
  return `\\x${byte.toString(16).toUpperCase().padStart(2, '0')}`;
}

/** A string field: escaped, `-` when absent or empty (as nginx prints an empty variable). */
function renderString(value: string | undefined): string {
  return value === undefined || value === '' ? '-' : escapeLogValue(value);
}

/** Milliseconds with at most three decimals; `-` for the "none" marker (negative). */
function renderMs(value: number): string {
  if (value < 0) return '-';
  return Number.isInteger(value) ? String(value) : String(Math.round(value * 1000) / 1000);
}

function protocolOf(httpVersion: string): string {
  return httpVersion.startsWith('HTTP/') ? httpVersion : `HTTP/${httpVersion}`;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/**
 * `22/Nov/2026:00:36:20 +0000` for an epoch-milliseconds time. Requests of one second share the
 * string, so it is cached per second (nginx caches its time strings the same way).
 */
function timeLocalRenderer(timeZone: 'local' | 'utc'): (epochMs: number) => string {
  let cachedSecond = Number.NaN;
  let cached = '';
  return (epochMs) => {
    const second = Math.floor(epochMs / 1000);
    if (second === cachedSecond) return cached;
    const d = new Date(second * 1000);
    const isUtc = timeZone === 'utc';
    const offsetMin = isUtc ? 0 : -d.getTimezoneOffset();
    const sign = offsetMin < 0 ? '-' : '+';
    const abs = Math.abs(offsetMin);
    const day = isUtc ? d.getUTCDate() : d.getDate();
    const month = MONTHS[isUtc ? d.getUTCMonth() : d.getMonth()] as string;
    const year = isUtc ? d.getUTCFullYear() : d.getFullYear();
    const hh = isUtc ? d.getUTCHours() : d.getHours();
    const mm = isUtc ? d.getUTCMinutes() : d.getMinutes();
    const ss = isUtc ? d.getUTCSeconds() : d.getSeconds();
    cachedSecond = second;
    cached = `${pad2(day)}/${month}/${year}:${pad2(hh)}:${pad2(mm)}:${pad2(ss)} ${sign}${pad2(Math.floor(abs / 60))}${pad2(abs % 60)}`;
    return cached;
  };
}

// ---- tokens -----------------------------------------------------------------------------------

type Render = (event: RequestCompleted) => string;

function snakeCase(camel: string): string {
  return camel.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

function fieldRenderer(field: Field): Render {
  switch (FIELD_KINDS[field]) {
    case 'string':
      return (e) => renderString(e[field] as string | undefined);
    case 'ms':
      return (e) => renderMs(e[field] as number);
    default:
      return (e) => String(e[field]);
  }
}

/** Token names to renderers, built once per compile (the time renderers keep a per-second cache). */
function tokenTable(options: Required<AccessLogFormatOptions>): Map<string, Render> {
  const table = new Map<string, Render>();
  for (const field of FIELDS) table.set(snakeCase(field), fieldRenderer(field));
  const timeLocal = timeLocalRenderer(options.timeZone);
  const derived: Record<string, Render> = {
    remote_addr: (e) => renderString(e.clientAddress),
    remote_port: (e) => String(e.clientPort),
    protocol: (e) => escapeLogValue(protocolOf(e.httpVersion)),
    request_line: (e) => `${renderString(e.method)} ${renderString(e.target)} ${escapeLogValue(protocolOf(e.httpVersion))}`,
    time_local: (e) => timeLocal(e.startedAt),
    time_iso: (e) => new Date(e.startedAt).toISOString(),
    time_unix: (e) => (e.startedAt / 1000).toFixed(3),
    total_s: (e) => (e.totalMs / 1000).toFixed(3),
  };
  for (const [name, render] of Object.entries(derived)) table.set(name, render);
  return table;
}

/** Every template token, snake_case (each event field also answers to its camelCase name). */
export const ACCESS_LOG_TOKENS: readonly string[] = Object.freeze([
  ...tokenTable({ timeZone: 'utc' }).keys(),
]);

const CAMEL_ALIASES: ReadonlyMap<string, string> = new Map(FIELDS.filter((f) => f !== snakeCase(f)).map((f) => [f, snakeCase(f)]));

// ---- compiling --------------------------------------------------------------------------------

const TOKEN_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function formatError(message: string): ConfigError {
  return new ConfigError('ERR_CONFIG_INVALID', [{ path: FORMAT_PATH, message }]);
}

/** Splits a template into literal strings and renderers; every problem is collected before throwing. */
function compileTemplate(template: string, table: Map<string, Render>): AccessLogFormatter {
  const parts: (string | Render)[] = [];
  const unknown: string[] = [];
  let literal = '';
  let tokens = 0;
  let i = 0;
  while (i < template.length) {
    const open = template.indexOf('${', i);
    if (open === -1) {
      literal += template.slice(i);
      break;
    }
    literal += template.slice(i, open);
    const close = template.indexOf('}', open + 2);
    if (close === -1) throw formatError(`unterminated token at column ${open + 1}: "${template.slice(open)}" has no closing "}"`);
    const name = template.slice(open + 2, close).trim();
    const render = table.get(CAMEL_ALIASES.get(name) ?? name);
    if (render === undefined) unknown.push(TOKEN_NAME.test(name) ? name : JSON.stringify(name));
    else {
      if (literal !== '') parts.push(literal);
      literal = '';
      parts.push(render);
    }
    tokens++;
    i = close + 1;
  }
  if (unknown.length > 0) {
    const list = unknown.map((n) => `\${${n}}`).join(', ');
    throw formatError(`unknown access log token${unknown.length > 1 ? 's' : ''} ${list}; known tokens: ${[...table.keys()].join(', ')}`);
  }
  if (tokens === 0) {
    throw formatError(
      `access log format ${JSON.stringify(template)} is not "combined", "common" or "json", and as a template it has no \${...} token`,
    );
  }
  if (literal !== '') parts.push(literal);
  return joinParts(parts);
}

function joinParts(parts: readonly (string | Render)[]): AccessLogFormatter {
  const n = parts.length;
  return (event) => {
    let line = '';
    for (let k = 0; k < n; k++) {
      const part = parts[k] as string | Render;
      line += typeof part === 'string' ? part : part(event);
    }
    return line;
  };
}

/** One JSON object per line: `time` (ISO 8601) first, then every event field that is set. */
function jsonFormatter(): AccessLogFormatter {
  return (event) => {
    const out: Record<string, unknown> = { time: new Date(event.startedAt).toISOString() };
    for (const field of FIELDS) {
      const value = event[field];
      if (value !== undefined) out[field] = value;
    }
    return JSON.stringify(out);
  };
}

/**
 * Compiles an access log format once; the returned function renders one event per call.
 * - `combined` / `common`: the Apache/nginx formats (`-` for what is missing);
 * - `json`: one JSON object per line with every field, plus `time`;
 * - anything else is a template of `${token}`s, see `ACCESS_LOG_TOKENS`. String values are
 *   escaped as nginx does (`"` → `\x22`), missing ones print `-`.
 * @throws ConfigError `ERR_CONFIG_INVALID` at `server.accessLog.format` for an unknown token, an
 *   unterminated `${`, or a string that is neither a preset nor a template.
 * @example
 * const line = compileAccessLogFormat('${time_iso} ${status} ${total_ms}ms ${route}');
 * sink.write(line(event)); // "2026-11-22T00:36:20.000Z 200 1.5ms default"
 */
export function compileAccessLogFormat(format: string, options: AccessLogFormatOptions = {}): AccessLogFormatter {
  if (format === 'json') return jsonFormatter();
  const table = tokenTable({ timeZone: options.timeZone ?? 'local' });
  const template = format === 'combined' || format === 'common' ? ACCESS_LOG_PRESETS[format] : format;
  return compileTemplate(template, table);
}
