// A bare Node.js TCP pipe in front of the origin: no HTTP at all, one upstream socket per client.
// The HTTP bench runs it as a peer to show the floor of Node's socket layer on this machine: what
// any Node.js proxy costs before it parses a byte (the "bare Node TCP pipe").
// Usage: node node-pipe-server.js --port <port> --origin <originPort>
import net from 'node:net';
import { peerPorts, serveUntilHarnessEnds } from './peer-process.js';

const { port, originPort } = peerPorts('node-pipe-server');

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
serveUntilHarnessEnds(server, port);
