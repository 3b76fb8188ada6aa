// The two tiny origins of `switchyard demo`: plain node:http servers that say hello and stamp who they are.
import { createServer, type Server } from 'node:http';

export interface DemoOrigin {
  readonly name: string;
  readonly host: string;
  /** The bound port (the real one when 0 was asked for). */
  readonly port: number;
  close(): Promise<void>;
}

/** The demo's origins: what each answers, and the `x-origin` it stamps. */
export const DEMO_ORIGINS = [
  { name: 'hello', body: 'Hello world!\n' },
  { name: 'howdy', body: 'Howdy world!\n' },
] as const;

/**
 * Starts an origin answering every request with `body` (text/plain) and `x-origin: name`.
 * @throws when the port cannot be bound (EADDRINUSE...).
 */
export async function startDemoOrigin(name: string, body: string, host: string, port: number): Promise<DemoOrigin> {
  const payload = Buffer.from(body, 'utf8');
  const server: Server = createServer((req, res) => {
    // Read (and discard) any request body so keep-alive connections stay usable.
    req.resume();
    req.on('end', () => {
      res.writeHead(200, {
        'content-type': 'text/plain; charset=utf-8',
        'content-length': payload.length,
        'x-origin': name,
      });
      res.end(req.method === 'HEAD' ? undefined : payload);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const boundPort = address !== null && typeof address === 'object' ? address.port : port;
  return {
    name,
    host,
    port: boundPort,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
