// Stand-alone node `http-proxy` reverse proxy, run in its own process by the HTTP bench.
// Usage: node http-proxy-server.js --port <port> --target http://127.0.0.1:<originPort>
import http from 'node:http';
import { parseArgs } from 'node:util';
import httpProxy from 'http-proxy';

const { values } = parseArgs({ options: { port: { type: 'string' }, target: { type: 'string' } } });
const port = Number(values.port);
if (!Number.isInteger(port) || port <= 0 || values.target === undefined) {
  process.stderr.write('usage: http-proxy-server --port <port> --target <url>\n');
  process.exit(2);
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
const proxy = httpProxy.createProxyServer({ target: values.target, agent });

// Connection and Keep-Alive are hop-by-hop (RFC 9110 §7.6.1). http-proxy forwards them as they
// come, so a client's `Connection: close` would close the pooled upstream socket, and the
// origin's `Connection: keep-alive` would keep a client socket open that asked to close.
// Strip them both ways, as nginx (`proxy_set_header Connection ""`) and HAProxy do.
proxy.on('proxyReq', (proxyReq) => {
  proxyReq.removeHeader('connection');
  proxyReq.removeHeader('keep-alive');
});
proxy.on('proxyRes', (proxyRes) => {
  delete proxyRes.headers.connection;
  delete proxyRes.headers['keep-alive'];
});
proxy.on('error', (err, _req, res) => {
  if (res instanceof http.ServerResponse) {
    if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
    res.end(`bad gateway: ${err.message}\n`);
  } else {
    res.destroy();
  }
});

const server = http.createServer((req, res) => proxy.web(req, res));
server.keepAliveTimeout = 65_000;
server.listen(port, '127.0.0.1', () => process.stdout.write(`listening ${port}\n`));

// The harness keeps our stdin open; when it goes away (even by SIGKILL) we go too.
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
process.on('SIGTERM', () => process.exit(0));
