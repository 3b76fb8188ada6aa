// The config file schema: the single source of truth for shape, defaults and value syntax.
import { z } from 'zod';
import { parseLocationTemplate } from './location-template.js';
import { checkConfig } from './refine.js';
import {
  Cidr,
  Duration,
  HostPattern,
  ListenAddress,
  Name,
  RegexSource,
  Size,
  TargetAddress,
  TOKEN_RE,
  oneOrMany,
} from './values.js';

// ---------------------------------------------------------------------------------------------
// Listeners
// ---------------------------------------------------------------------------------------------

/** Listener protocols. `http` is implemented now; the others are accepted so configs can be written ahead. */
export const ListenerProtocol = z.enum(['http', 'https', 'tcp', 'tls', 'udp']);
export type ListenerProtocol = z.output<typeof ListenerProtocol>;

/** One certificate/key pair (PEM file paths). `serverNames` selects it by SNI; the first pair is the fallback. */
export const TlsCertificateConfig = z.strictObject({
  cert: z.string().min(1).describe('Path to the PEM certificate chain.'),
  key: z.string().min(1).describe('Path to the PEM private key.'),
  serverNames: oneOrMany(HostPattern).optional().describe('SNI names served by this certificate ("example.com", "*.example.com").'),
});
export type TlsCertificateConfig = z.output<typeof TlsCertificateConfig>;

/** TLS settings of an `https` or `tls` listener. */
export const ListenerTlsConfig = z.strictObject({
  certificates: z.array(TlsCertificateConfig).min(1, { error: 'at least one certificate is required' }),
  minVersion: z.enum(['TLSv1.2', 'TLSv1.3']).default('TLSv1.2'),
});
export type ListenerTlsConfig = z.output<typeof ListenerTlsConfig>;

/**
 * Accepting the PROXY protocol on a listener. Never guessed: a connection from a trusted source must
 * start with a header (else it is closed), and one from any other source that starts with a header
 * is closed too. No trusted sources means no header is accepted from anyone.
 */
export const ListenerProxyProtocolConfig = z.strictObject({
  accept: z.array(z.enum(['v1', 'v2'])).min(1).default(['v1', 'v2']).describe('PROXY protocol versions taken from trusted sources.'),
  trustedSources: z.array(Cidr).default([]).describe('Peers (load balancers) that must send a PROXY header; nobody when empty.'),
  timeout: Duration.prefault('5s').describe('Time a trusted peer has to send the whole header.'),
});
export type ListenerProxyProtocolConfig = z.output<typeof ListenerProxyProtocolConfig>;

/** Concurrent flows a udp listener keeps when its `maxFlows` is not set. */
export const DEFAULT_MAX_FLOWS = 10_000;

export const ListenerConfig = z.strictObject({
  name: Name,
  protocol: ListenerProtocol.default('http').describe(
    'http, https (TLS terminated), tcp (bytes relayed; routed by listener, TLS SNI read without decrypting, source CIDR), tls (TLS terminated, bytes relayed) or udp (datagrams relayed per client flow). tcp, tls and udp listeners use only the forward routes that name them in `listeners`.',
  ),
  address: ListenAddress,
  tls: ListenerTlsConfig.optional().describe('Required for https and tls listeners; not allowed on the others.'),
  proxyProtocol: ListenerProxyProtocolConfig.optional().describe('Accept a PROXY protocol header from trusted sources (http, https, tcp and tls listeners).'),
  allow: z.array(Cidr).optional().describe('Only peers in these CIDRs may connect; everyone when absent. deny wins over allow.'),
  deny: z.array(Cidr).optional().describe('Peers in these CIDRs are refused.'),
  maxConnections: z.number().int().positive().optional().describe('Concurrent connections (udp: flows) on this listener; more are refused. Unlimited when absent.'),
  maxConnectionsPerSource: z.number().int().positive().optional().describe('Concurrent connections (udp: flows) from one peer address; more are refused.'),
  maxFlows: z
    .number()
    .int()
    .positive()
    .optional()
    .describe(`udp only: concurrent client flows (default ${DEFAULT_MAX_FLOWS}); datagrams of new flows beyond it are dropped and counted.`),
}).superRefine((l, ctx) => {
  if (l.protocol !== 'udp' && l.maxFlows !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['maxFlows'], message: `listener "${l.name}" uses protocol ${l.protocol}; maxFlows is for udp listeners (use maxConnections)` });
  }
  if (l.protocol === 'udp' && l.proxyProtocol !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['proxyProtocol'], message: `listener "${l.name}": the PROXY protocol is not accepted on udp listeners` });
  }
});
export type ListenerConfig = z.output<typeof ListenerConfig>;

// ---------------------------------------------------------------------------------------------
// Route matching
// ---------------------------------------------------------------------------------------------

/**
 * How one header or query parameter is matched. Input forms:
 * - `"v"` or `["v1", "v2"]`: the value equals one of these (case-sensitive);
 * - `{ regex: "^v[12]$" }`: the value matches the regular expression (unanchored unless you anchor it);
 * - `{ present: true }` / `{ present: false }`: the header/parameter is present / absent, whatever its value.
 * Output: a tagged object `{ kind: 'exact', values } | { kind: 'regex', regex } | { kind: 'present', present }`.
 */
export const ValueMatch = z
  .union(
    [
      z.string().transform((v) => ({ kind: 'exact' as const, values: [v] })),
      z.array(z.string()).min(1).transform((values) => ({ kind: 'exact' as const, values })),
      z.strictObject({ regex: RegexSource }).transform((v) => ({ kind: 'regex' as const, regex: v.regex })),
      z.strictObject({ present: z.boolean() }).transform((v) => ({ kind: 'present' as const, present: v.present })),
    ],
    { error: 'expected a value, a list of values, { regex: "..." } or { present: true|false }' },
  )
  .describe('"value", ["v1", "v2"], { regex: "..." } or { present: true|false }.');
export type ValueMatch = z.output<typeof ValueMatch>;

const HeaderName = z.string().regex(TOKEN_RE, { error: (iss) => `invalid header name ${JSON.stringify(iss.input)}` });

/** A record keyed by header name; names are lower-cased, and two spellings of one name are rejected. */
function headerRecord<T extends z.ZodType>(value: T) {
  return z.record(HeaderName, value).transform((rec, ctx) => {
    const out: Record<string, z.output<T>> = {};
    for (const [name, v] of Object.entries(rec)) {
      const lower = name.toLowerCase();
      if (Object.hasOwn(out, lower)) {
        ctx.issues.push({ code: 'custom', message: `header "${name}" is given twice (header names are case-insensitive)`, path: [name], input: rec });
      }
      out[lower] = v as z.output<T>;
    }
    return out;
  });
}

/** An exact path or a glob: `*` matches within one segment, `**` (a whole segment) any number of segments. */
const PathPattern = z.string().superRefine((p, ctx) => {
  if (!p.startsWith('/')) ctx.addIssue({ code: 'custom', message: `path pattern ${JSON.stringify(p)} must start with "/"` });
  else if (p.split('/').some((seg) => seg.includes('**') && seg !== '**')) {
    ctx.addIssue({ code: 'custom', message: `path pattern ${JSON.stringify(p)}: "**" must be a whole segment, as in "/a/**/b"` });
  }
});
const PathPrefix = z.string().startsWith('/', { error: (iss) => `path prefix ${JSON.stringify(iss.input)} must start with "/"` });
const Method = z
  .string()
  .regex(TOKEN_RE, { error: (iss) => `invalid method ${JSON.stringify(iss.input)}` })
  .transform((m) => m.toUpperCase());

/**
 * Request conditions of a route. Every key is optional; the ones given are ANDed, and a list inside
 * one key is ORed. A route without `match` matches every request.
 */
export const MatchConfig = z.strictObject({
  host: oneOrMany(HostPattern).optional().describe('Host header without port: "example.com" or "*.example.com".'),
  path: oneOrMany(PathPattern).optional().describe('Exact path or glob ("/api/*/items", "/static/**").'),
  pathPrefix: oneOrMany(PathPrefix).optional().describe('Path starts with this prefix.'),
  pathRegex: RegexSource.optional().describe('Regular expression tested against the path (without query).'),
  method: oneOrMany(Method).optional().describe('HTTP method(s), upper-cased at load.'),
  headers: headerRecord(ValueMatch).optional().describe('Header name (case-insensitive) → condition.'),
  query: z.record(z.string().min(1), ValueMatch).optional().describe('Query parameter name → condition.'),
  sourceCidr: oneOrMany(Cidr).optional().describe('Client address is in one of these CIDRs.'),
});
export type MatchConfig = z.output<typeof MatchConfig>;

// ---------------------------------------------------------------------------------------------
// Route actions
// ---------------------------------------------------------------------------------------------

export const WeightedUpstreamConfig = z.strictObject({
  upstream: Name,
  weight: z.number().int().min(0).default(1),
});
export type WeightedUpstreamConfig = z.output<typeof WeightedUpstreamConfig>;

/** `{ upstream: name }`, or `{ upstreams: [{ upstream, weight }] }` to split traffic by weight (canary). */
export const ForwardConfig = z.union([z.strictObject({ upstream: Name }), z.strictObject({ upstreams: z.array(WeightedUpstreamConfig).min(1) })], {
  error: 'forward needs either { upstream: name } or { upstreams: [{ upstream, weight }] }',
});
export type ForwardConfig = z.output<typeof ForwardConfig>;

/** TLS towards an upstream. Its presence means HTTPS to the upstream. */
export const UpstreamTlsConfig = z.strictObject({
  servername: z.string().min(1).optional().describe('SNI and certificate name to verify; defaults to the target host.'),
  ca: z.string().min(1).optional().describe('Path to a PEM CA bundle; the system store when absent.'),
  verify: z.boolean().default(true).describe('Verify the upstream certificate.'),
});
export type UpstreamTlsConfig = z.output<typeof UpstreamTlsConfig>;

export const UpstreamTimeoutsConfig = z.strictObject({
  connect: Duration.prefault('5s').describe('TCP (and TLS) connect timeout.'),
  responseHead: Duration.prefault('60s').describe('Time to the first response byte (status line and headers) after the request is sent.'),
  idle: Duration.prefault('60s').describe('Longest silence on an open exchange, either direction.'),
});
export type UpstreamTimeoutsConfig = z.output<typeof UpstreamTimeoutsConfig>;

/**
 * chocon-style dynamic forwarding: the upstream host is the request's Host minus `hostSuffix`
 * (`api.example.com.ccnproxy-https` → `api.example.com`), which must match `allow`.
 */
export const ForwardDynamicConfig = z.strictObject({
  hostSuffix: z
    .string()
    .regex(/^\.[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*$/, { error: (iss) => `hostSuffix ${JSON.stringify(iss.input)} must start with "." and be DNS labels, e.g. ".ccnproxy-https"` })
    .transform((s) => s.toLowerCase()),
  scheme: z.enum(['http', 'https']).describe('Scheme used towards the derived host.'),
  allow: z.array(HostPattern).min(1, { error: 'allow needs at least one host pattern (an open dynamic proxy is an SSRF hole)' }),
  port: z.number().int().min(1).max(65535).optional().describe('Upstream port; 80/443 by scheme when absent.'),
  tls: UpstreamTlsConfig.omit({ servername: true }).optional().describe('Certificate checks when scheme is https.'),
  timeouts: UpstreamTimeoutsConfig.prefault({}),
});
export type ForwardDynamicConfig = z.output<typeof ForwardDynamicConfig>;

const LocationTemplate = z.string().min(1).superRefine((tpl, ctx) => {
  const parsed = parseLocationTemplate(tpl);
  if (typeof parsed === 'string') ctx.addIssue({ code: 'custom', message: parsed });
});

/** An HTTP redirect. `location` is a template, see `LOCATION_TOKENS`. */
export const RedirectConfig = z.strictObject({
  status: z.literal([301, 302, 303, 307, 308], { error: 'redirect status must be one of 301, 302, 303, 307, 308' }).default(302),
  location: LocationTemplate.describe('Template: ${scheme} ${host} ${port} ${authority} ${path} ${query} (with "?") ${uri}.'),
});
export type RedirectConfig = z.output<typeof RedirectConfig>;

/** A static response built once at load. */
export const RespondConfig = z.strictObject({
  status: z.number().int().min(100).max(599).default(200),
  headers: headerRecord(z.string()).optional(),
  body: z.string().optional(),
});
export type RespondConfig = z.output<typeof RespondConfig>;

/** A shadow version of a route's script: run beside the active one on a share of requests, compared, never answering. */
export const ScriptShadowConfig = z.strictObject({
  path: z.string().min(1).describe('The shadow version\'s file (relative to the config file).'),
  share: z.number().min(0).max(1).default(0.1).describe('Share of requests (0..1) the shadow also decides, evenly spread.'),
});
export type ScriptShadowConfig = z.output<typeof ScriptShadowConfig>;

const ScriptConfigObject = z.strictObject({
  path: z.string().min(1).describe('The router module: .ts/.mts (compiled at load) or .js/.mjs, relative to the config file.'),
  options: z.record(z.string(), z.unknown()).default({}).describe('Handed to the router as ctx.options (plain data).'),
  isolation: z
    .enum(['inline', 'worker'])
    .default('inline')
    .describe('inline: on the proxy thread, fastest, budget checked after the call; worker: a worker thread terminated at the deadline.'),
  budget: Duration.prefault('50ms').describe('Time budget of one decision; an overrun falls back and restarts the router.'),
  fallback: Name.optional().describe('Route that answers when the script fails or is restarting; 502/503 when absent.'),
  shadow: ScriptShadowConfig.optional(),
  watch: z.boolean().default(true).describe('Reload the script when its file changes.'),
});

/**
 * A scripted route: a router module and the options handed to it. Written as an object, or as
 * just the path (`script: ./routers/canary.ts`). `options` values are kept as given (and frozen
 * with the config), so they should be plain data.
 */
export const ScriptConfig = z.union([z.string().min(1).transform((path) => ScriptConfigObject.parse({ path })), ScriptConfigObject]);
export type ScriptConfig = z.output<typeof ScriptConfig>;

/** Keys of a route that are actions; a route has exactly one. */
export const ROUTE_ACTIONS = ['forward', 'forwardDynamic', 'redirect', 'respond', 'script'] as const;
export type RouteActionKind = (typeof ROUTE_ACTIONS)[number];

export const RewriteCookieConfig = z.strictObject({
  domain: z.string().optional().describe('Replace the Domain attribute of upstream Set-Cookie headers ("" removes it).'),
  path: z.string().optional().describe('Replace the Path attribute of upstream Set-Cookie headers.'),
});
export type RewriteCookieConfig = z.output<typeof RewriteCookieConfig>;

export const RouteConfig = z.strictObject({
  name: Name,
  priority: z
    .number()
    .int()
    .min(0)
    .max(1_000_000)
    .default(1000)
    .describe('Lower is matched first (as ALB rule priorities); ties keep file order.'),
  listeners: z.array(Name).min(1).optional().describe('Listener names this route applies to; all listeners when absent.'),
  match: MatchConfig.prefault({}),
  forward: ForwardConfig.optional(),
  forwardDynamic: ForwardDynamicConfig.optional(),
  redirect: RedirectConfig.optional(),
  respond: RespondConfig.optional(),
  script: ScriptConfig.optional(),
  preserveHost: z.boolean().default(false).describe('Send the client Host header upstream instead of the target address.'),
  stripPrefix: z.string().startsWith('/').optional().describe('Remove this prefix from the path before forwarding.'),
  replacePrefix: z.string().startsWith('/').optional().describe('Put this in place of the stripped prefix (needs stripPrefix).'),
  rewriteLocation: z.boolean().default(true).describe('Rewrite upstream Location/Content-Location back to the client view (ProxyPassReverse).'),
  rewriteCookie: RewriteCookieConfig.optional(),
  maxBodySize: Size.optional().describe('Request body limit for this route; server.limits.maxBodySize when absent.'),
  timeout: Duration.optional().describe('Total time budget of one exchange on this route.'),
  allowAmbiguousPath: z.boolean().default(false).describe('Accept paths with encoded "/", "..", or "//" instead of rejecting them with 400.'),
});
export type RouteConfig = z.output<typeof RouteConfig>;

// ---------------------------------------------------------------------------------------------
// Upstreams
// ---------------------------------------------------------------------------------------------

export const BalanceStrategy = z.enum(['round-robin', 'least-connections', 'least-request', 'random', 'consistent-hash', 'sticky-cookie', 'first']);
export type BalanceStrategy = z.output<typeof BalanceStrategy>;

export const TargetConfig = z.strictObject({
  address: TargetAddress,
  weight: z.number().int().min(0).default(1).describe('Relative share of traffic; 0 takes the target out of rotation.'),
  maxConnections: z.number().int().positive().optional().describe('Cap on concurrent connections to this target.'),
  state: z.enum(['active', 'draining']).default('active').describe('draining: no new requests, existing ones finish.'),
});
export type TargetConfig = z.output<typeof TargetConfig>;

export const PoolConfig = z.strictObject({
  maxIdle: z.number().int().min(0).default(64).describe('Idle keep-alive connections kept per target.'),
  idleTimeout: Duration.prefault('60s').describe('Close an idle pooled connection after this long.'),
  maxConnections: z.number().int().positive().optional().describe('Per-target connection cap; unlimited when absent.'),
});
export type PoolConfig = z.output<typeof PoolConfig>;

export const StickyCookieConfig = z.strictObject({
  name: z.string().regex(TOKEN_RE).default('switchyard_sticky'),
  maxAge: Duration.optional().describe('Cookie lifetime; a session cookie when absent.'),
});
export type StickyCookieConfig = z.output<typeof StickyCookieConfig>;

/** `200`, or an inclusive range `"200-399"`. */
const StatusOrRange = z.union([
  z.number().int().min(100).max(599),
  z
    .string()
    .regex(/^[1-5]\d\d(?:-[1-5]\d\d)?$/, { error: (iss) => `invalid status or range ${JSON.stringify(iss.input)}: use 200 or "200-399"` }),
]);

/**
 * Active health checks. Defaults are as quick as HAProxy's: a probe every 2 s, 2 passes to rise,
 * 3 failures to fall; probes come every `fastInterval` while a target is between states.
 */
export const HealthCheckConfig = z.strictObject({
  type: z.enum(['tcp', 'http']).default('tcp').describe('tcp: a connect succeeds; http: a request gets an expected answer.'),
  path: z.string().startsWith('/').default('/').describe('http: the path probed.'),
  port: z.number().int().min(1).max(65535).optional().describe('Probe this port instead of the traffic port (e.g. a UDP service checked over TCP).'),
  method: z.enum(['GET', 'HEAD', 'OPTIONS']).default('GET'),
  host: z.string().min(1).optional().describe('http: Host header of the probe; the target address when absent.'),
  expectStatus: z.array(StatusOrRange).min(1).default(['200-399']).describe('http: statuses that count as healthy.'),
  expectBody: z.string().min(1).optional().describe('http: a substring the body must contain.'),
  reuseConnection: z
    .boolean()
    .default(true)
    .describe(
      'http: keep one idle keep-alive connection per target between probes, as Envoy does; a connection the target closed while idle is retried once on a fresh one. false: a new connection (Connection: close) per probe.',
    ),
  interval: Duration.prefault('2s'),
  fastInterval: Duration.prefault('500ms').describe('Interval while a target is changing state.'),
  timeout: Duration.prefault('1s'),
  jitter: z.number().min(0).max(1).default(0.1).describe('Random share of the interval added to each wait, so probes do not march in step.'),
  healthyThreshold: z.number().int().min(1).max(100).default(2),
  unhealthyThreshold: z.number().int().min(1).max(100).default(3),
  initialState: z.enum(['assume-healthy', 'assume-unhealthy', 'last-known']).default('assume-healthy'),
});
export type HealthCheckConfig = z.output<typeof HealthCheckConfig>;

/** Passive checks (outlier detection): failures seen on real traffic eject a target for a while. */
export const PassiveHealthConfig = z.strictObject({
  enabled: z.boolean().default(true),
  consecutiveConnectFailures: z.number().int().min(0).default(3).describe('Connect failures (refused, reset, timeout) in a row that eject; 0 disables.'),
  consecutive5xx: z.number().int().min(0).default(0).describe('5xx answers in a row that eject; 0 (default) disables.'),
  baseEjectionTime: Duration.prefault('30s').describe('First ejection; each repeat multiplies it (base × ejections).'),
  maxEjectionTime: Duration.prefault('5m'),
  maxEjectionPercent: z.number().int().min(0).max(100).default(50).describe('Never eject more than this share of an upstream at once.'),
});
export type PassiveHealthConfig = z.output<typeof PassiveHealthConfig>;

export const RetryBudgetConfig = z.strictObject({
  percent: z.number().min(0).max(100).default(20).describe('Retries allowed as a share of requests (over the last 10 s).'),
  minPerSecond: z.number().min(0).default(3).describe('Retries always allowed per second, however few the requests.'),
});
export type RetryBudgetConfig = z.output<typeof RetryBudgetConfig>;

export const UpstreamConfig = z.strictObject({
  name: Name,
  balance: BalanceStrategy.default('round-robin'),
  hashKey: z
    .string()
    .regex(/^(?:source-ip|host|path|uri|(?:header|cookie|query):[^\s:]+)$/, {
      error: (iss) => `invalid hashKey ${JSON.stringify(iss.input)}: use source-ip, host, path, uri, header:<name>, cookie:<name> or query:<name>`,
    })
    .default('source-ip')
    .describe('What consistent-hash hashes.'),
  stickyCookie: StickyCookieConfig.prefault({}).describe('Cookie used by sticky-cookie.'),
  targets: z.array(TargetConfig),
  tls: UpstreamTlsConfig.optional(),
  pool: PoolConfig.prefault({}),
  timeouts: UpstreamTimeoutsConfig.prefault({}),
  proxyProtocol: z.enum(['v1', 'v2']).optional().describe('Send a PROXY protocol header to the targets.'),
  choices: z.number().int().min(2).max(10).default(2).describe('least-request: targets sampled per pick (power of two choices).'),
  boundedLoad: z.number().min(1).optional().describe('consistent-hash: no target takes more than this factor of the mean load (e.g. 1.25).'),
  healthCheck: HealthCheckConfig.optional().describe('Active checks; none when absent.'),
  passive: PassiveHealthConfig.prefault({}),
  panicThreshold: z
    .number()
    .int()
    .min(0)
    .max(100)
    .default(50)
    .describe('Below this share of available targets, route to all of them (fail open, as ALB and Envoy).'),
  retries: z.number().int().min(0).max(10).default(2).describe('Tries on other targets after a failure that is safe to retry.'),
  retryOn: z
    .array(z.union([z.literal(502), z.literal(503), z.literal(504)]))
    .default([])
    .describe('Also retry idempotent requests answered with these statuses.'),
  retryBudget: RetryBudgetConfig.prefault({}),
  slowStart: Duration.prefault(0).describe('A target that comes back ramps its weight up over this long; 0 disables.'),
  deregistrationDelay: Duration.prefault('30s').describe('How long a draining target may finish its requests before it is removed.'),
  queueTimeout: Duration.prefault('1s').describe('How long a request waits for a target at maxConnections before a 503.'),
});
export type UpstreamConfig = z.output<typeof UpstreamConfig>;

// ---------------------------------------------------------------------------------------------
// Proxy-wide server options
// ---------------------------------------------------------------------------------------------

export const ForwardedHeadersConfig = z.strictObject({
  xForwardedFor: z.boolean().default(true),
  xForwardedProto: z.boolean().default(true),
  xForwardedHost: z.boolean().default(true),
  xRealIp: z.boolean().default(false),
  forwarded: z.boolean().default(false).describe('RFC 7239 Forwarded header.'),
  via: z.boolean().default(true).describe('RFC 9110 section 7.6.3 Via header.'),
});
export type ForwardedHeadersConfig = z.output<typeof ForwardedHeadersConfig>;

export const LimitsConfig = z.strictObject({
  maxHeadSize: Size.prefault('16kb').describe('Request line plus headers; 431 beyond.'),
  maxHeaderCount: z.number().int().positive().default(100).describe('431 beyond.'),
  maxTargetLength: Size.prefault('8kb').describe('Request target (URI) length; 414 beyond.'),
  maxBodySize: Size.prefault('10mb').describe('Request body; 413 beyond. Routes may override.'),
});
export type LimitsConfig = z.output<typeof LimitsConfig>;

export const ServerTimeoutsConfig = z.strictObject({
  requestHead: Duration.prefault('10s').describe('Time to receive a full request head (slowloris guard → 408).'),
  keepAliveIdle: Duration.prefault('5s').describe('Idle time allowed between requests on a client connection.'),
  tunnelIdle: Duration.prefault('1h').describe('Silence allowed on an upgraded (WebSocket) connection in either direction before it is closed.'),
  tcpIdle: Duration.prefault('1h').describe('Silence allowed on a tcp or tls listener connection, both directions together, before it is closed.'),
  udpFlowIdle: Duration.prefault('30s').describe('A udp flow without a datagram either way for this long is forgotten.'),
});
export type ServerTimeoutsConfig = z.output<typeof ServerTimeoutsConfig>;

export const AccessLogConfig = z.strictObject({
  enabled: z.boolean().default(true),
  format: z
    .union([z.enum(['combined', 'common', 'json']), z.string().min(1)])
    .default('combined')
    .describe('"combined", "common", "json", or a template string.'),
  path: z.string().min(1).optional().describe('File to append to; stdout when absent.'),
});
export type AccessLogConfig = z.output<typeof AccessLogConfig>;

/** What happens to established connections when a reload removes the listener they came in on. */
export const DrainConfig = z.strictObject({
  timeout: Duration.prefault('30s').describe(
    'After a reload removes a listener: how long its established connections (requests in flight, WebSocket and TCP tunnels) may go on, on the config they started with, before they are cut. Connections on listeners a reload keeps are never cut by it.',
  ),
});
export type DrainConfig = z.output<typeof DrainConfig>;

export const ServerConfig = z.strictObject({
  requestIdHeader: HeaderName.transform((h) => h.toLowerCase()).default('x-request-id'),
  forwarded: ForwardedHeadersConfig.prefault({}),
  trustedProxies: z.array(Cidr).default([]).describe('Peers whose X-Forwarded-For/Forwarded headers are trusted and extended.'),
  maxHops: z.number().int().min(1).max(255).default(10).describe('Via hops after which a request is a loop (508).'),
  limits: LimitsConfig.prefault({}),
  timeouts: ServerTimeoutsConfig.prefault({}),
  accessLog: AccessLogConfig.prefault({}),
  shutdownTimeout: Duration.prefault('10s').describe(
    'At SIGTERM: /readyz fails, listeners stop accepting, idle keep-alive connections are closed, and requests in flight get this long to finish before their connections are cut. `switchyard run --grace` overrides it.',
  ),
  drain: DrainConfig.prefault({}),
});
export type ServerConfig = z.output<typeof ServerConfig>;

// ---------------------------------------------------------------------------------------------
// Process-wide options
// ---------------------------------------------------------------------------------------------

export const LogConfig = z.strictObject({
  level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
});
export type LogConfig = z.output<typeof LogConfig>;

export const AdminConfig = z.strictObject({
  address: ListenAddress.prefault('127.0.0.1:9901'),
  token: z.string().min(1).optional().describe('Bearer token required by the admin API when set.'),
});
export type AdminConfig = z.output<typeof AdminConfig>;

const NatsServer = z
  .string()
  .regex(/^(?:(?:nats|tls|ws|wss):\/\/)?[^\s/]+$/, { error: (iss) => `invalid NATS server ${JSON.stringify(iss.input)}: expected e.g. "nats://127.0.0.1:4222"` });

export const ClusterConfig = z.strictObject({
  name: Name.describe('Cluster name; part of every NATS subject.'),
  nats: z.strictObject({
    servers: z.array(NatsServer).min(1),
    user: z.string().min(1).optional(),
    pass: z.string().min(1).optional(),
    token: z.string().min(1).optional(),
  }),
});
export type ClusterConfig = z.output<typeof ClusterConfig>;

// ---------------------------------------------------------------------------------------------
// The file
// ---------------------------------------------------------------------------------------------

/** The config object before cross-field checks (exported for tests and tooling). */
export const ConfigObject = z.strictObject({
  $schema: z.string().optional().describe('Path or URL of the JSON Schema, for editors; ignored.'),
  server: ServerConfig.prefault({}),
  listeners: z.array(ListenerConfig).min(1, { error: 'at least one listener is required' }),
  routes: z.array(RouteConfig).default([]),
  upstreams: z.array(UpstreamConfig).default([]),
  log: LogConfig.prefault({}),
  admin: AdminConfig.optional().describe('Admin API; disabled when absent.'),
  cluster: ClusterConfig.optional().describe('Cluster membership over NATS; standalone when absent.'),
  workers: z
    .union([z.literal('auto'), z.number().int().positive()])
    .default(1)
    .describe('Worker processes: a positive integer, or "auto" for one per CPU. In a cluster the node is still one member.'),
});

/**
 * The Switchyard config file schema: shape, defaults, value normalization and cross-field checks.
 * `z.input<typeof Config>` is what users write; `z.output<typeof Config>` is what the proxy reads.
 */
export const Config = ConfigObject.superRefine(checkConfig, {
  // Cross-field checks read normalized values (address objects, ms, bytes). A failed value check
  // leaves the raw input in place, so they only run once every field parsed cleanly.
  when: (payload) => payload.issues.length === 0,
});
/** The normalized, defaulted config the proxy reads. */
export type Config = z.output<typeof Config>;
/** What users write (YAML, JSON, or `defineConfig({...})`). */
export type ConfigInput = z.input<typeof Config>;
