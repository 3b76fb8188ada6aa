// The proxy's control-plane facts: listeners, connections, requests, config. Built only when observed.
import { z } from 'zod';
import { defineMessage, type MessageOf } from './define-message.js';
import { ErrorInfo } from './runtime.messages.js';

// ---- listeners ----

export const ListenerBound = defineMessage('listener.bound', {
  listener: z.string(),
  protocol: z.string(),
  host: z.string(),
  port: z.number().int(),
});
export type ListenerBound = MessageOf<typeof ListenerBound>;

export const ListenerClosed = defineMessage('listener.closed', { listener: z.string() });
export type ListenerClosed = MessageOf<typeof ListenerClosed>;

export const ListenerFailed = defineMessage('listener.failed', { listener: z.string(), error: ErrorInfo });
export type ListenerFailed = MessageOf<typeof ListenerFailed>;

// ---- connections ----

export const ConnOpened = defineMessage('conn.opened', {
  connId: z.number().int(),
  listener: z.string(),
  clientAddress: z.string(),
  clientPort: z.number().int(),
  at: z.number(),
});
export type ConnOpened = MessageOf<typeof ConnOpened>;

/** Why a client connection ended. */
export const CloseCause = z.enum([
  'client-closed',
  'keep-alive-timeout',
  'head-timeout',
  'protocol-error',
  'response-close',
  'upstream-error',
  'server-shutdown',
  'socket-error',
  /** tcp/tls/udp listeners: no traffic either way for the idle timeout. */
  'idle-timeout',
  /** tcp/tls listeners: the upstream ended or reset the connection first. */
  'upstream-closed',
  /** tcp/tls/udp listeners: no forward route applies to the connection. */
  'no-route',
]);
export type CloseCause = z.infer<typeof CloseCause>;

export const ConnClosed = defineMessage('conn.closed', {
  connId: z.number().int(),
  listener: z.string(),
  requests: z.number().int(),
  bytesIn: z.number().int(),
  bytesOut: z.number().int(),
  durationMs: z.number(),
  cause: CloseCause,
});
export type ConnClosed = MessageOf<typeof ConnClosed>;

// ---- requests ----

export const RequestReceived = defineMessage('request.received', {
  connId: z.number().int(),
  requestId: z.string(),
  method: z.string(),
  target: z.string(),
  host: z.string(),
});
export type RequestReceived = MessageOf<typeof RequestReceived>;

export const RouteMatched = defineMessage('request.routed', {
  requestId: z.string(),
  route: z.string(),
  action: z.string(),
});
export type RouteMatched = MessageOf<typeof RouteMatched>;

export const TargetPicked = defineMessage('request.target-picked', {
  requestId: z.string(),
  upstream: z.string(),
  target: z.string(),
});
export type TargetPicked = MessageOf<typeof TargetPicked>;

export const UpstreamConnected = defineMessage('request.upstream-connected', {
  requestId: z.string(),
  target: z.string(),
  isReused: z.boolean(),
  connectMs: z.number(),
});
export type UpstreamConnected = MessageOf<typeof UpstreamConnected>;

export const ResponseStarted = defineMessage('request.response-started', {
  requestId: z.string(),
  status: z.number().int(),
  upstreamHeaderMs: z.number(),
});
export type ResponseStarted = MessageOf<typeof ResponseStarted>;

/** How an exchange ended, HAProxy termination-state style: one stable word. */
export const Termination = z.enum([
  'ok',
  'local-response',
  'bad-request',
  'head-timeout',
  'body-too-large',
  'no-route',
  'no-target',
  'loop-detected',
  'upstream-refused',
  'upstream-reset',
  'upstream-timeout',
  'upstream-bad-response',
  'route-timeout',
  'client-aborted',
]);
export type Termination = z.infer<typeof Termination>;

/** Everything an access log line needs, sent once per request after its last byte. */
export const RequestCompleted = defineMessage('request.completed', {
  connId: z.number().int(),
  requestId: z.string(),
  listener: z.string(),
  clientAddress: z.string(),
  clientPort: z.number().int(),
  method: z.string(),
  target: z.string(),
  httpVersion: z.string(),
  host: z.string(),
  status: z.number().int(),
  /** Request bytes received from the client, head included. */
  bytesIn: z.number().int(),
  /** Response bytes sent to the client, head included. */
  bytesOut: z.number().int(),
  route: z.string().optional(),
  upstream: z.string().optional(),
  /** `host:port` of the target that served it. */
  targetAddress: z.string().optional(),
  /** Milliseconds to get an upstream connection (0 when reused), -1 when none was made. */
  upstreamConnectMs: z.number(),
  /** Milliseconds from request sent to response head received, -1 when none. */
  upstreamHeaderMs: z.number(),
  totalMs: z.number(),
  termination: Termination,
  userAgent: z.string().optional(),
  referer: z.string().optional(),
  /** Epoch milliseconds when the request head arrived. */
  startedAt: z.number(),
});
export type RequestCompleted = MessageOf<typeof RequestCompleted>;

/** A request the proxy answered itself with an error status, and why. */
export const ProxyErrorResponse = defineMessage('request.failed', {
  requestId: z.string(),
  status: z.number().int(),
  termination: Termination,
  reason: z.string(),
  route: z.string().optional(),
  targetAddress: z.string().optional(),
});
export type ProxyErrorResponse = MessageOf<typeof ProxyErrorResponse>;

// ---- configuration ----

export const ConfigApplied = defineMessage('config.applied', {
  version: z.number().int(),
  source: z.string(),
  listenersAdded: z.array(z.string()),
  listenersRemoved: z.array(z.string()),
});
export type ConfigApplied = MessageOf<typeof ConfigApplied>;

export const ConfigRejected = defineMessage('config.rejected', {
  source: z.string(),
  problems: z.array(z.object({ path: z.string(), message: z.string() })),
  /** The version still being served. */
  keptVersion: z.number().int(),
});
export type ConfigRejected = MessageOf<typeof ConfigRejected>;

/** A request is tried again on another target, within the upstream's retry budget. */
export const RequestRetried = defineMessage('request.retried', {
  requestId: z.string(),
  upstream: z.string(),
  /** The target that failed. */
  target: z.string(),
  reason: z.string(),
  /** 1 for the first retry. */
  attempt: z.number().int(),
});
export type RequestRetried = MessageOf<typeof RequestRetried>;

/** The balancer replaced an upstream's picker: health, draining, slow start or a new version changed its candidates. */
export const PickerReplaced = defineMessage('balancer.picker-replaced', {
  upstream: z.string(),
  /** Targets the new picker chooses from. */
  candidates: z.number().int(),
  total: z.number().int(),
  isPanicking: z.boolean(),
});
export type PickerReplaced = MessageOf<typeof PickerReplaced>;
