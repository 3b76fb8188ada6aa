// SIGTERM to `switchyard run` under load: /readyz fails first, every accepted request is answered, idle connections close politely, exit 0.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { startCli } from '../helpers/cli-process.js';
import { Closers } from '../helpers/closers.js';
import { startHttpOrigin } from '../helpers/http-origin.js';
import { startLoad } from '../helpers/load-loop.js';

const ORIGIN_DELAY_MS = 150;

function configYaml(origin: string): string {
  return `listeners:
  - name: web
    address: 127.0.0.1:0
routes:
  - name: all
    forward: { upstream: app }
upstreams:
  - name: app
    targets: [{ address: ${origin} }]
admin:
  address: 127.0.0.1:0
server:
  shutdownTimeout: 5s
  accessLog: { enabled: false }
`;
}

/** GET on a fresh connection: the status, or the error code. */
function probe(url: string): Promise<number | string> {
  return new Promise((resolve) => {
    const req = http.get(url, { agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
}

/** A keep-alive connection that made one request and now sits idle; tells how it ended. */
async function idleKeepAlive(port: number): Promise<{ ended: Promise<{ how: 'end' | 'error'; atMs: number }> }> {
  const socket = net.connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  socket.write('GET /idle HTTP/1.1\r\nHost: test\r\n\r\n');
  let text = '';
  socket.setEncoding('utf8');
  await new Promise<void>((resolve) => {
    const onData = (chunk: string): void => {
      text += chunk;
      const end = text.indexOf('\r\n\r\n');
      const length = Number(/content-length: (\d+)/i.exec(text)?.[1] ?? -1);
      if (end >= 0 && length >= 0 && text.length >= end + 4 + length) {
        socket.off('data', onData);
        resolve();
      }
    };
    socket.on('data', onData);
  });
  const ended = new Promise<{ how: 'end' | 'error'; atMs: number }>((resolve) => {
    socket.once('end', () => {
      resolve({ how: 'end', atMs: Date.now() });
      socket.end();
    });
    socket.once('error', () => resolve({ how: 'error', atMs: Date.now() }));
  });
  return { ended };
}

describe('graceful shutdown (integration)', function () {
  this.timeout(60_000);
  const closers = new Closers();
  afterEach(() => closers.closeAll());

  it('SIGTERM during load: /readyz turns 503, every request that reached the proxy is answered, idle connections close with FIN, exit 0', async () => {
    const seen = new Set<string>();
    let pending = 0;
    const origin = await startHttpOrigin('app', closers, (req, res) => {
      const id = req.headers['x-load-id'];
      if (typeof id === 'string') seen.add(id);
      pending++;
      setTimeout(() => {
        pending--;
        res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '3' });
        res.end('ok\n');
      }, ORIGIN_DELAY_MS);
      return true;
    });
    const dir = mkdtempSync(path.join(os.tmpdir(), 'switchyard-graceful-'));
    closers.add(() => rmSync(dir, { recursive: true, force: true }));
    const file = path.join(dir, 'switchyard.yaml');
    writeFileSync(file, configYaml(origin.address));
    const cli = startCli(['run', '--config', file], closers);
    const listening = await cli.waitForLog((l) => l.msg === 'listening', { what: 'listening' });
    const proxyUrl = `http://${String(listening['address'])}`;
    const adminUrl = `http://${String((await cli.waitForLog((l) => l.msg === 'admin API listening', { what: 'the admin API' }))['address'])}`;
    assert.equal(await probe(`${adminUrl}/readyz`), 200);

    const idle = await idleKeepAlive(Number(proxyUrl.split(':').pop()));
    const load = startLoad({ url: `${proxyUrl}/work`, clients: 16, maxMs: 20_000, stopOnError: true });
    closers.add(async () => {
      load.stop();
      await load.done;
    });
    const deadline = Date.now() + 5000;
    while ((pending < 8 || load.outcomes.length < 50) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    const inFlightAtSignal = pending;
    assert.ok(inFlightAtSignal >= 8, `requests in flight when the signal comes (${inFlightAtSignal})`);

    const signalledAt = Date.now();
    cli.signal('SIGTERM');
    // /readyz fails while the proxy drains (the admin listener closes last).
    let readyz: number | string = 200;
    while (readyz === 200 && cli.isRunning) readyz = await probe(`${adminUrl}/readyz`);
    assert.equal(readyz, 503, '/readyz answers 503 once shutdown starts');

    assert.deepEqual(await cli.exited, { code: 0, signal: null });
    load.stop();
    await load.done;

    const byId = new Map(load.outcomes.map((o) => [o.id, o]));
    const unanswered = [...seen].filter((id) => byId.get(id)?.status !== 200);
    assert.deepEqual(unanswered.map((id) => byId.get(id) ?? { id, outcome: 'none yet' }), [], 'every request that reached the origin was answered 200');
    const wrongStatus = load.outcomes.filter((o) => o.status !== undefined && o.status !== 200);
    assert.deepEqual(wrongStatus, [], 'no request was answered with an error status');
    // What failed never got to the proxy's request handling: a refused connect, or a request written on
    // a kept-alive connection the proxy had already closed (the keep-alive race every HTTP/1.1 server has).
    const failures = load.outcomes.filter((o) => o.error !== undefined);
    for (const f of failures) {
      assert.ok(f.error === 'ECONNREFUSED' || (f.wasReused && (f.error === 'ECONNRESET' || f.error === 'socket hang up')), `unexpected failure ${JSON.stringify(f)}`);
      assert.equal(seen.has(f.id), false, `${f.id} reached the origin but failed at the client`);
    }
    assert.ok(load.outcomes.filter((o) => o.status === 200).length >= inFlightAtSignal, 'the requests in flight were answered');

    const closedIdle = await idle.ended;
    assert.equal(closedIdle.how, 'end', 'the idle keep-alive connection was closed with a FIN, not reset');
    assert.ok(closedIdle.atMs - signalledAt < 2000, `idle connection closed promptly (${closedIdle.atMs - signalledAt} ms), not at the end of the grace period`);
    const shuttingDown = cli.logs.find((l) => l.msg === 'shutting down');
    assert.equal(shuttingDown?.['graceMs'], 5000, 'server.shutdownTimeout is the grace period');
  });
});
