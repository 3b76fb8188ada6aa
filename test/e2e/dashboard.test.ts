// The dashboard in a real browser: headless Chromium (Debian's) driven by playwright-core against `switchyard run`.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { startCli, type CliProcess } from '../helpers/cli-process.js';
import { Closers } from '../helpers/closers.js';
import { httpRequest } from '../helpers/http-request.js';
import { repoRoot } from '../helpers/repo-root.js';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Installs Debian's chromium when missing (never a skip: a missing browser fails the suite). */
function ensureBrowser(): void {
  if (existsSync(CHROMIUM)) return;
  execFileSync('bash', [path.join(repoRoot, 'scripts', 'ensure-browser.sh')], { stdio: 'inherit', timeout: 600_000 });
}

interface Origin {
  readonly address: string;
  /** Stops accepting and cuts every connection: the origin is gone. */
  kill(): Promise<void>;
}

async function startOrigin(id: string, closers: Closers): Promise<Origin> {
  const server = http.createServer((req, res) => {
    const status = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('status') ?? 200);
    res.writeHead(status, { 'content-type': 'text/plain', 'x-origin': id });
    res.end(`${id} ${status}\n`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  let isKilled = false;
  const kill = async (): Promise<void> => {
    if (isKilled) return;
    isKilled = true;
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  };
  closers.add(kill);
  return { address: `127.0.0.1:${port}`, kill };
}

function configYaml(a: string, b: string): string {
  return `listeners:
  - name: web
    address: 127.0.0.1:0
routes:
  - name: api
    match: { pathPrefix: /api }
    forward: { upstream: app }
  - name: home
    respond: { status: 200, body: "home" }
upstreams:
  - name: app
    targets:
      - address: ${a}
      - address: ${b}
    healthCheck:
      type: tcp
      interval: 200ms
      fastInterval: 100ms
      timeout: 200ms
      jitter: 0
      unhealthyThreshold: 2
      healthyThreshold: 1
admin:
  address: 127.0.0.1:0
log:
  level: info
server:
  accessLog: { enabled: false }
`;
}

async function until(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('dashboard (e2e, headless Chromium)', function () {
  this.timeout(120_000);
  const closers = new Closers();
  let dir: string;
  let cli: CliProcess;
  let proxyUrl: string;
  let adminUrl: string;
  let origins: Origin[];
  let context: BrowserContext;
  let page: Page;

  before(async () => {
    ensureBrowser();
    dir = mkdtempSync(path.join(os.tmpdir(), 'switchyard-e2e-'));
    closers.add(() => rmSync(dir, { recursive: true, force: true }));
    origins = [await startOrigin('a', closers), await startOrigin('b', closers)];
    const file = path.join(dir, 'switchyard.yaml');
    writeFileSync(file, configYaml(origins[0]?.address ?? '', origins[1]?.address ?? ''));
    cli = startCli(['run', '--config', file], closers);
    const listening = await cli.waitForLog((l) => l.msg === 'listening', { what: 'the proxy listening', timeoutMs: 15_000 });
    proxyUrl = `http://${String(listening['address'])}`;
    const admin = await cli.waitForLog((l) => l.msg === 'admin API listening', { what: 'the admin API listening' });
    adminUrl = `http://${String(admin['address'])}`;

    const profile = mkdtempSync(path.join(os.tmpdir(), 'switchyard-chromium-'));
    closers.add(() => rmSync(profile, { recursive: true, force: true }));
    // A persistent context is how playwright takes a --user-data-dir: a fresh one per run.
    context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS });
    closers.add(() => context.close());
    page = context.pages()[0] ?? (await context.newPage());
    const problems: string[] = [];
    page.on('pageerror', (err) => problems.push(err.message));
    page.on('console', (msg) => {
      if (msg.type() === 'error') problems.push(msg.text());
    });
    closers.add(() => assert.deepEqual(problems, [], 'no script errors on the page'));
  });
  after(() => closers.closeAll());

  it('loads: node facts, routes and both targets from the API, and a live event stream', async () => {
    const response = await page.goto(`${adminUrl}/dashboard`);
    assert.equal(response?.status(), 200);
    // Polled from here, not with page.waitForFunction: its in-page re-evaluation can trip the
    // dashboard's CSP (no 'unsafe-eval') and fail at random (playwright#36982).
    await until(async () => (await page.textContent('#node-name')) !== '…', 10_000, 'the node name on the page');
    assert.equal(await page.textContent('#config-version'), 'v1');
    await page.waitForSelector('#ws-status.live');
    const routes = await page.$$eval('#routes tbody tr', (rows) => rows.map((r) => r.getAttribute('data-route')));
    assert.deepEqual(routes, ['api', 'home']);
    const targets = await page.$$eval('#targets tbody tr', (rows) => rows.map((r) => r.getAttribute('data-target')));
    assert.deepEqual(targets, origins.map((o) => o.address));
  });

  it('shows live events as requests go through the proxy', async () => {
    await until(async () => ((await page.textContent('#tail-status')) ?? '').startsWith('following'), 10_000, 'the live tail following');
    for (let i = 0; i < 4; i++) assert.equal((await httpRequest(`${proxyUrl}/api/items?n=${i}`)).status, 200);
    await page.waitForSelector('#tail-body tr.event[data-type="request.completed"]', { timeout: 10_000 });
    const summaries = await page.$$eval('#tail-body tr.event[data-type="request.completed"] td.summary', (cells) => cells.map((c) => c.textContent ?? ''));
    assert.ok(summaries.some((s) => s.includes('target=/api/items?n=3') && s.includes('status=200') && s.includes('route=api')), summaries.join('\n'));
    // The route table's rate comes from /metrics deltas every 2 s.
    await until(async () => (await page.textContent('#routes tr[data-route="api"] td.rps')) !== '–', 10_000, 'a request rate for route api');
  });

  it('filters the live tail', async () => {
    await page.fill('#filters input[name="type"]', 'request.completed');
    await page.fill('#filters input[name="status"]', '5xx');
    await page.click('#filters button[type="submit"]');
    await until(async () => ((await page.textContent('#tail-status')) ?? '').includes('status=5xx'), 10_000, 'the live tail following status=5xx');
    // Cleared once the new stream follows, so nothing the unfiltered one sent is left.
    await page.click('#clear');
    await httpRequest(`${proxyUrl}/api/fine`);
    await httpRequest(`${proxyUrl}/api/broken?status=503`);
    await page.waitForSelector('#tail-body tr.event[data-type="request.completed"]', { timeout: 10_000 });
    const rows = await page.$$eval('#tail-body tr.event', (trs) => trs.map((tr) => `${tr.getAttribute('data-type') ?? ''} ${tr.querySelector('td.summary')?.textContent ?? ''}`));
    assert.equal(rows.length, 1, rows.join('\n'));
    assert.match(rows[0] ?? '', /^request\.completed .*status=503/);
  });

  it('turns a target unhealthy on the page after its origin is killed', async () => {
    const victim = origins[1] as Origin;
    await victim.kill();
    const row = `#targets tr[data-target="${victim.address}"]`;
    await page.waitForSelector(`${row}[data-health="unhealthy"]`, { timeout: 20_000 });
    assert.equal(await page.textContent(`${row} .health`), 'unhealthy');
    const evidence = (await page.textContent(`${row} .evidence`)) ?? '';
    assert.match(evidence, /healthy → unhealthy/, 'the transition is shown as evidence');
    const other = await page.getAttribute(`#targets tr[data-target="${origins[0]?.address ?? ''}"]`, 'data-health');
    assert.notEqual(other, 'unhealthy');
    await page.screenshot({ path: path.join(os.tmpdir(), 'switchyard-dashboard.png'), fullPage: true });
  });
});
