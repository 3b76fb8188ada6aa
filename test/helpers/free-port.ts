// Picks a free TCP port on 127.0.0.1, for configs that must name a port before the server starts.
import { createServer } from 'node:net';

/** A port that was free a moment ago (a tiny race remains until the real server binds). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (address !== null && typeof address === 'object' ? resolve(address.port) : reject(new Error('free-port: no address'))));
    });
  });
}
