// Raw HTTP/1.x over a net socket: write exact bytes, collect exact bytes, and parse the responses out of them.
import net from 'node:net';
import type { Closers } from './closers.js';

/** One response parsed out of raw bytes. */
export interface RawResponse {
  /** e.g. "HTTP/1.1" */
  version: string;
  status: number;
  reason: string;
  /** Field lines as received, in order. */
  fields: [string, string][];
  /** Lower-case name → values (repeated fields kept apart). */
  headers: Map<string, string[]>;
  framing: 'length' | 'chunked' | 'close' | 'none';
  body: Buffer;
  /** The head text exactly as received, up to and including the blank line. */
  headText: string;
}

export function header(res: RawResponse, name: string): string | undefined {
  return res.headers.get(name.toLowerCase())?.join(', ');
}

type Parsed = { response: RawResponse; end: number } | 'incomplete' | { error: string };

/**
 * Parses one response at `buf[start..]`. `isClosed` says the peer closed (completes a close-delimited
 * body); `isHeadRequest` says the response has no body whatever its framing fields say.
 */
export function parseRawResponse(buf: Buffer, start: number, isClosed: boolean, isHeadRequest = false): Parsed {
  const headEnd = buf.indexOf('\r\n\r\n', start, 'latin1');
  if (headEnd < 0) return isClosed && buf.length > start ? { error: `connection closed inside a head: ${JSON.stringify(buf.subarray(start).toString('latin1'))}` } : 'incomplete';
  const headText = buf.subarray(start, headEnd + 4).toString('latin1');
  const lines = headText.slice(0, -4).split('\r\n');
  const m = /^(HTTP\/\d\.\d) (\d{3}) ?(.*)$/.exec(lines[0] ?? '');
  if (m === null) return { error: `bad status line ${JSON.stringify(lines[0])}` };
  const fields: [string, string][] = [];
  const headers = new Map<string, string[]>();
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon <= 0) return { error: `bad field line ${JSON.stringify(line)}` };
    const name = line.slice(0, colon);
    const value = line.slice(colon + 1).trim();
    fields.push([name, value]);
    const lower = name.toLowerCase();
    headers.set(lower, [...(headers.get(lower) ?? []), value]);
  }
  const status = Number(m[2]);
  const base = { version: m[1] as string, status, reason: m[3] ?? '', fields, headers, headText };
  let pos = headEnd + 4;
  const noBody = isHeadRequest || status === 204 || status === 304 || (status >= 100 && status < 200);
  if (noBody) return { response: { ...base, framing: 'none', body: Buffer.alloc(0) }, end: pos };
  const te = headers.get('transfer-encoding');
  const cl = headers.get('content-length');
  if (te !== undefined) {
    const parts: Buffer[] = [];
    for (;;) {
      const lineEnd = buf.indexOf('\r\n', pos, 'latin1');
      if (lineEnd < 0) return isClosed ? { error: 'closed inside chunked body' } : 'incomplete';
      const size = parseInt(buf.subarray(pos, lineEnd).toString('latin1').split(';')[0] as string, 16);
      if (Number.isNaN(size)) return { error: 'bad chunk size' };
      pos = lineEnd + 2;
      if (size === 0) {
        const trailerEnd = buf.indexOf('\r\n', pos, 'latin1');
        if (trailerEnd < 0) return isClosed ? { error: 'closed inside trailers' } : 'incomplete';
        // Trailers are not expected here; only the empty line is accepted.
        if (trailerEnd !== pos) return { error: 'unexpected trailer section' };
        return { response: { ...base, framing: 'chunked', body: Buffer.concat(parts) }, end: trailerEnd + 2 };
      }
      if (buf.length < pos + size + 2) return isClosed ? { error: 'closed inside a chunk' } : 'incomplete';
      parts.push(buf.subarray(pos, pos + size));
      pos += size + 2;
    }
  }
  if (cl !== undefined) {
    const length = Number(cl[0]);
    if (buf.length < pos + length) return isClosed ? { error: `closed after ${buf.length - pos} of ${length} body bytes` } : 'incomplete';
    return { response: { ...base, framing: 'length', body: buf.subarray(pos, pos + length) }, end: pos + length };
  }
  if (!isClosed) return 'incomplete';
  return { response: { ...base, framing: 'close', body: buf.subarray(pos) }, end: buf.length };
}

/** Parses every complete response in `buf` (a close-delimited one only if `isClosed`). */
export function parseAllResponses(buf: Buffer, isClosed: boolean): RawResponse[] {
  const out: RawResponse[] = [];
  let at = 0;
  while (at < buf.length) {
    const r = parseRawResponse(buf, at, isClosed);
    if (r === 'incomplete') break;
    if ('error' in r) throw new Error(`${r.error}\nraw:\n${buf.toString('latin1')}`);
    out.push(r.response);
    at = r.end;
  }
  return out;
}

/** The status code of the first status line in `text`, or 0 when there is none. */
export function statusOf(text: string | Buffer): number {
  const s = typeof text === 'string' ? text : text.toString('latin1');
  const m = /^HTTP\/\d\.\d (\d{3})/.exec(s);
  return m === null ? 0 : Number(m[1]);
}

/** A client socket whose received bytes accumulate, with waits bounded in time. */
export class RawConnection {
  readonly chunks: Buffer[] = [];
  isClosed = false;
  /** The socket's error, if it had one (a reset by the peer shows here as ECONNRESET). */
  error: Error | undefined;
  private consumed = 0;
  private readonly waiters = new Set<() => void>();

  constructor(readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.chunks.push(chunk);
      this.wake();
    });
    socket.on('error', (err) => {
      this.error ??= err;
    });
    socket.on('close', () => {
      this.isClosed = true;
      this.wake();
    });
  }

  get received(): Buffer {
    return Buffer.concat(this.chunks);
  }

  write(data: string | Buffer): Promise<void> {
    return new Promise((resolve, reject) => this.socket.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data, (err) => (err ? reject(err) : resolve())));
  }

  /** Reads the next response on the connection. */
  async readResponse(options: { timeoutMs?: number; isHeadRequest?: boolean } = {}): Promise<RawResponse> {
    let result: RawResponse | undefined;
    await this.waitUntil(
      () => {
        const r = parseRawResponse(this.received, this.consumed, this.isClosed, options.isHeadRequest);
        if (r === 'incomplete') {
          if (this.isClosed) throw new Error(`connection closed before a complete response; received:\n${this.received.toString('latin1')}`);
          return false;
        }
        if ('error' in r) throw new Error(`${r.error}\nreceived:\n${this.received.toString('latin1')}`);
        result = r.response;
        this.consumed = r.end;
        return true;
      },
      options.timeoutMs ?? 5000,
      'a response',
    );
    return result as RawResponse;
  }

  /** Resolves true when the peer closes within `timeoutMs`, false otherwise. */
  async waitClosed(timeoutMs = 3000): Promise<boolean> {
    try {
      await this.waitUntil(() => this.isClosed, timeoutMs, 'close');
      return true;
    } catch {
      return false;
    }
  }

  close(): void {
    this.socket.destroy();
  }

  private waitUntil(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const attempt = (): void => {
        let ok: boolean;
        try {
          ok = check();
        } catch (err) {
          finish();
          reject(err as Error);
          return;
        }
        if (ok) {
          finish();
          resolve();
        }
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`raw client: timed out after ${timeoutMs} ms waiting for ${what}; received:\n${this.received.toString('latin1')}`));
      }, timeoutMs);
      const finish = (): void => {
        clearTimeout(timer);
        this.waiters.delete(attempt);
      };
      this.waiters.add(attempt);
      attempt();
    });
  }

  private wake(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}

/** Opens a raw connection to 127.0.0.1:port; registers its destruction with `closers`. */
export function connectRaw(port: number, closers: Closers): Promise<RawConnection> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('error', reject);
    socket.once('connect', () => {
      socket.off('error', reject);
      const conn = new RawConnection(socket);
      closers.add(() => conn.close());
      resolve(conn);
    });
  });
}

export interface RawExchange {
  /** Everything received until the peer closed, or until the time ran out. */
  raw: Buffer;
  text: string;
  /** Whether the proxy closed the connection (false: the wait ran out first). */
  isClosed: boolean;
  /** Responses parsed from `raw`. */
  responses: RawResponse[];
  status: number;
}

/**
 * Writes `data` (one TCP write per element when an array) on a fresh connection and collects the
 * answer until the peer closes or `timeoutMs` passes. `halfClose` ends our side after writing.
 */
export async function rawExchange(
  port: number,
  data: string | Buffer | readonly (string | Buffer)[],
  closers: Closers,
  options: { timeoutMs?: number; halfClose?: boolean; gapMs?: number } = {},
): Promise<RawExchange> {
  const conn = await connectRaw(port, closers);
  const parts = Array.isArray(data) ? data : [data as string | Buffer];
  for (const [i, part] of parts.entries()) {
    if (i > 0 && options.gapMs !== undefined) await new Promise((r) => setTimeout(r, options.gapMs));
    // The proxy may answer and close before we are done writing: what it said is the result.
    if (conn.isClosed || conn.socket.writableEnded || conn.socket.readableEnded) break;
    try {
      await conn.write(part);
    } catch {
      break;
    }
  }
  if (options.halfClose === true && !conn.socket.writableEnded) conn.socket.end();
  const isClosed = await conn.waitClosed(options.timeoutMs ?? 3000);
  conn.close();
  const raw = conn.received;
  let responses: RawResponse[] = [];
  try {
    responses = parseAllResponses(raw, true);
  } catch {
    // Left empty: the test reads `raw` when the bytes are not well-formed responses.
  }
  return { raw, text: raw.toString('latin1'), isClosed, responses, status: statusOf(raw) };
}
