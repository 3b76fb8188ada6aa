// The least a Node.js HTTP/1.1 keep-alive proxy can do, as a bench peer: on keep-alive connections,
// the ceiling any Node.js HTTP proxy works under on this machine, with Node's socket layer and one
// header rewrite per request (under Connection: close it pays an upstream connection per client).
// Not a proxy anyone should run: no validation, no routing, no pool (one upstream socket per client,
// like node-pipe), heads assumed to arrive whole in one read (true on loopback for the bench's
// requests), only Content-Length responses. It finds the end of each request head, adds one field
// (X-Forwarded-For, the least rewrite a reverse proxy does) and forwards it; it reads the response's
// Content-Length to know where the next response starts, and relays the bytes as they come.
// Usage: node node-http-floor-server.js --port <port> --origin <originPort>
import net from 'node:net';
import { peerPorts, serveUntilHarnessEnds } from './peer-process.js';

const { port, originPort } = peerPorts('node-http-floor-server');

const HEAD_END = '\r\n\r\n';
const ADDED_FIELD = '\r\nX-Forwarded-For: 127.0.0.1\r\n\r\n';
const CONTENT_LENGTH = /\r\ncontent-length:[ \t]*(\d+)/i;

const server = net.createServer({ noDelay: true }, (client) => {
  const upstream = net.connect({ port: originPort, host: '127.0.0.1', noDelay: true });
  /** Body bytes of the current response still to come; 0 when the next read starts a head. */
  let remaining = 0;
  client.on('data', (chunk: Buffer) => {
    const text = chunk.toString('latin1');
    const end = text.indexOf(HEAD_END);
    if (end < 0) return void client.destroy();
    upstream.write(text.slice(0, end) + ADDED_FIELD + text.slice(end + HEAD_END.length), 'latin1');
  });
  upstream.on('data', (chunk: Buffer) => {
    if (remaining === 0) {
      const text = chunk.toString('latin1', 0, Math.min(chunk.length, 4096));
      const end = text.indexOf(HEAD_END);
      const length = CONTENT_LENGTH.exec(text);
      remaining = end < 0 || length === null ? 0 : Math.max(0, Number(length[1]) - (chunk.length - end - HEAD_END.length));
    } else {
      remaining = Math.max(0, remaining - chunk.length);
    }
    if (!client.write(chunk)) upstream.pause();
  });
  client.on('drain', () => upstream.resume());
  client.on('error', () => upstream.destroy());
  upstream.on('error', () => client.destroy());
  client.on('close', () => upstream.destroy());
  // The origin closes after a Connection: close answer: end the client once it has every byte.
  upstream.on('end', () => client.end());
});
serveUntilHarnessEnds(server, port);
