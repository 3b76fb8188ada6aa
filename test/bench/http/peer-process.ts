// What every Node.js peer script of the HTTP bench shares: its arguments, and a life tied to the harness's.
import type net from 'node:net';
import { parseArgs } from 'node:util';

/** `--port <port> --origin <originPort>`, or exits with `usage` when either is missing or not a port. */
export function peerPorts(usage: string): { port: number; originPort: number } {
  const { values } = parseArgs({ options: { port: { type: 'string' }, origin: { type: 'string' } } });
  const port = Number(values.port);
  const originPort = Number(values.origin);
  if (!Number.isInteger(port) || port <= 0 || !Number.isInteger(originPort) || originPort <= 0) {
    process.stderr.write(`usage: ${usage} --port <port> --origin <originPort>\n`);
    process.exit(2);
  }
  return { port, originPort };
}

/** Listens on 127.0.0.1:`port`, says so on stdout (the harness waits for the port), and exits with the harness. */
export function serveUntilHarnessEnds(server: net.Server, port: number): void {
  server.listen({ port, host: '127.0.0.1', backlog: 4096 }, () => process.stdout.write(`listening ${port}\n`));
  // The harness keeps our stdin open; when it goes away (even by SIGKILL) we go too.
  process.stdin.on('end', () => process.exit(0));
  process.stdin.resume();
  process.on('SIGTERM', () => process.exit(0));
}
