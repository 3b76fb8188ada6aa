// A bare Node.js TCP pipe in front of the origin: no HTTP at all, one upstream socket per client.
// The HTTP bench runs it as a peer to show the floor of Node's socket layer on this machine: what
// any Node.js proxy costs before it parses a byte (the "bare Node TCP pipe").
// Usage: node node-pipe-server.js --port <port> --origin <originPort>
import net from 'node:net';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { port: { type: 'string' }, origin: { type: 'string' } } });
const port = Number(values.port);
const originPort = Number(values.origin);
if (!Number.isInteger(port) || port <= 0 || !Number.isInteger(originPort) || originPort <= 0) {
  process.stderr.write('usage: node-pipe-server --port <port> --origin <originPort>\n');
  process.exit(2);
}

const server = net.createServer({ noDelay: true }, (client) => {
  const upstream = net.connect({ port: originPort, host: '127.0.0.1', noDelay: true });
  // pipe() carries backpressure and the FIN both ways (allowHalfOpen is off, so each side closes).
  client.pipe(upstream);
  upstream.pipe(client);
  client.on('error', () => upstream.destroy());
  upstream.on('error', () => client.destroy());
  client.on('close', () => upstream.destroy());
  upstream.on('close', () => client.destroy());
});
server.listen({ port, host: '127.0.0.1', backlog: 4096 }, () => process.stdout.write(`listening ${port}\n`));

// The harness keeps our stdin open; when it goes away (even by SIGKILL) we go too.
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
process.on('SIGTERM', () => process.exit(0));
