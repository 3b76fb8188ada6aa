// The switchyard CLI end to end: real processes, real sockets, signals.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startCli, urlOf, type CliProcess } from '../helpers/cli-process.js';
import { Closers } from '../helpers/closers.js';
import { freePort } from '../helpers/free-port.js';
import { httpRequest } from '../helpers/http-request.js';

function respondConfig(port: number, body: string, extra = ''): string {
  return `listeners:
  - name: web
    address: 127.0.0.1:${port}
routes:
  - name: hello
    respond:
      status: 200
      headers: { content-type: text/plain }
      body: ${JSON.stringify(body)}
${extra}`;
}

async function waitForListening(cli: CliProcess): Promise<string> {
  return urlOf(await cli.waitForLog((l) => l.msg === 'listening', { what: 'the "listening" log line' }));
}

async function waitUntilAsync(check: () => Promise<boolean>, timeoutMs = 5000, what = 'a condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('switchyard CLI (integration)', function () {
  this.timeout(30_000);
  const closers = new Closers();
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'switchyard-cli-'));
    closers.add(() => rmSync(dir, { recursive: true, force: true }));
  });
  afterEach(() => closers.closeAll());

  it('demo: serves both origins round-robin, logs access to stdout, and exits 0 on SIGTERM', async () => {
    const cli = startCli(['demo', '--port', '0', '--origin-ports', '0,0'], closers);
    const url = await waitForListening(cli);
    await cli.waitForStdout(/curl -s http:\/\/127\.0\.0\.1:\d+\//);
    const first = await httpRequest(`${url}/`);
    const second = await httpRequest(`${url}/`);
    assert.deepEqual([first.body, second.body].sort(), ['Hello world!\n', 'Howdy world!\n']);
    assert.deepEqual([first.headers['x-origin'], second.headers['x-origin']].sort(), ['hello', 'howdy']);
    await cli.waitForStdout(/("GET \/ HTTP\/1\.1" 200 \d+ "-" "-"[\s\S]*){2}/);
    cli.signal('SIGTERM');
    assert.deepEqual(await cli.exited, { code: 0, signal: null });
  });

  it('run: reloads on SIGHUP, keeps the old config when the new file is broken, exits 0 on SIGTERM', async () => {
    const file = path.join(dir, 'switchyard.yaml');
    const port = await freePort();
    writeFileSync(file, respondConfig(port, 'one\n'));
    const cli = startCli(['run', '--config', file], closers);
    const url = await waitForListening(cli);
    assert.equal((await httpRequest(`${url}/`)).body, 'one\n');

    writeFileSync(file, respondConfig(port, 'two\n'));
    let from = cli.logs.length;
    cli.signal('SIGHUP');
    await cli.waitForLog((l) => l.msg === 'config reloaded', { from, what: 'the reload' });
    assert.equal((await httpRequest(`${url}/`)).body, 'two\n');

    writeFileSync(file, respondConfig(port, 'three\n').replace('routes:', 'routes:\n  - name: broken\n    forward: { upstream: nowhere }'));
    from = cli.logs.length;
    cli.signal('SIGHUP');
    const problem = await cli.waitForLog((l) => typeof l.msg === 'string' && l.msg.startsWith('config problem: routes.0'), { from, what: 'the problem' });
    assert.equal(problem.level, 'error');
    assert.match(String(problem.msg), /nowhere/);
    await cli.waitForLog((l) => String(l.msg).startsWith('config is invalid; still serving version'), { from });
    assert.equal((await httpRequest(`${url}/`)).body, 'two\n');

    cli.signal('SIGTERM');
    assert.deepEqual(await cli.exited, { code: 0, signal: null });
  });

  it('run --watch: applies a saved file without a signal', async () => {
    const file = path.join(dir, 'switchyard.json');
    const port = await freePort();
    const json = (body: string) =>
      JSON.stringify({ listeners: [{ name: 'web', address: `127.0.0.1:${port}` }], routes: [{ name: 'r', respond: { body } }] });
    writeFileSync(file, json('before\n'));
    const cli = startCli(['run', '--watch', '--config', file], closers);
    const url = await waitForListening(cli);
    // An editor's save: write beside, rename over.
    writeFileSync(`${file}.tmp`, json('after\n'));
    renameSync(`${file}.tmp`, file);
    await waitUntilAsync(async () => (await httpRequest(`${url}/`)).body === 'after\n', 5000, 'the watched change');
    cli.signal('SIGINT');
    assert.equal((await cli.exited).code, 0);
  });

  it('run: writes the access log file and reopens it on SIGUSR1', async () => {
    const file = path.join(dir, 'switchyard.yaml');
    const log = path.join(dir, 'access.log');
    const port = await freePort();
    writeFileSync(file, respondConfig(port, 'hi\n', `server:\n  accessLog:\n    path: ${JSON.stringify(log)}\n    format: '\${method} \${target} \${status}'\n`));
    const cli = startCli(['run', '-c', file], closers);
    const url = await waitForListening(cli);
    await httpRequest(`${url}/first`);
    await waitUntilAsync(async () => readFileSync(log, 'utf8').includes('GET /first 200\n'), 5000, 'the first line');
    renameSync(log, `${log}.1`);
    const from = cli.logs.length;
    cli.signal('SIGUSR1');
    await cli.waitForLog((l) => l.msg === 'reopening log files', { from });
    await httpRequest(`${url}/second`);
    cli.signal('SIGTERM');
    assert.equal((await cli.exited).code, 0);
    assert.equal(readFileSync(`${log}.1`, 'utf8'), 'GET /first 200\n');
    assert.equal(readFileSync(log, 'utf8'), 'GET /second 200\n');
  });

  it('run: exits 1 at startup with a bad config, printing every problem', async () => {
    const file = path.join(dir, 'bad.yaml');
    writeFileSync(file, 'listeners:\n  - name: web\n    address: 127.0.0.1:99999\n    colour: blue\n');
    const cli = startCli(['run', '--config', file], closers);
    const exit = await cli.exited;
    assert.equal(exit.code, 1);
    assert.match(cli.stderr, /listeners\.0\.address: invalid port 99999/);
    assert.match(cli.stderr, /listeners\.0\.colour: /);
  });
});
