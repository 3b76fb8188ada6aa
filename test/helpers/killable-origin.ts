// An HTTP origin that can be killed and brought back on the same port, for failover tests.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Closers } from './closers.js';

export interface KillableOrigin {
  readonly id: string;
  port: number;
  readonly address: string;
  /** Requests served (health probes excluded). */
  served: number;
  /** Health probes answered. */
  probes: number;
  /** Stops listening and cuts every open connection. */
  kill(): Promise<void>;
  /** Listens again on the same port. */
  revive(): Promise<void>;
  /** Milliseconds before answering traffic (not probes). */
  delayMs: number;
}

/** Answers `/health` with 200 and anything else with its id in `x-origin` and the body. */
export async function startKillableOrigin(id: string, closers: Closers, port = 0): Promise<KillableOrigin> {
  let server: http.Server | undefined;
  const origin: KillableOrigin = {
    id,
    port,
    get address() {
      return `127.0.0.1:${origin.port}`;
    },
    served: 0,
    probes: 0,
    delayMs: 0,
    async kill() {
      const current = server;
      server = undefined;
      if (current === undefined) return;
      current.closeAllConnections();
      await new Promise<void>((resolve) => current.close(() => resolve()));
    },
    async revive() {
      if (server !== undefined) return;
      const next = http.createServer((req, res) => {
        if (req.url === '/health') {
          origin.probes++;
          res.end('ok');
          return;
        }
        origin.served++;
        const answer = (): void => {
          res.setHeader('x-origin', id);
          res.end(`${id}\n`);
        };
        if (origin.delayMs > 0) setTimeout(answer, origin.delayMs);
        else answer();
      });
      next.keepAliveTimeout = 30_000;
      await new Promise<void>((resolve, reject) => {
        next.once('error', reject);
        next.listen(origin.port, '127.0.0.1', () => resolve());
      });
      origin.port = (next.address() as AddressInfo).port;
      server = next;
    },
  };
  await origin.revive();
  closers.add(() => origin.kill());
  return origin;
}
