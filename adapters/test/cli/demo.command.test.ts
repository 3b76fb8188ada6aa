import assert from 'node:assert/strict';
import { request } from 'node:http';
import { demoCommand, demoConfig, demoPlan } from '../../src/cli/commands/demo.command.js';
import { startDemoOrigin } from '../../src/cli/demo-origins.js';
import { waitFor } from '../helpers.js';
import { FakeIo, FakeNode, RecordingLogger } from './fakes.js';

function get(url: string): Promise<{ status: number; origin: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    request(url, { agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, origin: res.headers['x-origin'] as string | undefined, body }));
    })
      .on('error', reject)
      .end();
  });
}

describe('demo', () => {
  it('takes its addresses from the embedded default config', () => {
    assert.deepEqual(demoPlan(), {
      proxyHost: '127.0.0.1',
      proxyPort: 8080,
      origins: [
        { name: 'hello', body: 'Hello world!\n', host: '127.0.0.1', port: 8081 },
        { name: 'howdy', body: 'Howdy world!\n', host: '127.0.0.1', port: 8082 },
      ],
    });
    assert.equal(demoPlan(9000, [9001, 9002]).origins[1]?.port, 9002);
  });

  it('builds a valid config on the ports actually bound', () => {
    const c = demoConfig('127.0.0.1', 0, [
      { host: '127.0.0.1', port: 40001 },
      { host: '127.0.0.1', port: 40002 },
    ]);
    assert.equal(c.listeners[0]?.address.port, 0);
    assert.deepEqual(c.upstreams[0]?.targets.map((t) => t.address.text), ['127.0.0.1:40001', '127.0.0.1:40002']);
    assert.equal(c.upstreams[0]?.balance, 'round-robin');
  });

  it('runs origins that answer and stamp x-origin', async () => {
    const origin = await startDemoOrigin('hello', 'Hello world!\n', '127.0.0.1', 0);
    try {
      assert.deepEqual(await get(`http://127.0.0.1:${origin.port}/any/path`), { status: 200, origin: 'hello', body: 'Hello world!\n' });
    } finally {
      await origin.close();
    }
  });

  it('starts the origins and the node, prints what to curl, and stops everything on SIGINT', async () => {
    const io = new FakeIo();
    let node: FakeNode | undefined;
    const done = demoCommand(['--port', '0', '--origin-ports', '0,0'], io, {
      createLogger: () => new RecordingLogger(),
      startNode: async (c, o) => (node = new FakeNode(c, o.bus)),
    });
    await waitFor(() => io.out.includes('curl'), 5000, 'the instructions');
    assert.match(io.out, /curl -s http:\/\/127\.0\.0\.1:40000\//);
    const targets = node?.config.upstreams[0]?.targets.map((t) => t.address.port) ?? [];
    assert.equal(targets.length, 2);
    const answers = await Promise.all(targets.map((port) => get(`http://127.0.0.1:${port}/`)));
    assert.deepEqual(answers.map((a) => a.body), ['Hello world!\n', 'Howdy world!\n']);
    io.signal('SIGINT');
    assert.equal(await done, 0);
    assert.equal(node?.closed.length, 1);
    await assert.rejects(get(`http://127.0.0.1:${targets[0]}/`), /ECONNREFUSED/);
  });
});
