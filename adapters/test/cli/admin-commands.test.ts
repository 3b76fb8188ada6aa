// `switchyard events`, `status` and `drain` against a real node and admin server, through runCli.
import assert from 'node:assert/strict';
import net from 'node:net';
import { runCli } from '../../src/cli/cli.js';
import { resolveAdmin } from '../../src/cli/admin-client.js';
import { formatEventLine } from '../../src/cli/commands/events.command.js';
import type { DrainRequest } from '../../src/admin/admin-server.js';
import { request, startFixture, type Fixture } from '../admin/admin-fixture.js';
import { waitFor } from '../helpers.js';
import { FakeIo } from './fakes.js';

const TOKEN = 'cli-token';

describe('CLI admin commands', () => {
  describe('against an admin API with a token', () => {
    let fx: Fixture;
    const drains: DrainRequest[] = [];
    before(async () => {
      fx = await startFixture({
        token: TOKEN,
        admin: {
          targetHealth: () => ({ state: 'unhealthy', reason: '3 consecutive failures: connect ECONNREFUSED' }),
          hooks: {
            drain: (r) => {
              drains.push(r);
              return { upstream: r.upstream, target: r.target, state: r.isDraining ? 'draining' : 'active' };
            },
          },
        },
      });
    });
    after(() => fx.close());

    it('events: prints one readable line per event, honours filters, and stops after --count', async () => {
      const io = new FakeIo();
      const done = runCli(['events', '--admin', fx.adminUrl, '--token', TOKEN, '--type', 'request.completed', '--status', '5xx', '--count', '1'], io);
      await waitFor(() => io.stderr.text.includes('following'), 5000, 'the stream to open');
      await request(`${fx.proxyUrl}/api/ok`);
      await request(`${fx.proxyUrl}/api/bad?status=502`);
      assert.equal(await done, 0);
      const lines = io.stdout.text.trimEnd().split('\n');
      assert.equal(lines.length, 1, io.stdout.text);
      assert.match(lines[0] ?? '', /^\d\d:\d\d:\d\d\.\d{3} request\.completed +\S+ GET \/api\/bad\?status=502 → 502 route=api target=127\.0\.0\.1:\d+ [\d.]+ms$/);
    });

    it('events --json prints the frames as sent, and SIGINT ends it with 0', async () => {
      const io = new FakeIo();
      const done = runCli(['events', '--admin', fx.adminUrl, '--token', TOKEN, '--type', 'conn.*', '--json'], io);
      await waitFor(() => fx.admin.eventStream.clientCount > 0, 5000, 'the client');
      await request(`${fx.proxyUrl}/x`);
      await waitFor(() => io.stdout.text.includes('"conn.closed"'), 5000, 'conn.closed');
      io.signal('SIGINT');
      assert.equal(await done, 0);
      const frames = io.stdout.text.trimEnd().split('\n').map((l) => JSON.parse(l) as { type: string; node: string });
      assert.deepEqual(frames.map((f) => f.type), ['conn.opened', 'conn.closed']);
      assert.equal(frames[0]?.node, 'test-node');
    });

    it('events: a refused stream (bad token, bad filter) exits 1 and says why', async () => {
      const noToken = new FakeIo();
      assert.equal(await runCli(['events', '--admin', fx.adminUrl], noToken), 1);
      assert.match(noToken.stderr.text, /a bearer token is required \(pass --token or set SWITCHYARD_ADMIN_TOKEN\)/);
      const badFilter = new FakeIo();
      assert.equal(await runCli(['events', '--admin', fx.adminUrl, '--token', TOKEN, '--status', 'teapot'], badFilter), 1);
      assert.match(badFilter.stderr.text, /invalid event stream query\n {2}status: /);
    });

    it('status: lists the node and each target with its health and reason', async () => {
      const io = new FakeIo();
      assert.equal(await runCli(['status', '--admin', fx.adminUrl, '--token', TOKEN], io), 0);
      const out = io.stdout.text;
      assert.match(out, /^node test-node \(pid \d+, switchyard 0\.1\.0\) ready, up \d+s\nconfig version 1 from startup\n/);
      assert.match(out, /UPSTREAM +TARGET +WEIGHT +STATE +HEALTH +WHY\n/);
      assert.match(out, new RegExp(`app +127\\.0\\.0\\.1:${fx.originPort} +1 +active +unhealthy +3 consecutive failures: connect ECONNREFUSED\\n`));
      assert.match(out, /no active health check: app/);
      const json = new FakeIo();
      assert.equal(await runCli(['status', '--admin', fx.adminUrl, '--token', TOKEN, '--json'], json), 0);
      const parsed = JSON.parse(json.stdout.text) as { node: { name: string }; upstreams: { name: string }[] };
      assert.equal(parsed.node.name, 'test-node');
      assert.deepEqual(parsed.upstreams.map((u) => u.name), ['app']);
    });

    it('drain: drains the target in the upstreams that list it, and --undo puts it back', async () => {
      const target = `127.0.0.1:${fx.originPort}`;
      const io = new FakeIo();
      assert.equal(await runCli(['drain', target, '--admin', fx.adminUrl, '--token', TOKEN], io), 0);
      assert.equal(io.stdout.text, `app/${target}: draining\n`);
      const undo = new FakeIo();
      assert.equal(await runCli(['drain', `app/${target}`, '--undo', '--admin', fx.adminUrl, '--token', TOKEN], undo), 0);
      assert.equal(undo.stdout.text, `app/${target}: active\n`);
      assert.deepEqual(drains, [
        { upstream: 'app', target, isDraining: true },
        { upstream: 'app', target, isDraining: false },
      ]);
      const unknown = new FakeIo();
      assert.equal(await runCli(['drain', '10.9.9.9:1', '--admin', fx.adminUrl, '--token', TOKEN], unknown), 1);
      assert.match(unknown.stderr.text, /no target 10\.9\.9\.9:1 in any upstream/);
      const usage = new FakeIo();
      assert.equal(await runCli(['drain', '--admin', fx.adminUrl], usage), 2);
      assert.match(usage.stderr.text, /which target\?/);
    });
  });

  it('status and drain say so when the admin API cannot be reached (exit 1)', async () => {
    const port = await closedPort();
    const io = new FakeIo();
    assert.equal(await runCli(['status', '--admin', `127.0.0.1:${port}`], io), 1);
    assert.equal(io.stderr.text, `switchyard status: cannot reach the admin API at http://127.0.0.1:${port}: ECONNREFUSED\n`);
    const drain = new FakeIo();
    assert.equal(await runCli(['drain', '127.0.0.1:80', '--admin', `127.0.0.1:${port}`], drain), 1);
    assert.match(drain.stderr.text, /ECONNREFUSED/);
    const ev = new FakeIo();
    assert.equal(await runCli(['events', '--admin', `http://127.0.0.1:${port}`], ev), 1);
    assert.equal(ev.stderr.text, `switchyard events: cannot reach the admin API at http://127.0.0.1:${port}: ECONNREFUSED\n`);
  });

  it('resolves the admin address from the flag, then the environment, then the default', () => {
    assert.deepEqual(resolveAdmin({}, {}), { baseUrl: 'http://127.0.0.1:9901', token: undefined });
    assert.deepEqual(resolveAdmin({}, { SWITCHYARD_ADMIN_URL: 'http://[::1]:9000/', SWITCHYARD_ADMIN_TOKEN: 't' }), { baseUrl: 'http://[::1]:9000', token: 't' });
    assert.deepEqual(resolveAdmin({ admin: '10.0.0.1:9901', token: 'x' }, { SWITCHYARD_ADMIN_URL: 'http://a:1' }), { baseUrl: 'http://10.0.0.1:9901', token: 'x' });
    assert.throws(() => resolveAdmin({ admin: 'ftp://x' }, {}), /--admin expects an http or https URL/);
  });

  it('formats each kind of event as one line', () => {
    const ts = new Date(2025, 0, 1, 12, 0, 1, 234).getTime();
    assert.equal(
      formatEventLine({ type: 'target.health-changed', ts, upstream: 'app', target: '10.0.0.5:80', from: 'healthy', to: 'unhealthy', source: 'active', reason: '3 consecutive failures' }),
      '12:00:01.234 target.health-changed      app/10.0.0.5:80 healthy → unhealthy (active): 3 consecutive failures',
    );
    assert.equal(
      formatEventLine({ type: 'conn.closed', ts, connId: 4, listener: 'web', cause: 'client-closed', requests: 2, bytesIn: 100, bytesOut: 2000, durationMs: 15.5 }),
      '12:00:01.234 conn.closed                conn 4 web closed (client-closed) requests=2 in=100B out=2000B 16ms',
    );
    assert.equal(formatEventLine({ type: 'something.new', ts, a: 1, b: 'two words' }), '12:00:01.234 something.new              a=1 b="two words"');
  });
});

/** A loopback port nobody listens on (it was free a moment ago). */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}
