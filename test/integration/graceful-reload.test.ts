// Reloads under load: no request fails, and established WebSockets live on, on the config they started with.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadConfig, type Config } from '@switchyard/config';
import { WebSocket, WebSocketServer } from 'ws';
import { Closers } from '../helpers/closers.js';
import { startHttpOrigin } from '../helpers/http-origin.js';
import { startLoad } from '../helpers/load-loop.js';
import { proxyConfig, startProxy, upstream, type ProxyConfigInput } from '../helpers/start-proxy.js';

/** A WebSocket origin that answers each message with `<id>:<message>`. */
async function startWsOrigin(id: string, closers: Closers): Promise<string> {
  const server = http.createServer((_req, res) => res.end(`${id}\n`));
  const wss = new WebSocketServer({ server });
  wss.on('connection', (ws) => ws.on('message', (data) => ws.send(`${id}:${data.toString()}`)));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.add(() => new Promise((resolve) => server.close(resolve)));
  closers.add(() => {
    for (const client of wss.clients) client.terminate();
    server.closeAllConnections();
  });
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** HTTP to `http`, upgrades on /ws to `ws`; `tag` makes each version differ in more than targets. */
function versionOf(httpTarget: string, wsTarget: string, tag: string): ProxyConfigInput {
  return {
    routes: [
      { name: 'ws', priority: 10, match: { pathPrefix: '/ws' }, forward: { upstream: 'ws' } },
      { name: `all-${tag}`, priority: 20, forward: { upstream: 'web' } },
    ],
    upstreams: [upstream('web', [httpTarget]), upstream('ws', [wsTarget])],
  };
}

interface TrackedSocket {
  ws: WebSocket;
  closes: number;
}

function openWs(url: string, closers: Closers): Promise<TrackedSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    const tracked: TrackedSocket = { ws, closes: 0 };
    ws.on('close', () => tracked.closes++);
    ws.once('open', () => resolve(tracked));
    ws.once('error', reject);
    closers.add(() => ws.terminate());
  });
}

function ask(ws: WebSocket, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no echo for ${text}`)), 5000);
    ws.once('message', (data) => {
      clearTimeout(timer);
      resolve(data.toString());
    });
    ws.send(text);
  });
}

/** Applies the two versions in turn, every `everyMs`, until stopped; resolves with how many went live. */
function reloadRepeatedly(apply: (config: Readonly<Config>) => Promise<void>, versions: readonly Readonly<Config>[], everyMs: number): { stop: () => Promise<number> } {
  let isStopped = false;
  let applied = 0;
  const loop = (async () => {
    for (let i = 1; !isStopped; i++) {
      await apply(versions[i % versions.length] as Readonly<Config>);
      applied++;
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
  })();
  return {
    stop: async () => {
      isStopped = true;
      await loop;
      return applied;
    },
  };
}

describe('graceful reload (integration)', function () {
  this.timeout(60_000);
  const closers = new Closers();
  afterEach(() => closers.closeAll());

  it('answers every request and closes no WebSocket while configs swap under load; tunnels stay on their origin', async () => {
    const a = await startHttpOrigin('a', closers);
    const b = await startHttpOrigin('b', closers);
    const w1 = await startWsOrigin('w1', closers);
    const w2 = await startWsOrigin('w2', closers);
    const v1 = loadConfig(proxyConfig(versionOf(a.address, w1, 'v1')));
    const v2 = loadConfig(proxyConfig(versionOf(b.address, w2, 'v2')));
    const proxy = await startProxy(versionOf(a.address, w1, 'v1'), closers);
    const wsUrl = `ws://127.0.0.1:${proxy.port}/ws`;

    const sockets = await Promise.all(Array.from({ length: 10 }, () => openWs(wsUrl, closers)));
    for (const [i, s] of sockets.entries()) assert.equal(await ask(s.ws, `hello${i}`), `w1:hello${i}`);

    const load = startLoad({ url: `${proxy.url}/load`, clients: 8, maxMs: 4000 });
    const reloads = reloadRepeatedly((c) => proxy.node.apply(c, 'test'), [v1, v2], 40);
    // Tunnels keep talking while the configs swap.
    const chatter = (async () => {
      for (let round = 0; round < 10; round++) {
        await new Promise((resolve) => setTimeout(resolve, 300));
        for (const [i, s] of sockets.entries()) assert.equal(await ask(s.ws, `r${round}-${i}`), `w1:r${round}-${i}`, 'a tunnel stays on the origin it started with');
      }
    })();
    await load.done;
    const applied = await reloads.stop();
    await chatter;

    const failed = load.outcomes.filter((o) => o.status !== 200);
    assert.deepEqual(failed.slice(0, 5), [], `${failed.length} of ${load.outcomes.length} requests failed`);
    assert.ok(load.outcomes.length > 500, `enough load (${load.outcomes.length} requests)`);
    assert.ok(applied >= 20, `enough reloads (${applied})`);
    const origins = new Set(load.outcomes.map((o) => o.origin));
    assert.deepEqual([...origins].sort(), ['a', 'b'], 'both versions served requests');
    assert.deepEqual(sockets.map((s) => s.closes), sockets.map(() => 0), 'no WebSocket closed');

    // New upgrades follow the config now in force.
    const live = proxy.node.config.upstreams.find((u) => u.name === 'ws')?.targets[0]?.address.text;
    const fresh = await openWs(wsUrl, closers);
    assert.equal(await ask(fresh.ws, 'new'), `${live === w1 ? 'w1' : 'w2'}:new`);
  });

  it('wrk: zero socket errors and zero non-2xx answers while configs swap, with WebSockets open', async () => {
    const a = await startHttpOrigin('a', closers);
    const b = await startHttpOrigin('b', closers);
    const w1 = await startWsOrigin('w1', closers);
    const w2 = await startWsOrigin('w2', closers);
    const v1 = loadConfig(proxyConfig(versionOf(a.address, w1, 'v1')));
    const v2 = loadConfig(proxyConfig(versionOf(b.address, w2, 'v2')));
    const proxy = await startProxy(versionOf(a.address, w1, 'v1'), closers);
    const sockets = await Promise.all(Array.from({ length: 10 }, () => openWs(`ws://127.0.0.1:${proxy.port}/ws`, closers)));

    const reloads = reloadRepeatedly((c) => proxy.node.apply(c, 'test'), [v1, v2], 50);
    const output = await wrk(['-t2', '-c16', '-d3s', '--latency', `${proxy.url}/wrk`]);
    const applied = await reloads.stop();

    const requests = Number(/(\d+) requests in/.exec(output)?.[1] ?? 0);
    assert.ok(requests > 1000, `wrk sent enough requests (${requests})\n${output}`);
    assert.doesNotMatch(output, /Socket errors/, output);
    assert.doesNotMatch(output, /Non-2xx or 3xx responses/, output);
    assert.ok(applied >= 20, `enough reloads (${applied})`);
    for (const [i, s] of sockets.entries()) assert.equal(await ask(s.ws, `after${i}`), `w1:after${i}`);
    assert.deepEqual(sockets.map((s) => s.closes), sockets.map(() => 0), 'no WebSocket closed');
  });
});

/** Runs wrk (installed by scripts/ensure-test-deps.sh; a missing wrk fails the test). */
function wrk(args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('wrk', [...args], { timeout: 30_000 }, (err, stdout, stderr) => {
      if (err !== null) reject(new Error(`wrk failed: ${err.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}
