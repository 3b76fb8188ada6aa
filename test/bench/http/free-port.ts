// Picks free TCP ports on 127.0.0.1 for servers the benches start.
import { createServer, type Server } from 'node:net';

const HOST = '127.0.0.1';

/**
 * Returns `count` distinct ports that were free a moment ago. All probe sockets are held open
 * together so the kernel cannot hand out the same port twice; a tiny race remains until the
 * real server binds, which is acceptable on a bench machine.
 */
export async function freePorts(count: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    const ports: number[] = [];
    for (let i = 0; i < count; i++) {
      const server = createServer();
      servers.push(server);
      ports.push(await listenOnEphemeral(server));
    }
    return ports;
  } finally {
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }
}

/** One free port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const [port] = await freePorts(1);
  if (port === undefined) throw new Error('free-port: no port');
  return port;
}

function listenOnEphemeral(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const address = server.address();
      if (address === null || typeof address === 'string') reject(new Error('free-port: no address'));
      else resolve(address.port);
    });
  });
}
