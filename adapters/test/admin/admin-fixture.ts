// A real proxy node (node:http origin, two routes), its admin server, and clients for HTTP and the event stream.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startProxyNode, type ProxyNode } from '@switchyard/actors';
import { loadConfig, type Config, type ConfigInput } from '@switchyard/config';
import { WebSocket } from 'ws';
import { startAdminServer, type AdminServer, type AdminServerOptions } from '../../src/admin/admin-server.js';
import { decodeEventFrame, MSGPACK_SUBPROTOCOL, type EventFrame } from '../../src/events/event-frame.js';
import { waitFor } from '../helpers.js';

export interface Fixture {
  origin: http.Server;
  originPort: number;
  node: ProxyNode;
  admin: AdminServer;
  config: Readonly<Config>;
  proxyUrl: string;
  adminUrl: string;
  wsUrl: string;
  close(): Promise<void>;
}

export interface FixtureOptions {
  token?: string;
  admin?: Partial<Omit<AdminServerOptions, 'node' | 'config'>>;
}

/**
 * The origin answers `/api/...` with 200 (or `?status=NNN`), stamping `x-origin: app`. Routes:
 * `api` (`/api/**` → upstream `app`) and `static` (everything else, a fixed 200).
 */
export function fixtureConfigInput(originPort: number, token?: string): ConfigInput {
  return {
    listeners: [{ name: 'web', address: '127.0.0.1:0' }],
    routes: [
      { name: 'api', priority: 10, match: { pathPrefix: '/api' }, forward: { upstream: 'app' } },
      { name: 'static', priority: 20, respond: { status: 200, body: 'static' } },
    ],
    upstreams: [{ name: 'app', targets: [{ address: `127.0.0.1:${originPort}` }] }],
    admin: { address: '127.0.0.1:0', ...(token === undefined ? {} : { token }) },
  };
}

export async function startFixture(options: FixtureOptions = {}): Promise<Fixture> {
  const origin = http.createServer((req, res) => {
    const status = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('status') ?? 200);
    res.writeHead(status, { 'content-type': 'text/plain', 'x-origin': 'app' });
    res.end(`origin ${status}`);
  });
  await new Promise<void>((resolve) => origin.listen(0, '127.0.0.1', resolve));
  const originPort = (origin.address() as AddressInfo).port;
  const config = loadConfig(fixtureConfigInput(originPort, options.token));
  const node = await startProxyNode(config, { nodeName: 'test-node' });
  let admin: AdminServer;
  try {
    admin = await startAdminServer({ node, config: config.admin as NonNullable<Config['admin']>, ...options.admin });
  } catch (err) {
    await node.close({ graceMs: 0 });
    origin.close();
    throw err;
  }
  const port = node.listeners()[0]?.port;
  return {
    origin,
    originPort,
    node,
    admin,
    config,
    proxyUrl: `http://127.0.0.1:${port}`,
    adminUrl: `http://127.0.0.1:${admin.port}`,
    wsUrl: `ws://127.0.0.1:${admin.port}/events`,
    async close() {
      await admin.close();
      await node.close({ graceMs: 100 });
      origin.closeAllConnections();
      await new Promise((resolve) => origin.close(resolve));
    },
  };
}

export interface SimpleResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One request on a fresh connection (`Connection: close`), so every request opens its own connection. */
export function request(url: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<SimpleResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: options.method ?? 'GET', headers: { connection: 'close', ...options.headers }, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/** `request` and JSON.parse of the body. */
export async function requestJson(url: string, options: Parameters<typeof request>[1] = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; json: Record<string, unknown> }> {
  const res = await request(url, options);
  return { status: res.status, headers: res.headers, json: JSON.parse(res.body) as Record<string, unknown> };
}

export type Frame = EventFrame;

/** A WebSocket client of `/events` that records every event it receives, and each frame's kind. */
export class StreamClient {
  /** Every event received, in order, whatever frame it came in. */
  readonly events: Frame[] = [];
  /** One entry per WebSocket frame: binary (msgpack) or text (JSON). */
  readonly binaryFlags: boolean[] = [];
  /** Events per WebSocket frame, in order. */
  readonly eventsPerFrame: number[] = [];

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      this.binaryFlags.push(isBinary);
      const events = decodeEventFrame(data, isBinary);
      this.eventsPerFrame.push(events.length);
      this.events.push(...events);
    });
  }

  static open(wsUrl: string, query = '', options: { msgpack?: boolean; headers?: Record<string, string> } = {}): Promise<StreamClient> {
    const ws = new WebSocket(`${wsUrl}${query === '' ? '' : `?${query}`}`, options.msgpack === true ? [MSGPACK_SUBPROTOCOL] : [], { headers: options.headers ?? {} });
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(new StreamClient(ws)));
      ws.once('unexpected-response', (_req, res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => reject(new UpgradeRefused(res.statusCode ?? 0, res.headers, Buffer.concat(chunks).toString('utf8'))));
      });
      ws.once('error', reject);
    });
  }

  ofType(type: string): Frame[] {
    return this.events.filter((f) => f.type === type);
  }

  async waitForEvents(check: (events: Frame[]) => boolean, what = 'events', timeoutMs = 5000): Promise<void> {
    await waitFor(() => check(this.events), timeoutMs, what);
  }

  close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      this.ws.once('close', () => resolve());
      this.ws.close();
    });
  }
}

export class UpgradeRefused extends Error {
  constructor(
    readonly status: number,
    readonly headers: http.IncomingHttpHeaders,
    readonly body: string,
  ) {
    super(`upgrade refused with ${status}: ${body}`);
  }
}
