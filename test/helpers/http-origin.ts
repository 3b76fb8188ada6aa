// A node:http origin that stamps its id, echoes what it received as JSON, and counts connections and requests.
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Closers } from './closers.js';

/** What the default handler answers: the request as the origin saw it. */
export interface Echo {
  id: string;
  method: string;
  url: string;
  httpVersion: string;
  /** Lower-cased names; repeated fields joined as node does. */
  headers: http.IncomingHttpHeaders;
  /** `[name, value, ...]` exactly as received. */
  rawHeaders: string[];
  bodyBytes: number;
  bodySha256: string;
  /** Which accepted connection (1-based) carried the request. */
  connection: number;
}

/**
 * Answers a request itself (return true), or leaves it to the echo (return false or undefined).
 * Called after the body was read; `echo` is what the default answer would carry.
 */
export type OriginHandler = (req: http.IncomingMessage, res: http.ServerResponse, echo: Echo) => boolean | void;

export interface HttpOrigin {
  readonly id: string;
  readonly port: number;
  readonly address: string;
  readonly url: string;
  readonly server: http.Server;
  /** Connections accepted so far. */
  connections: number;
  /** Requests received so far. */
  requests: number;
  /** Every request seen, in arrival order. */
  readonly seen: Echo[];
  /** Replaced by tests that need a custom answer. */
  handler: OriginHandler | undefined;
}

/** Reads a body, hashing as it goes (never holds it whole). */
function readBody(req: http.IncomingMessage): Promise<{ bytes: number; sha256: string }> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    let bytes = 0;
    req.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      hash.update(chunk);
    });
    req.on('end', () => resolve({ bytes, sha256: hash.digest('hex') }));
    req.on('error', reject);
  });
}

/**
 * Starts an origin on 127.0.0.1:0 answering `200` with `x-origin: <id>` and the `Echo` as JSON
 * (unless `handler` answers). Keep-alive stays open for 30 s, so reuse is the proxy's choice.
 */
export async function startHttpOrigin(id: string, closers: Closers, handler?: OriginHandler): Promise<HttpOrigin> {
  const server = http.createServer({ keepAliveTimeout: 30_000, requestTimeout: 0, headersTimeout: 0 });
  const sockets = new Map<object, number>();
  const origin: HttpOrigin = {
    id,
    port: 0,
    address: '',
    url: '',
    server,
    connections: 0,
    requests: 0,
    seen: [],
    handler,
  };
  server.on('connection', (socket) => {
    origin.connections++;
    sockets.set(socket, origin.connections);
  });
  server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    origin.requests++;
    const connection = sockets.get(req.socket) ?? 0;
    readBody(req).then(
      (body) => {
        const echo: Echo = {
          id,
          method: req.method ?? '',
          url: req.url ?? '',
          httpVersion: req.httpVersion,
          headers: req.headers,
          rawHeaders: req.rawHeaders,
          bodyBytes: body.bytes,
          bodySha256: body.sha256,
          connection,
        };
        origin.seen.push(echo);
        res.setHeader('x-origin', id);
        if (origin.handler?.(req, res, echo) === true) return;
        const json = JSON.stringify(echo);
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) });
        res.end(json);
      },
      () => res.destroy(),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  Object.assign(origin, { port, address: `127.0.0.1:${port}`, url: `http://127.0.0.1:${port}` });
  closers.add(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return origin;
}
