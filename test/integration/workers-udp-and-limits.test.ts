// `switchyard run --workers 2`: UDP flows stay with the one worker that binds UDP, and a cluster that cannot be joined stops the start before any worker is forked.
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import type { AddressInfo } from 'node:net';
import { startCli } from '../helpers/cli-process.js';
import { Closers } from '../helpers/closers.js';
import { configDir, startProbedOrigin, writeConfig } from '../helpers/cluster-harness.js';
import { freePort } from '../helpers/free-port.js';
import { startWorkersProcess } from '../helpers/workers-harness.js';

describe('worker processes: UDP, and a cluster that cannot be joined (integration)', function () {
  this.timeout(30_000);
  const closers = new Closers();
  afterEach(() => closers.closeAll());

  it('binds UDP listeners in worker 1 only, so every datagram of a flow reaches the same process', async () => {
    const echo = dgram.createSocket('udp4');
    echo.on('message', (msg, peer) => echo.send(msg, peer.port, peer.address));
    await new Promise<void>((resolve) => echo.bind(0, '127.0.0.1', resolve));
    closers.add(() => new Promise<void>((resolve) => echo.close(() => resolve())));
    const origin = await startProbedOrigin('o1', closers);
    const file = writeConfig(configDir(closers), 'switchyard.json', {
      log: { level: 'info' },
      server: { accessLog: { enabled: false } },
      admin: { address: '127.0.0.1:0' },
      listeners: [
        { name: 'web', address: '127.0.0.1:0' },
        { name: 'dns', protocol: 'udp', address: '127.0.0.1:0' },
      ],
      routes: [
        { name: 'web', listeners: ['web'], forward: { upstream: 'api' } },
        { name: 'dns', listeners: ['dns'], forward: { upstream: 'udp' } },
      ],
      upstreams: [
        { name: 'api', targets: [{ address: origin.address }] },
        { name: 'udp', targets: [{ address: `127.0.0.1:${(echo.address() as AddressInfo).port}` }] },
      ],
    });
    const proxy = await startWorkersProcess(file, 2, closers);
    const dns = await proxy.cli.waitForLog((l) => l.msg === 'listening' && l['listener'] === 'dns', { what: 'the UDP listener' });
    const port = Number(String(dns['address']).split(':')[1]);
    // Four flows (client sockets), five datagrams each: every one answered.
    for (let flow = 0; flow < 4; flow++) {
      const client = dgram.createSocket('udp4');
      closers.add(() => new Promise<void>((resolve) => client.close(() => resolve())));
      const answers: string[] = [];
      client.on('message', (m) => answers.push(String(m)));
      for (let i = 0; i < 5; i++) client.send(`f${flow}-${i}`, port, '127.0.0.1');
      const deadline = Date.now() + 3000;
      while (answers.length < 5 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      assert.deepEqual(answers.sort(), [0, 1, 2, 3, 4].map((i) => `f${flow}-${i}`));
    }
    const rows = await proxy.workers();
    assert.ok(rows[0]?.counters?.['dns'] !== undefined, 'worker 1 binds the UDP listener');
    assert.equal(rows[1]?.counters?.['dns'], undefined, 'worker 2 does not');
    assert.ok((rows[0]?.counters?.['dns']?.connectionsOpened ?? 0) >= 4, JSON.stringify(rows[0]?.counters?.['dns']));
  });

  it('does not start when the cluster\'s NATS is unreachable, and forks no worker', async () => {
    const closed = await freePort();
    const file = writeConfig(configDir(closers), 'switchyard.json', {
      listeners: [{ name: 'web', address: '127.0.0.1:0' }],
      routes: [{ name: 'all', respond: { status: 200 } }],
      cluster: { name: 'c', nats: { servers: [`nats://127.0.0.1:${closed}`] } },
    });
    const cli = startCli(['run', '--config', file, '--workers', '2'], closers);
    const exit = await cli.exited;
    assert.equal(exit.code, 1);
    assert.ok(cli.logs.some((l) => l.msg === 'cannot join the cluster: NATS is unreachable'), cli.stderr);
    assert.ok(!cli.logs.some((l) => l.msg === 'worker ready' || l.msg === 'starting worker processes'), 'no worker was forked');
  });
});
