// The admin listener: health probes, a JSON API over the node, Prometheus metrics, the /events stream and the dashboard.
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { BoundListener, ClusterHandle, ListenerCounters } from '@switchyard/actors';
import { ConfigError, validateConfig, type AdminConfig, type Config } from '@switchyard/config';
import { ConfigApplied, SwitchyardError, silentLogger, type ActorSystem, type Bus, type Logger } from '@switchyard/core';
import { sendDashboard } from '../dashboard/dashboard-page.js';
import { EventStreamServer, rejectUpgrade, type EventStreamOptions } from '../events/event-stream-server.js';
import { ProxyMetrics } from '../metrics/proxy-metrics.js';
import { checkBearer, crossSiteRefusal, isLoopbackHost } from './admin-auth.js';
import { AdminErrorCode, AdminHttpError, readJsonBody, sendError, sendJson, type Problem } from './admin-http.js';
import { listenersView, redactedConfig, routesView, upstreamsView, type TargetHealthProvider } from './admin-views.js';

/** What the admin server reads and drives of a proxy node (a `ProxyNode` has all of it). */
export interface AdminNode {
  readonly system: Pick<ActorSystem, 'name' | 'node' | 'mailboxDepths'>;
  readonly bus: Bus;
  readonly configVersion: number;
  readonly config: Readonly<Config>;
  listeners(): BoundListener[];
  counters(): Record<string, ListenerCounters>;
  apply(config: Readonly<Config>, source: string): Promise<void>;
  /** The node's cluster side, when it runs in one (`/api/cluster`, `/api/config/push`). */
  readonly cluster?: Pick<ClusterHandle, 'status' | 'pushConfig'> | undefined;
}

/** What a reload from the config file came to (the CLI's `ConfigReloader.reload` result fits). */
export type ReloadOutcome =
  | { ok: true; version: number; isUnchanged?: boolean }
  | { ok: false; problems: readonly Problem[]; keptVersion?: number };

/** A drain or undrain request for one target. */
export interface DrainRequest {
  upstream: string;
  /** The target's address as written in the config (`10.0.0.5:8080`). */
  target: string;
  /** true: drain (no new requests); false: put back in rotation. */
  isDraining: boolean;
}

/** What the process that runs the node lets the admin API do beyond reading it. */
export interface AdminHooks {
  /** `POST /api/reload`: reload the config file. Absent: 501. */
  reload?: () => Promise<ReloadOutcome>;
  /**
   * `POST /api/targets/:upstream/:target/drain|undrain`. Absent: 501 until the balancing issue
   * provides it. Its result (JSON-able) is the 200 body; throw an `AdminHttpError` for another status.
   */
  drain?: (request: DrainRequest) => Promise<unknown> | unknown;
  /**
   * `POST /api/config`: apply a validated config. Default `node.apply`. The CLI passes one that also
   * runs its after-apply steps (access log, log level), as a file reload does.
   */
  applyConfig?: (config: Readonly<Config>, source: string) => Promise<void>;
}

export interface AdminServerOptions {
  node: AdminNode;
  config: Readonly<AdminConfig>;
  hooks?: AdminHooks;
  logger?: Logger;
  /** Live target health for `GET /api/upstreams`; the health-check issue provides it. */
  targetHealth?: TargetHealthProvider;
  /** Where the config being served came from (the file path); updated from `config.applied`. Default `startup`. */
  configSource?: string;
  /** Event stream limits and options. */
  eventStream?: Pick<EventStreamOptions, 'limits' | 'maxClients' | 'pingIntervalMs' | 'ownWorkers'>;
  /** Also export prom-client's process metrics. Default false. */
  processMetrics?: boolean;
  /** Largest `POST /api/config` body. Default 4 MiB. */
  maxConfigBytes?: number;
  /**
   * Renders `/metrics` instead of this process's own registry: a primary of worker processes
   * sums its workers' registries. Default: the node's `ProxyMetrics`.
   */
  renderMetrics?: () => Promise<string>;
  /** `GET /api/workers`: the worker processes and their own counters. Absent: 404. */
  workers?: () => Promise<unknown>;
}

export interface AdminServer {
  /** The bound port (useful with port 0). */
  readonly port: number;
  readonly host: string;
  readonly eventStream: EventStreamServer;
  readonly metrics: ProxyMetrics;
  /** `/readyz` answers 200 while ready, 503 after `setReady(false)` (call it when shutdown starts). */
  setReady(isReady: boolean): void;
  /** Closes the event stream, the metrics subscriptions and the listener. */
  close(): Promise<void>;
}

const SOURCE_ADMIN_API = 'admin-api';
const VERSION = readPackageVersion();

/**
 * Starts the admin listener on `config.address`.
 *
 * Auth: when `config.token` is set, every endpoint but `/healthz`, `/readyz` and the dashboard page (`/`,
 * `/dashboard`: it holds no data and reads the API with the token the user gives it) needs
 * `Authorization: Bearer <token>` (or `?access_token=` on `/events`, for browsers). A bind to
 * anything but loopback needs a token: without one this throws before binding. Without a token,
 * only requests addressed to a loopback name are served (no DNS rebinding), and cross-origin
 * requests are refused either way.
 * @throws ConfigError `ERR_CONFIG_INVALID` (path `admin.token`) for a non-loopback bind without a token.
 * @throws SwitchyardError `ERR_LISTENER_BIND_FAILED` when the address cannot be bound.
 * @example
 * const admin = await startAdminServer({ node, config: config.admin, hooks: { reload }, logger });
 * // SIGTERM: admin.setReady(false); await node.close(); await admin.close();
 */
export async function startAdminServer(options: AdminServerOptions): Promise<AdminServer> {
  const { node, config } = options;
  const logger = (options.logger ?? silentLogger).child({ component: 'admin' });
  const hooks = options.hooks ?? {};
  const token = config.token;
  if (token === undefined && !isLoopbackHost(config.address.host)) {
    throw new ConfigError('ERR_CONFIG_INVALID', [
      {
        path: 'admin.token',
        message: `the admin API on ${config.address.text} is reachable from other machines and needs a token (set admin.token, or bind 127.0.0.1)`,
      },
    ]);
  }
  const maxConfigBytes = options.maxConfigBytes ?? 4 * 1024 * 1024;
  const startedAt = Date.now();
  let isReady = true;
  let configSource = options.configSource ?? 'startup';
  const sourceSubscription = node.bus.subscribe(ConfigApplied, (e) => {
    configSource = e.source;
  });

  const eventStream = new EventStreamServer({ bus: node.bus, nodeName: node.system.name, nodeId: node.system.node, logger, ...options.eventStream });
  const metrics = new ProxyMetrics({ node, eventStreamDropped: () => eventStream.droppedTotal, processMetrics: options.processMetrics === true });
  const apply = hooks.applyConfig ?? ((next: Readonly<Config>, source: string) => node.apply(next, source));

  const workersView = options.workers;
  type Handler = (req: IncomingMessage, res: ServerResponse, params: readonly string[]) => Promise<void> | void;
  const get = (body: () => unknown): Handler => (_req, res) => sendJson(res, 200, body());
  const routes: { path: string | RegExp; methods: Record<string, Handler> }[] = [
    {
      path: '/api/node',
      methods: {
        GET: get(() => ({
          name: node.system.name,
          id: node.system.node,
          pid: process.pid,
          version: VERSION,
          nodeVersion: process.version,
          startedAt: new Date(startedAt).toISOString(),
          uptimeSeconds: Math.round(process.uptime()),
          isReady,
          configVersion: node.configVersion,
          configSource,
        })),
      },
    },
    { path: '/api/listeners', methods: { GET: get(() => listenersView(node.listeners(), node.counters())) } },
    { path: '/api/routes', methods: { GET: get(() => routesView(node.config)) } },
    { path: '/api/upstreams', methods: { GET: get(() => upstreamsView(node.config, options.targetHealth)) } },
    {
      path: '/api/config',
      methods: {
        GET: get(() => ({ version: node.configVersion, source: configSource, config: redactedConfig(node.config) })),
        POST: async (req, res) => {
          const raw = await readJsonBody(req, maxConfigBytes);
          const result = validateConfig(raw);
          if (!result.ok) {
            const problems = result.problems.map((p) => ({ path: p.path, message: p.message }));
            throw new AdminHttpError(400, AdminErrorCode.ConfigInvalid, `the config is not valid (${problems.length} problem${problems.length === 1 ? '' : 's'})`, problems);
          }
          try {
            await apply(result.config, SOURCE_ADMIN_API);
          } catch (err) {
            throw configFailure(err);
          }
          logger.info({ version: node.configVersion, remote: req.socket.remoteAddress }, 'config applied through the admin API');
          sendJson(res, 200, { version: node.configVersion, source: SOURCE_ADMIN_API });
        },
      },
    },
    {
      path: '/api/cluster',
      methods: {
        GET: async (_req, res) => {
          if (node.cluster === undefined) return sendJson(res, 200, { isClustered: false, node: node.system.node });
          sendJson(res, 200, { isClustered: true, ...(await node.cluster.status()) });
        },
      },
    },
    {
      path: '/api/config/push',
      methods: {
        POST: async (req, res) => {
          const raw = await readJsonBody(req, maxConfigBytes);
          const result = validateConfig(raw);
          if (!result.ok) {
            const problems = result.problems.map((p) => ({ path: p.path, message: p.message }));
            throw new AdminHttpError(400, AdminErrorCode.ConfigInvalid, `the config is not valid (${problems.length} problem${problems.length === 1 ? '' : 's'})`, problems);
          }
          const source = `admin-api push${typeof req.headers['x-config-source'] === 'string' ? ` of ${req.headers['x-config-source'].slice(0, 200)}` : ''}`;
          if (node.cluster === undefined) {
            // A node alone is a cluster of one: the push is an apply.
            try {
              await apply(result.config, source);
            } catch (err) {
              throw configFailure(err);
            }
            return sendJson(res, 200, { isCommitted: true, version: node.configVersion, nodes: [{ node: node.system.node, vote: 'ack', applied: 'applied', problems: [] }] });
          }
          const rollout = await node.cluster.pushConfig(raw, source);
          logger.info({ proposal: rollout.proposal, version: rollout.version, isCommitted: rollout.isCommitted, remote: req.socket.remoteAddress }, 'config pushed to the cluster');
          if (rollout.isCommitted && rollout.nodes.every((n) => n.applied === 'applied')) return sendJson(res, 200, rollout);
          const problems = rollout.nodes.flatMap((n) => n.problems.map((p) => ({ path: `${n.node}${p.path === '' ? '' : `: ${p.path}`}`, message: p.message })));
          const message = rollout.isCommitted
            ? 'the cluster committed the config, but not every node reports it applied'
            : 'the cluster refused the config; every node keeps serving the previous one';
          sendJson(res, 409, { error: { code: rollout.isCommitted ? AdminErrorCode.ConfigNotApplied : AdminErrorCode.RolloutAborted, message }, problems, ...rollout });
        },
      },
    },
    {
      path: '/api/reload',
      methods: {
        POST: async (_req, res) => {
          if (hooks.reload === undefined) throw notImplemented('reloading is not available in this process');
          const outcome = await hooks.reload();
          if (!outcome.ok) {
            throw new AdminHttpError(409, AdminErrorCode.ReloadFailed, `the config was not reloaded; still serving version ${outcome.keptVersion ?? node.configVersion}`, outcome.problems.map((p) => ({ path: p.path, message: p.message })));
          }
          sendJson(res, 200, { version: outcome.version, isUnchanged: outcome.isUnchanged === true, source: configSource });
        },
      },
    },
    {
      path: /^\/api\/targets\/([^/]+)\/([^/]+)\/(drain|undrain)$/,
      methods: {
        POST: async (_req, res, params) => {
          const upstream = decodeURIComponent(params[0] ?? '');
          const target = decodeURIComponent(params[1] ?? '');
          const isKnown = node.config.upstreams.some((u) => u.name === upstream && u.targets.some((t) => t.address.text === target));
          if (!isKnown) throw new AdminHttpError(404, AdminErrorCode.NotFound, `no target "${target}" in upstream "${upstream}"`);
          // TODO(balancing issue): wire hooks.drain to the balancer; until then this says so plainly.
          if (hooks.drain === undefined) throw notImplemented('draining targets through the API is not available yet');
          const result = await hooks.drain({ upstream, target, isDraining: params[2] === 'drain' });
          sendJson(res, 200, result ?? { upstream, target, state: params[2] === 'drain' ? 'draining' : 'active' });
        },
      },
    },
    ...(workersView === undefined ? [] : [{ path: '/api/workers', methods: { GET: (async (_req, res) => sendJson(res, 200, await workersView())) as Handler } }]),
    {
      path: '/metrics',
      methods: {
        GET: async (_req, res) => {
          const text = await (options.renderMetrics ?? (() => metrics.render()))();
          res.writeHead(200, { 'Content-Type': metrics.contentType, 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-store' });
          res.end(text);
        },
      },
    },
    {
      path: '/events',
      methods: {
        GET: () => {
          throw new AdminHttpError(426, AdminErrorCode.UpgradeRequired, '/events is a WebSocket endpoint', undefined, { Upgrade: 'websocket', Connection: 'Upgrade' });
        },
      },
    },
  ];

  /** Auth and cross-site checks for everything but the probes; undefined when the request may go on. */
  const refusal = (req: IncomingMessage, query: URLSearchParams | undefined): AdminHttpError | undefined => {
    const why = crossSiteRefusal(req, token !== undefined);
    if (why !== undefined) return new AdminHttpError(403, AdminErrorCode.Forbidden, why);
    if (token === undefined) return undefined;
    const outcome = checkBearer(req, token, query);
    if (outcome === 'ok') return undefined;
    logger.debug({ remote: req.socket.remoteAddress, url: req.url?.split('?')[0], outcome }, 'admin request without a valid token');
    return new AdminHttpError(401, AdminErrorCode.Unauthorized, outcome === 'missing' ? 'a bearer token is required' : 'the bearer token is not valid', undefined, {
      'WWW-Authenticate': outcome === 'missing' ? 'Bearer realm="switchyard"' : 'Bearer realm="switchyard", error="invalid_token"',
    });
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://admin.invalid');
    const path = url.pathname;
    const method = req.method === 'HEAD' ? 'GET' : (req.method ?? 'GET');
    if (path === '/healthz' || path === '/readyz') {
      if (method !== 'GET') throw methodNotAllowed(['GET', 'HEAD']);
      if (path === '/healthz') return sendJson(res, 200, { status: 'ok' });
      return sendJson(res, isReady ? 200 : 503, { status: isReady ? 'ready' : 'shutting-down' });
    }
    if (path === '/' || path === '/dashboard') {
      // The page holds no data (it reads the API with the token the user gives it), so it needs none.
      if (method !== 'GET') throw methodNotAllowed(['GET', 'HEAD']);
      const why = crossSiteRefusal(req, token !== undefined);
      if (why !== undefined) throw new AdminHttpError(403, AdminErrorCode.Forbidden, why);
      return sendDashboard(res, req.method === 'HEAD');
    }
    const refused = refusal(req, undefined);
    if (refused !== undefined) throw refused;
    for (const route of routes) {
      const params = typeof route.path === 'string' ? (route.path === path ? [] : undefined) : route.path.exec(path)?.slice(1);
      if (params === undefined) continue;
      const handler = route.methods[method];
      if (handler === undefined) throw methodNotAllowed(Object.keys(route.methods));
      await handler(req, res, params);
      return;
    }
    throw new AdminHttpError(404, AdminErrorCode.NotFound, `no admin endpoint at ${path}`);
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      const error = err instanceof AdminHttpError ? err : new AdminHttpError(500, AdminErrorCode.Internal, 'internal error');
      if (!(err instanceof AdminHttpError)) logger.error({ err, url: req.url?.split('?')[0], method: req.method }, 'admin request failed');
      if (res.headersSent) res.destroy();
      else sendError(res, error);
    });
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  server.on('clientError', (_err, socket) => socket.destroy());
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const url = new URL(req.url ?? '/', 'http://admin.invalid');
    if (url.pathname !== '/events') return rejectUpgrade(socket, 404, { code: AdminErrorCode.NotFound, message: `no WebSocket endpoint at ${url.pathname}` });
    const refused = refusal(req, url.searchParams);
    if (refused !== undefined) return rejectUpgrade(socket, refused.status, { code: refused.code, message: refused.message }, refused.headers);
    eventStream.handleUpgrade(req, socket, head, url.searchParams);
  });

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.address.port, config.address.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    sourceSubscription.unsubscribe();
    metrics.close();
    await eventStream.close();
    throw new SwitchyardError('ERR_LISTENER_BIND_FAILED', `the admin API could not listen on ${config.address.text}: ${(err as Error).message}`, { cause: err });
  }
  server.on('error', (err) => logger.error({ err }, 'admin server error'));
  const bound = server.address();
  const port = typeof bound === 'object' && bound !== null ? bound.port : config.address.port;
  logger.info({ address: `${config.address.host.includes(':') ? `[${config.address.host}]` : config.address.host}:${port}`, hasToken: token !== undefined }, 'admin API listening');

  let closing: Promise<void> | undefined;
  return {
    port,
    host: config.address.host,
    eventStream,
    metrics,
    setReady(ready: boolean) {
      isReady = ready;
    },
    close() {
      closing ??= (async () => {
        isReady = false;
        sourceSubscription.unsubscribe();
        metrics.close();
        await eventStream.close();
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        // A scrape or API call in progress gets a moment; then the rest is cut.
        const cut = setTimeout(() => server.closeAllConnections(), 2000);
        cut.unref();
        await closed;
        clearTimeout(cut);
      })();
      return closing;
    },
  };
}

function notImplemented(message: string): AdminHttpError {
  return new AdminHttpError(501, AdminErrorCode.NotImplemented, message);
}

function methodNotAllowed(methods: readonly string[]): AdminHttpError {
  const allow = methods.includes('GET') && !methods.includes('HEAD') ? [...methods, 'HEAD'] : [...methods];
  return new AdminHttpError(405, AdminErrorCode.MethodNotAllowed, `method not allowed (allowed: ${allow.join(', ')})`, undefined, { Allow: allow.join(', ') });
}

/** Maps an apply failure to its answer: 409 when the node refused a valid config, 400 when invalid. */
function configFailure(err: unknown): AdminHttpError {
  const code = (err as { code?: unknown }).code;
  const problems = (err as { problems?: readonly Problem[] }).problems?.map((p) => ({ path: p.path, message: p.message }));
  if (code === 'ERR_CONFIG_NOT_APPLIED') {
    return new AdminHttpError(409, AdminErrorCode.ConfigNotApplied, 'the node refused the config; the previous one keeps serving', problems);
  }
  if (code === 'ERR_CONFIG_INVALID') return new AdminHttpError(400, AdminErrorCode.ConfigInvalid, 'the config is not valid', problems);
  throw err;
}

function readPackageVersion(): string {
  try {
    // dist/src/admin/admin-server.js → the adapters package.json.
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : 'unknown';
  } catch {
    return 'unknown';
  }
}
