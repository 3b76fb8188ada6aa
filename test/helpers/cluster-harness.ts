// Three (or more) proxy node processes in one cluster over a real nats-server, and origins that record who probes them.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { startCli, type CliProcess } from './cli-process.js';
import type { Closers } from './closers.js';
import type { NatsServer } from './nats-server.js';

/** An origin that answers `/health` (counting probes by the prober's `X-Switchyard-Node`) and stamps `x-origin` on the rest. */
export interface ProbedOrigin {
  readonly id: string;
  readonly port: number;
  readonly address: string;
  readonly probesBy: Map<string, number>;
  served: number;
  kill(): Promise<void>;
}

export async function startProbedOrigin(id: string, closers: Closers): Promise<ProbedOrigin> {
  const probesBy = new Map<string, number>();
  const server = http.createServer((req, res) => {
    if (req.url === '/health') {
      const node = String(req.headers['x-switchyard-node'] ?? '(none)');
      probesBy.set(node, (probesBy.get(node) ?? 0) + 1);
      res.end('ok');
      return;
    }
    origin.served++;
    res.setHeader('x-origin', id);
    res.end(`${id}\n`);
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  let isClosed = false;
  const origin: ProbedOrigin = {
    id,
    port,
    address: `127.0.0.1:${port}`,
    probesBy,
    served: 0,
    async kill() {
      if (isClosed) return;
      isClosed = true;
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  closers.add(() => origin.kill());
  return origin;
}

/** One node process: its CLI, its proxy listener URL and its admin API URL. */
export interface ClusterNodeProcess {
  readonly name: string;
  readonly cli: CliProcess;
  readonly url: string;
  readonly adminUrl: string;
}

/** The config every node starts from (ports 0: the same file serves every node). */
export function clusterConfig(nats: NatsServer, origins: readonly ProbedOrigin[], options: { routes?: unknown[]; clusterName?: string; intervalMs?: number } = {}): Record<string, unknown> {
  return {
    log: { level: 'info' },
    server: { accessLog: { enabled: false } },
    admin: { address: '127.0.0.1:0' },
    listeners: [{ name: 'web', address: '127.0.0.1:0' }],
    routes: options.routes ?? [{ name: 'all', forward: { upstream: 'api' } }],
    upstreams: [
      {
        name: 'api',
        targets: origins.map((o) => ({ address: o.address })),
        healthCheck: { type: 'http', path: '/health', interval: `${options.intervalMs ?? 1000}ms`, fastInterval: '500ms', timeout: '300ms', jitter: 0, unhealthyThreshold: 2, healthyThreshold: 1 },
        passive: { enabled: false },
      },
    ],
    cluster: { name: options.clusterName ?? 'itest', nats: { servers: [nats.url] } },
  };
}

/** A temporary directory for config files, removed by `closers`. */
export function configDir(closers: Closers): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'switchyard-cluster-'));
  closers.add(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export function writeConfig(dir: string, name: string, config: unknown): string {
  const file = path.join(dir, name);
  writeFileSync(file, JSON.stringify(config, null, 2));
  return file;
}

/** Starts `switchyard run --config FILE --node-name NAME` and waits until it listens (proxy and admin). */
export async function startNodeProcess(name: string, file: string, closers: Closers): Promise<ClusterNodeProcess> {
  const cli = startCli(['run', '--config', file, '--node-name', name], closers);
  const listening = await cli.waitForLog((l) => l.msg === 'listening', { what: `${name} to listen`, timeoutMs: 15_000 });
  const admin = await cli.waitForLog((l) => l.msg === 'admin API listening', { what: `${name}'s admin API`, timeoutMs: 15_000 });
  return { name, cli, url: `http://${String(listening['address'])}`, adminUrl: `http://${String(admin['address'])}` };
}

export async function adminGet<T>(node: ClusterNodeProcess, urlPath: string): Promise<T> {
  const res = await fetch(`${node.adminUrl}${urlPath}`, { signal: AbortSignal.timeout(5000) });
  if (!res.ok) throw new Error(`${node.name} ${urlPath}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** What the tests read of `GET /api/cluster`. */
export interface ClusterView {
  isClustered: boolean;
  node: string;
  members: { node: string }[];
  link: { isUp: boolean; status: string };
  config: { version: number };
  frames: { sent: number; received: number; rejected: number };
  probes: { upstream: string; target: string; owner: string }[];
}

/** Whether `node` sees exactly `names` as members, with its link up. */
export async function seesMembers(node: ClusterNodeProcess, names: readonly string[]): Promise<boolean> {
  try {
    const view = await adminGet<ClusterView>(node, '/api/cluster');
    return view.link.isUp && view.members.map((m) => m.node).join() === [...names].sort().join();
  } catch {
    return false;
  }
}

/** Whether `node` would route new requests to `target` of upstream `api` (admin `/api/upstreams`). */
export async function mayTakeTraffic(node: ClusterNodeProcess, target: string): Promise<boolean | undefined> {
  const view = await adminGet<{ upstreams: { name: string; targets: { address: string; health: { mayTakeTraffic?: boolean; state: string } }[] }[] }>(node, '/api/upstreams');
  const health = view.upstreams.find((u) => u.name === 'api')?.targets.find((t) => t.address === target)?.health;
  return health?.mayTakeTraffic ?? (health === undefined ? undefined : health.state === 'healthy');
}

export async function waitUntil(check: () => Promise<boolean> | boolean, timeoutMs: number, what: string, stepMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, stepMs));
  }
}

export const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
