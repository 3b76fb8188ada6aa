import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from '../helpers.js';

/** adapters/dist/src/cli/main.js, from adapters/dist/test/cli/. */
const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

function cli(args: string[], cwd?: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', cwd, timeout: 15_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const GOOD_YAML = `listeners:
  - name: web
    address: 127.0.0.1:8080
routes:
  - name: api
    match: { pathPrefix: /api }
    forward: { upstream: app }
  - name: hello
    respond: { body: "hi\\n" }
upstreams:
  - name: app
    targets: [{ address: 127.0.0.1:3000 }]
`;

const BAD_YAML = `listeners:
  - name: web
    address: 127.0.0.1:8080
    colour: blue
routes:
  - name: api
    forward: { upstream: app }
    priority: -1
upstreams:
  - name: app
    balance: fastest
    targets: [{ address: 127.0.0.1:3000 }]
`;

describe('switchyard CLI (child process)', function () {
  this.timeout(30_000);
  let tmp: ReturnType<typeof tempDir>;
  before(() => {
    tmp = tempDir();
  });
  after(() => tmp.remove());

  describe('validate', () => {
    it('exits 0 and sums up a good file', () => {
      const file = path.join(tmp.dir, 'good.yaml');
      writeFileSync(file, GOOD_YAML);
      const r = cli(['validate', '--config', file]);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, 'ok: 1 listener, 2 routes, 1 upstream\n');
    });

    it('finds switchyard.yaml in the working directory by default', () => {
      const dir = path.join(tmp.dir, 'default');
      mkdirSync(dir);
      writeFileSync(path.join(dir, 'switchyard.yaml'), GOOD_YAML);
      const r = cli(['validate'], dir);
      assert.equal(r.status, 0, r.stderr);
    });

    it('exits 1 and prints every problem with its path and position', () => {
      const file = path.join(tmp.dir, 'bad.yaml');
      writeFileSync(file, BAD_YAML);
      const r = cli(['validate', '--config', file]);
      assert.equal(r.status, 1);
      for (const p of ['listeners.0.colour', 'routes.0.priority', 'upstreams.0.balance']) {
        assert.match(r.stderr, new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+: ${p.replace(/\./g, '\\.')}: `, 'm'), r.stderr);
      }
      assert.match(r.stderr, /3 problems in /);
      assert.equal(r.stdout, '');
    });

    it('reports an unknown access log token as a problem of server.accessLog.format', () => {
      const file = path.join(tmp.dir, 'format.json');
      writeFileSync(file, JSON.stringify({ listeners: [{ name: 'web', address: ':8080' }], server: { accessLog: { format: '${status} ${nope}' } } }));
      const r = cli(['validate', '-c', file]);
      assert.equal(r.status, 1);
      assert.match(r.stderr, /server\.accessLog\.format: unknown access log token \$\{nope\}; known tokens: /);
    });

    it('exits 1 for a missing file', () => {
      const r = cli(['validate', '--config', path.join(tmp.dir, 'nope.yaml')]);
      assert.equal(r.status, 1);
      assert.match(r.stderr, /file not found/);
    });
  });

  it('schema prints the JSON Schema', () => {
    const r = cli(['schema']);
    assert.equal(r.status, 0, r.stderr);
    const schema = JSON.parse(r.stdout) as { title?: string; properties?: Record<string, unknown> };
    assert.equal(schema.title, 'Switchyard configuration');
    assert.ok(schema.properties?.['listeners'] !== undefined);
  });

  it('prints help with exit 0, for the CLI and per command', () => {
    const main = cli(['--help']);
    assert.equal(main.status, 0);
    assert.match(main.stdout, /Usage: switchyard <command>/);
    for (const command of ['run', 'validate', 'demo', 'schema']) {
      const r = cli([command, '--help']);
      assert.equal(r.status, 0);
      assert.match(r.stdout, new RegExp(`Usage: switchyard ${command}`));
      assert.equal(cli(['help', command]).stdout, r.stdout);
    }
  });

  it('exits 2 with usage for an unknown command, an unknown flag or no command', () => {
    const unknownCommand = cli(['serve']);
    assert.equal(unknownCommand.status, 2);
    assert.match(unknownCommand.stderr, /unknown command "serve"[\s\S]*Usage: switchyard <command>/);
    const unknownFlag = cli(['validate', '--strict']);
    assert.equal(unknownFlag.status, 2);
    assert.match(unknownFlag.stderr, /Unknown option '--strict'[\s\S]*Usage: switchyard validate/);
    const badPort = cli(['demo', '--port', 'http']);
    assert.equal(badPort.status, 2);
    assert.match(badPort.stderr, /--port expects a port number/);
    assert.equal(cli([]).status, 2);
  });

  it('prints the version', () => {
    const r = cli(['--version']);
    assert.equal(r.status, 0);
    assert.match(r.stdout, /^\d+\.\d+\.\d+/);
  });
});
