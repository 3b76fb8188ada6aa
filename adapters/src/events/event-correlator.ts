// Remembers what earlier events said about a connection or request, so later events can be filtered on it.
import type { Message } from '@switchyard/core';
import type { EventFacts, EventFilter } from './event-filter.js';

interface ConnFacts {
  listener: string;
  clientAddress: string;
}

interface RequestFacts {
  connId: number | undefined;
  route: string | undefined;
  upstream: string | undefined;
  target: string | undefined;
  status: number | undefined;
}

/**
 * The event types the correlator must hear so that `filter` can judge the events it wants that do
 * not carry a filtered field themselves. Request steps are tracked only when it wants request events.
 */
export function typesFor(filter: Pick<EventFilter, 'fields' | 'prefixes' | 'exactTypes'>): string[] {
  const fields = filter.fields;
  const types = new Set<string>();
  const wantsRequests = filter.prefixes.some((p) => 'request.'.startsWith(p) || p.startsWith('request.')) || [...filter.exactTypes].some((t) => t.startsWith('request.'));
  if (fields.has('listener') || fields.has('client')) {
    types.add('conn.opened');
    types.add('conn.closed');
    // request.received links a request to its connection.
    if (wantsRequests) types.add('request.received');
  }
  if (wantsRequests) {
    if (fields.has('route')) types.add('request.routed');
    if (fields.has('upstream') || fields.has('target')) types.add('request.target-picked');
    if (fields.has('status')) types.add('request.response-started');
    // The end of a request, when its facts are forgotten.
    if (types.size !== 0) types.add('request.completed');
  }
  return [...types];
}

/**
 * Per-connection and per-request facts learnt from lifecycle events. Entries go when the request
 * completes or the connection closes; the maps are also capped (oldest out), so events missed
 * while nobody listened cannot make them grow without bound.
 */
export class EventCorrelator {
  private readonly conns = new Map<number, ConnFacts>();
  private readonly requests = new Map<string, RequestFacts>();
  isTracking = false;

  constructor(private readonly maxEntries = 65_536) {}

  get size(): { conns: number; requests: number } {
    return { conns: this.conns.size, requests: this.requests.size };
  }

  /** Learns from `message` (call before filtering it). */
  observe(message: Message): void {
    if (!this.isTracking) return;
    const m = message as unknown as Record<string, unknown>;
    switch (message.type) {
      case 'conn.opened':
        if (typeof m['connId'] === 'number') {
          capped(this.conns, this.maxEntries).set(m['connId'], { listener: String(m['listener']), clientAddress: String(m['clientAddress']) });
        }
        return;
      case 'request.received': {
        const req = this.requestOf(m);
        if (req !== undefined && typeof m['connId'] === 'number') req.connId = m['connId'];
        return;
      }
      case 'request.routed': {
        const req = this.requestOf(m);
        if (req !== undefined && typeof m['route'] === 'string') req.route = m['route'];
        return;
      }
      case 'request.target-picked': {
        const req = this.requestOf(m);
        if (req === undefined) return;
        if (typeof m['upstream'] === 'string') req.upstream = m['upstream'];
        if (typeof m['target'] === 'string') req.target = m['target'];
        return;
      }
      case 'request.response-started': {
        const req = this.requestOf(m);
        if (req !== undefined && typeof m['status'] === 'number') req.status = m['status'];
        return;
      }
      default:
        return;
    }
  }

  /** Forgets what `message` ends (call after dispatching it). */
  forget(message: Message): void {
    if (message.type === 'request.completed') this.requests.delete((message as unknown as { requestId: string }).requestId);
    else if (message.type === 'conn.closed') this.conns.delete((message as unknown as { connId: number }).connId);
  }

  clear(): void {
    this.conns.clear();
    this.requests.clear();
  }

  /** The facts of one event: its own fields first, then what earlier events told. */
  factsOf(message: Message): EventFacts {
    const m = message as unknown as Record<string, unknown>;
    const requestId = str(m['requestId']);
    const req = requestId === undefined ? undefined : this.requests.get(requestId);
    const connId = num(m['connId']) ?? req?.connId;
    const conn = connId === undefined ? undefined : this.conns.get(connId);
    return {
      type: message.type,
      listener: str(m['listener']) ?? conn?.listener,
      clientAddress: str(m['clientAddress']) ?? conn?.clientAddress,
      route: str(m['route']) ?? req?.route,
      upstream: str(m['upstream']) ?? req?.upstream,
      target: targetAddressOf(message.type, m) ?? req?.target,
      status: num(m['status']) ?? req?.status,
      sampleKey: requestId ?? (connId === undefined ? undefined : `c${connId}`),
    };
  }

  private requestOf(m: Record<string, unknown>): RequestFacts | undefined {
    const id = str(m['requestId']);
    if (id === undefined) return undefined;
    let req = this.requests.get(id);
    if (req === undefined) {
      req = { connId: undefined, route: undefined, upstream: undefined, target: undefined, status: undefined };
      capped(this.requests, this.maxEntries).set(id, req);
    }
    return req;
  }
}

/**
 * The target address an event names. In request.received and request.completed `target` is the
 * request target (the URI), not an upstream target, so those are read from `targetAddress`.
 */
function targetAddressOf(type: string, m: Record<string, unknown>): string | undefined {
  if (type === 'request.received' || type === 'request.completed' || type === 'request.failed') return str(m['targetAddress']);
  return str(m['target']);
}

function capped<K, V>(map: Map<K, V>, max: number): Map<K, V> {
  if (map.size >= max) {
    const oldest = map.keys().next();
    if (oldest.done !== true) map.delete(oldest.value);
  }
  return map;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' ? v : undefined;
}
