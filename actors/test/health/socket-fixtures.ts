// Real local servers for the prober tests: raw TCP on 127.0.0.1, port 0, closed in reverse order.
import net from 'node:net';
import { Worker } from 'node:worker_threads';

export class Closers {
  private readonly closers: (() => Promise<void> | void)[] = [];

  add(close: () => Promise<void> | void): void {
    this.closers.push(close);
  }

  async closeAll(): Promise<void> {
    for (const close of this.closers.splice(0).reverse()) await close();
  }
}

export interface RawServer {
  readonly port: number;
  /** Everything each connection sent, as latin1 text, in accept order. */
  readonly received: string[];
  readonly connections: number;
}

/** A TCP server that hands each connection to `onConnection` and records what it sent. */
export async function startRawServer(closers: Closers, onConnection: (socket: net.Socket, received: () => string) => void): Promise<RawServer> {
  const received: string[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    const index = received.push('') - 1;
    socket.on('data', (chunk: Buffer) => (received[index] += chunk.toString('latin1')));
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
    onConnection(socket, () => received[index] as string);
  });
  const port = await listenUntilClosed(server, sockets, closers);
  return {
    port,
    received,
    get connections() {
      return received.length;
    },
  };
}

/** An HTTP origin that answers each complete request head with `response` (raw bytes, written in parts). */
export function startHttpOrigin(closers: Closers, ...parts: (string | Buffer)[]): Promise<RawServer> {
  return startRawServer(closers, (socket, received) => {
    socket.on('data', () => {
      if (!received().includes('\r\n\r\n')) return;
      socket.removeAllListeners('data');
      void writeParts(socket, parts);
    });
  });
}

async function writeParts(socket: net.Socket, parts: (string | Buffer)[]): Promise<void> {
  for (const part of parts) {
    if (socket.destroyed) return;
    socket.write(part);
    // A pause between parts so they arrive as separate reads.
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  socket.end();
}

/** A port nothing listens on: bound, then closed. */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * A port whose connects hang: a listener in a worker thread whose event loop is blocked, so it
 * never accepts, with its accept queue filled; the kernel then drops further SYNs.
 */
export async function blackholePort(closers: Closers): Promise<number> {
  const worker = new Worker(
    `const { parentPort } = require('node:worker_threads');
     const server = require('node:net').createServer();
     server.listen({ host: '127.0.0.1', port: 0, backlog: 1 }, () => {
       parentPort.postMessage(server.address().port);
       setTimeout(() => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 120000), 20);
     });`,
    { eval: true },
  );
  closers.add(async () => {
    await worker.terminate();
  });
  const port = await new Promise<number>((resolve) => worker.once('message', resolve));
  await new Promise((resolve) => setTimeout(resolve, 60));
  for (let i = 0; i < 4; i++) {
    const filler = net.connect(port, '127.0.0.1');
    filler.on('error', () => undefined);
    closers.add(() => void filler.destroy());
  }
  await new Promise((resolve) => setTimeout(resolve, 100));
  return port;
}

/** What a keep-alive origin does with one request: answer (raw bytes, connection kept), or end or reset the connection. */
export type OriginAction = string | { readonly end: true } | { readonly reset: true };

export interface KeepAliveOrigin {
  readonly port: number;
  /** Connections accepted so far. */
  readonly connections: number;
  /** Connections whose peer (the prober) closed them. */
  readonly closedByPeer: number;
  /** Request heads received, per connection in accept order. */
  readonly requests: string[][];
  /** Ends every open connection from the origin's side, as an idle timeout would. */
  endIdle(): void;
}

/**
 * An HTTP/1.1 origin that keeps its connections and answers every complete request head with
 * `act(n, connection, requestOnConnection)` (n counts all requests). It never closes on its own.
 */
export async function startKeepAliveOrigin(closers: Closers, act: (n: number, connection: number, onConnection: number) => OriginAction): Promise<KeepAliveOrigin> {
  const requests: string[][] = [];
  const sockets = new Set<net.Socket>();
  let closedByPeer = 0;
  let count = 0;
  const server = net.createServer((socket) => {
    sockets.add(socket);
    const connection = requests.push([]) - 1;
    const heads = requests[connection] as string[];
    let pending = '';
    socket.on('error', () => undefined);
    socket.on('end', () => closedByPeer++);
    socket.on('close', () => sockets.delete(socket));
    socket.on('data', (chunk: Buffer) => {
      pending += chunk.toString('latin1');
      for (let end = pending.indexOf('\r\n\r\n'); end >= 0; end = pending.indexOf('\r\n\r\n')) {
        heads.push(pending.slice(0, end + 4));
        pending = pending.slice(end + 4);
        const action = act(count++, connection, heads.length - 1);
        if (typeof action === 'string') socket.write(action);
        else if ('end' in action) return void socket.end();
        else return void socket.resetAndDestroy();
      }
    });
  });
  const port = await listenUntilClosed(server, sockets, closers);
  return {
    port,
    requests,
    get connections() {
      return requests.length;
    },
    get closedByPeer() {
      return closedByPeer;
    },
    endIdle() {
      for (const socket of sockets) socket.end();
    },
  };
}

/** Polls `condition` every 5 ms for at most `withinMs`; false when it never held. */
export async function eventually(condition: () => boolean, withinMs = 2000): Promise<boolean> {
  for (let waited = 0; waited <= withinMs; waited += 5) {
    if (condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return condition();
}

/** Listens on a free loopback port; `closers` later destroys `sockets` and closes the server. */
async function listenUntilClosed(server: net.Server, sockets: Set<net.Socket>, closers: Closers): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.add(
    () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  );
  return (server.address() as net.AddressInfo).port;
}
