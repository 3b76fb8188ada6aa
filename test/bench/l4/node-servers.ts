// Node servers the L4 bench runs in processes of their own: the origins and the bare node peers.
// Usage: node node-servers.js <mode> --port <port> [--origin <port>]
//   tcp-origin   counts the bytes of each connection; on the client's FIN answers "<count>\n" and closes
//   tcp-pipe     the bare `net` pipe: each accepted socket piped to 127.0.0.1:<origin>, half-close passed on
//   ws-echo      a `ws` server echoing every message
//   udp-echo     echoes every datagram to its sender
//   udp-relay    the bare dgram relay: one socket per client flow towards 127.0.0.1:<origin>
// Prints "listening <port>" once bound; exits when stdin ends (the harness went away) or on SIGTERM.
import dgram from 'node:dgram';
import net from 'node:net';
import { parseArgs } from 'node:util';
import { WebSocketServer } from 'ws';

const HOST = '127.0.0.1';
const BACKLOG = 4096;
/** Flows the bare udp relay keeps; datagrams of more flows are dropped (the bench uses a few dozen). */
const MAX_UDP_FLOWS = 10_000;
/** Datagrams held per flow while its socket connects (as Switchyard); more are dropped. */
const MAX_QUEUED_DATAGRAMS = 64;

const { positionals, values } = parseArgs({ allowPositionals: true, options: { port: { type: 'string' }, origin: { type: 'string' } } });
const mode = positionals[0];
const port = Number(values.port);
const originPort = Number(values.origin);
if (!Number.isInteger(port) || port <= 0) fail('--port <port> is required');

switch (mode) {
  case 'tcp-origin':
    listenTcp(net.createServer({ allowHalfOpen: true, noDelay: true }, countAndAnswer));
    break;
  case 'tcp-pipe':
    requireOrigin();
    listenTcp(net.createServer({ allowHalfOpen: true, noDelay: true }, pipeToOrigin));
    break;
  case 'ws-echo':
    startWsEcho();
    break;
  case 'udp-echo':
    startUdpEcho();
    break;
  case 'udp-relay':
    requireOrigin();
    startUdpRelay();
    break;
  default:
    fail(`unknown mode ${String(mode)}`);
}

// The harness keeps our stdin open; when it goes away (even by SIGKILL) we go too.
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
process.on('SIGTERM', () => process.exit(0));

/** The TCP origin: a sink whose answer proves every byte arrived and the FIN came through. */
function countAndAnswer(socket: net.Socket): void {
  let received = 0;
  socket.on('data', (chunk: Buffer) => (received += chunk.length));
  socket.on('end', () => socket.end(`${received}\n`));
  socket.on('error', () => socket.destroy());
}

/** What a minimal node TCP proxy does: two pipes, a FIN on one side ends the other side's writes. */
function pipeToOrigin(client: net.Socket): void {
  const upstream = net.connect({ host: HOST, port: originPort, allowHalfOpen: true, noDelay: true });
  const destroyBoth = (): void => {
    client.destroy();
    upstream.destroy();
  };
  client.on('error', destroyBoth);
  upstream.on('error', destroyBoth);
  client.pipe(upstream);
  upstream.pipe(client);
}

function listenTcp(server: net.Server): void {
  server.listen({ host: HOST, port, backlog: BACKLOG }, () => announce());
}

function startWsEcho(): void {
  const wss = new WebSocketServer({ host: HOST, port, backlog: BACKLOG, perMessageDeflate: false, clientTracking: false });
  wss.on('connection', (ws) => {
    ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
    ws.on('error', () => ws.terminate());
  });
  wss.on('listening', () => announce());
}

function startUdpEcho(): void {
  const socket = dgram.createSocket('udp4');
  socket.on('message', (message, remote) => socket.send(message, remote.port, remote.address));
  socket.on('error', () => undefined);
  socket.bind(port, HOST, () => announce());
}

/** Like Switchyard's udp listener: a connected socket per client flow, replies sent from the listener. */
function startUdpRelay(): void {
  const listener = dgram.createSocket('udp4');
  /** Per flow: its socket, and the datagrams waiting while it connects (null once connected). */
  const flows = new Map<string, { socket: dgram.Socket; queue: Buffer[] | null }>();
  listener.on('message', (message, remote) => {
    const key = `${remote.address}|${remote.port}`;
    let flow = flows.get(key);
    if (flow === undefined) {
      if (flows.size >= MAX_UDP_FLOWS) return;
      const socket = dgram.createSocket('udp4');
      const created = { socket, queue: [] as Buffer[] | null };
      socket.on('message', (reply) => listener.send(reply, remote.port, remote.address));
      socket.on('error', () => undefined);
      socket.connect(originPort, HOST, () => {
        for (const queued of created.queue ?? []) socket.send(queued);
        created.queue = null;
      });
      flows.set(key, created);
      flow = created;
    }
    if (flow.queue === null) flow.socket.send(message);
    else if (flow.queue.length < MAX_QUEUED_DATAGRAMS) flow.queue.push(message);
  });
  listener.on('error', () => undefined);
  listener.bind(port, HOST, () => announce());
}

function announce(): void {
  process.stdout.write(`listening ${port}\n`);
}

function requireOrigin(): void {
  if (!Number.isInteger(originPort) || originPort <= 0) fail(`${String(mode)} needs --origin <port>`);
}

function fail(message: string): never {
  process.stderr.write(`node-servers: ${message}\n`);
  process.exit(2);
}
