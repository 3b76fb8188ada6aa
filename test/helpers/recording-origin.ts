// A raw TCP origin that records exactly the bytes it received per connection and answers with scripted bytes.
import net from 'node:net';
import type { Closers } from './closers.js';

/** One accepted connection: what arrived on it, in order, and whether it is gone. */
export class RecordedConnection {
  readonly chunks: Buffer[] = [];
  isClosed = false;
  /** Request heads seen so far (counted by their blank-line terminator). */
  headsSeen = 0;
  /** Responses the script has started for this connection. */
  answered = 0;

  constructor(readonly socket: net.Socket) {}

  get bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }

  get text(): string {
    return this.bytes.toString('latin1');
  }
}

/**
 * What the origin does when a request head completes on a connection: write these bytes, maybe
 * after a delay, then maybe close. `never` answers nothing at all.
 */
export type OriginScript =
  | { kind: 'never' }
  | { kind: 'respond'; raw: string | Buffer; delayMs?: number; close?: boolean }
  | { kind: 'custom'; onHead: (conn: RecordedConnection, origin: RecordingOrigin) => void };

export const NEVER: OriginScript = { kind: 'never' };

/** A 200 with a fixed body and Content-Length. */
export function okResponse(body = 'ok', extraHeaders = ''): string {
  return `HTTP/1.1 200 OK\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${extraHeaders}\r\n${body}`;
}

/** A 200 whose body is sent in the given chunks (chunked framing). */
export function chunkedResponse(parts: readonly string[], extraHeaders = ''): string {
  const body = parts.map((p) => `${Buffer.byteLength(p).toString(16)}\r\n${p}\r\n`).join('');
  return `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n${extraHeaders}\r\n${body}0\r\n\r\n`;
}

/**
 * A `net` server on 127.0.0.1 whose every connection is recorded. Each time a request head
 * completes (a blank line arrives), the script runs once. That is a byte count, not a parser: a
 * chunked body's last chunk ("0\r\n\r\n") also counts, so use `http-origin` for requests with bodies.
 */
export class RecordingOrigin {
  readonly connections: RecordedConnection[] = [];
  private readonly waiters = new Set<() => void>();

  constructor(
    readonly server: net.Server,
    public script: OriginScript,
  ) {
    server.on('connection', (socket) => this.accept(socket));
  }

  get port(): number {
    return (this.server.address() as net.AddressInfo).port;
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** Every byte received, over all connections. */
  get totalBytes(): number {
    return this.connections.reduce((sum, c) => sum + c.chunks.reduce((s, b) => s + b.length, 0), 0);
  }

  /** All received text, connections separated by a marker line. */
  get allText(): string {
    return this.connections.map((c) => c.text).join('\n--- next connection ---\n');
  }

  /** Waits until `check` holds (re-checked on every received chunk, close, and every 20 ms). */
  waitFor(check: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
    return new Promise((resolve, reject) => {
      const attempt = (): void => {
        if (!check()) return;
        finish();
        resolve();
      };
      const poll = setInterval(attempt, 20);
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`recording origin: timed out after ${timeoutMs} ms waiting for ${what}; received:\n${this.allText}`));
      }, timeoutMs);
      const finish = (): void => {
        clearInterval(poll);
        clearTimeout(timer);
        this.waiters.delete(attempt);
      };
      this.waiters.add(attempt);
      attempt();
    });
  }

  /** Writes a scripted answer on a connection (for `custom` scripts). */
  write(conn: RecordedConnection, raw: string | Buffer): void {
    if (!conn.socket.destroyed) conn.socket.write(typeof raw === 'string' ? Buffer.from(raw, 'latin1') : raw);
  }

  close(): Promise<void> {
    for (const c of this.connections) c.socket.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: net.Socket): void {
    const conn = new RecordedConnection(socket);
    this.connections.push(conn);
    socket.on('data', (chunk: Buffer) => {
      conn.chunks.push(chunk);
      const heads = countHeadEnds(conn.text);
      while (conn.headsSeen < heads) {
        conn.headsSeen++;
        this.onHead(conn);
      }
      this.wake();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      conn.isClosed = true;
      this.wake();
    });
    this.wake();
  }

  private onHead(conn: RecordedConnection): void {
    const script = this.script;
    switch (script.kind) {
      case 'never':
        return;
      case 'custom':
        conn.answered++;
        script.onHead(conn, this);
        return;
      case 'respond': {
        conn.answered++;
        const send = (): void => {
          this.write(conn, script.raw);
          if (script.close === true) conn.socket.end();
        };
        if (script.delayMs === undefined) send();
        else setTimeout(send, script.delayMs);
        return;
      }
    }
  }

  private wake(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}

function countHeadEnds(text: string): number {
  let n = 0;
  let from = text.indexOf('\r\n\r\n');
  while (from >= 0) {
    n++;
    from = text.indexOf('\r\n\r\n', from + 4);
  }
  return n;
}

/** Starts a recording origin on 127.0.0.1:0; registers its close with `closers`. */
export async function startRecordingOrigin(script: OriginScript, closers: Closers): Promise<RecordingOrigin> {
  const server = net.createServer();
  const origin = new RecordingOrigin(server, script);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  closers.add(() => origin.close());
  return origin;
}
