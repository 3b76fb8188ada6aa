// L4 test origins and clients: a recording TCP echo, TLS origins, a UDP echo, and raw stream exchanges.
import dgram from 'node:dgram';
import net from 'node:net';
import tls from 'node:tls';
import type { Closers } from './closers.js';

/** One connection an origin accepted: every byte it received, and whether the client ended/closed. */
export class OriginConnection {
  readonly chunks: Buffer[] = [];
  isEnded = false;
  isClosed = false;

  constructor(readonly socket: net.Socket) {}

  get bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

export interface TcpOrigin {
  port: number;
  address: string;
  connections: OriginConnection[];
  /** Bytes received over all connections. */
  totalBytes(): number;
}

export interface TcpOriginOptions {
  /** What to do with received data; echo by default. */
  onData?: (conn: OriginConnection, chunk: Buffer) => void;
  /** What to do when the client half-closes; end() by default. */
  onEnd?: (conn: OriginConnection) => void;
  /** Greeting written on accept (a server-speaks-first protocol). */
  greeting?: string;
}

/** A plain TCP origin on 127.0.0.1 that echoes (or does `onData`) and records, half-open capable. */
export async function startTcpOrigin(closers: Closers, options: TcpOriginOptions = {}): Promise<TcpOrigin> {
  const connections: OriginConnection[] = [];
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    const conn = new OriginConnection(socket);
    connections.push(conn);
    socket.on('error', () => undefined);
    if (options.greeting !== undefined) socket.write(options.greeting);
    socket.on('data', (chunk: Buffer) => {
      conn.chunks.push(chunk);
      if (options.onData !== undefined) options.onData(conn, chunk);
      else if (!socket.write(chunk)) socket.pause();
    });
    socket.on('drain', () => socket.resume());
    socket.on('end', () => {
      conn.isEnded = true;
      if (options.onEnd !== undefined) options.onEnd(conn);
      else socket.end();
    });
    socket.on('close', () => {
      conn.isClosed = true;
    });
  });
  return listenTcp(server, connections, closers);
}

/** A TLS origin with `cert` that answers every chunk with `name:` + the chunk. */
export async function startTlsOrigin(name: string, cert: { cert: Buffer; key: Buffer }, closers: Closers): Promise<TcpOrigin> {
  const connections: OriginConnection[] = [];
  const server = tls.createServer({ cert: cert.cert, key: cert.key }, (socket) => {
    const conn = new OriginConnection(socket);
    connections.push(conn);
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => {
      conn.chunks.push(chunk);
      socket.write(Buffer.concat([Buffer.from(`${name}:`), chunk]));
    });
    socket.on('end', () => socket.end());
    socket.on('close', () => {
      conn.isClosed = true;
    });
  });
  return listenTcp(server, connections, closers);
}

async function listenTcp(server: net.Server, connections: OriginConnection[], closers: Closers): Promise<TcpOrigin> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.add(
    () =>
      new Promise<void>((resolve) => {
        for (const c of connections) c.socket.destroy();
        server.close(() => resolve());
      }),
  );
  const port = (server.address() as net.AddressInfo).port;
  return { port, address: `127.0.0.1:${port}`, connections, totalBytes: () => connections.reduce((n, c) => n + c.bytes.length, 0) };
}

/** A port nothing listens on (bound, read, then released). */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface StreamResult {
  /** Every byte received until the socket closed. */
  bytes: Buffer;
  /** Whether the peer sent a FIN (as opposed to a reset or a cut). */
  hadEnd: boolean;
  hadError: boolean;
  /** Milliseconds from connect to close. */
  ms: number;
}

/**
 * Resolves when `socket` closes, with everything it received. A FIN from the peer is answered with
 * one (the socket is half-open capable) unless `keepWriting` says the test goes on writing.
 */
export function collect(socket: net.Socket, keepWriting = false): Promise<StreamResult> {
  const started = Date.now();
  const chunks: Buffer[] = [];
  let hadEnd = false;
  let hadError = false;
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  socket.on('end', () => {
    hadEnd = true;
    if (!keepWriting) socket.end();
  });
  socket.on('error', () => {
    hadError = true;
  });
  return new Promise((resolve) => socket.on('close', () => resolve({ bytes: Buffer.concat(chunks), hadEnd, hadError, ms: Date.now() - started })));
}

/** Connects to 127.0.0.1:`port` (from `localAddress` when given), half-open capable. */
export function connectTcp(port: number, localAddress?: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port, allowHalfOpen: true, ...(localAddress === undefined ? {} : { localAddress }) });
    socket.once('connect', () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Sends `payload`, half-closes, and collects the answer until the close. */
export async function exchange(port: number, payload: Buffer | string, localAddress?: string): Promise<StreamResult> {
  const socket = await connectTcp(port, localAddress);
  const done = collect(socket);
  socket.end(payload);
  return done;
}

/** Resolves once `predicate` holds, polling every 10 ms; rejects after `timeoutMs`. */
export async function waitFor(predicate: () => boolean, timeoutMs = 3000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export interface UdpOrigin {
  port: number;
  address: string;
  /** Datagrams received, as text, with the sender's port. */
  received: { text: string; fromPort: number }[];
}

/** A UDP origin answering every datagram with `id:` + the datagram. */
export async function startUdpEcho(id: string, closers: Closers): Promise<UdpOrigin> {
  const socket = dgram.createSocket('udp4');
  const received: { text: string; fromPort: number }[] = [];
  socket.on('message', (message, remote) => {
    received.push({ text: message.toString(), fromPort: remote.port });
    socket.send(Buffer.concat([Buffer.from(`${id}:`), message]), remote.port, remote.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  closers.add(() => new Promise<void>((resolve) => socket.close(() => resolve())));
  const port = socket.address().port;
  return { port, address: `127.0.0.1:${port}`, received };
}

/** A UDP client socket on 127.0.0.1 whose replies are queued for `request`. */
export class UdpClient {
  private readonly socket = dgram.createSocket('udp4');
  private readonly replies: string[] = [];
  private waiter: (() => void) | undefined;

  private constructor(private readonly proxyPort: number) {
    this.socket.on('message', (message) => {
      this.replies.push(message.toString());
      this.waiter?.();
    });
  }

  static async open(proxyPort: number, closers: Closers): Promise<UdpClient> {
    const client = new UdpClient(proxyPort);
    await new Promise<void>((resolve) => client.socket.bind(0, '127.0.0.1', resolve));
    closers.add(() => new Promise<void>((resolve) => client.socket.close(() => resolve())));
    return client;
  }

  get port(): number {
    return this.socket.address().port;
  }

  send(text: string): void {
    this.socket.send(text, this.proxyPort, '127.0.0.1');
  }

  /** Sends `text` and resolves with the next reply, or undefined after `timeoutMs`. */
  async request(text: string, timeoutMs = 1000): Promise<string | undefined> {
    this.replies.length = 0;
    this.send(text);
    if (this.replies.length === 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, timeoutMs);
        this.waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.waiter = undefined;
    }
    return this.replies.shift();
  }
}
