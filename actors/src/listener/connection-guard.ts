// Listener guards for every listener kind: allow/deny CIDR lists and caps on concurrent connections.
import type { Socket } from 'node:net';
import type { ListenerConfig } from '@switchyard/config';
import type { ListenerCounters } from '../proxy/listener-context.js';
import type { ProxySnapshot } from '../proxy/proxy-snapshot.js';
import { CidrMatcher, MatchCache, type RequestFacts } from '../router/index.js';

/** A set of IPv4/IPv6 CIDRs compiled once; `has` parses the address and compares numbers, never text. */
export class CidrSet {
  private readonly matcher: CidrMatcher;
  private readonly cache = new MatchCache();
  /** The one field CidrMatcher reads; reused, as matching is synchronous. */
  private readonly probe = { sourceIp: '' } as { sourceIp: string } & RequestFacts;

  /** @param cidrs canonical `ip/len` texts, as the config's `Cidr` produces them. */
  constructor(cidrs: readonly string[]) {
    this.matcher = new CidrMatcher(cidrs);
  }

  /** Whether `ip` (IPv4, IPv6, or IPv4-mapped IPv6) lies in one of the CIDRs; false for a non-IP. */
  has(ip: string): boolean {
    this.probe.sourceIp = ip;
    return this.matcher.matches(this.probe, this.cache);
  }
}

/** What a listener's config says about who may connect and how many at once; compiled once per version. */
export class GuardPolicy {
  /** Nothing to check and nothing to count: the common case costs one field read. */
  readonly isOpen: boolean;
  /** Whether admitted connections are counted (some cap is set). */
  readonly isCounting: boolean;

  constructor(
    readonly allow: CidrSet | undefined,
    readonly deny: CidrSet | undefined,
    readonly maxConnections: number,
    readonly maxPerSource: number,
  ) {
    this.isCounting = maxConnections !== Infinity || maxPerSource !== Infinity;
    this.isOpen = allow === undefined && deny === undefined && !this.isCounting;
  }

  static from(config: Readonly<ListenerConfig>): GuardPolicy {
    // An empty allow list would refuse everyone: read it as "no allow list", as the schema documents.
    const allow = config.allow === undefined || config.allow.length === 0 ? undefined : new CidrSet(config.allow);
    const deny = config.deny === undefined || config.deny.length === 0 ? undefined : new CidrSet(config.deny);
    return new GuardPolicy(allow, deny, config.maxConnections ?? Infinity, config.maxConnectionsPerSource ?? Infinity);
  }

  /** Whether `ip` passes the lists alone (deny wins; no allow list admits everyone). */
  isAllowed(ip: string): boolean {
    if (this.deny !== undefined && this.deny.has(ip)) return false;
    return this.allow === undefined || this.allow.has(ip);
  }
}

/** `admit` answers: refused, admitted without counting, or admitted and counted (release it later). */
export const Admission = { refused: 0, admitted: 1, counted: 2 } as const;
export type Admission = (typeof Admission)[keyof typeof Admission];

/**
 * Applies a listener's `GuardPolicy` to new connections (and udp flows). The counts live here, in
 * the listener, so they survive reloads; the limits come from the policy of the version current at
 * admission. A connection is counted only while some cap is set, and `release` is called only for
 * counted ones, so enabling a cap by a reload never drives a count below zero.
 *
 * @example
 * if (!guard.admitSocket(socket, guardPolicyFor(snapshot, config))) return; // destroyed and counted
 * new ClientConnection(socket, context);
 */
export class ConnectionGuard {
  private open = 0;
  private readonly perSource = new Map<string, number>();

  constructor(private readonly counters: ListenerCounters) {}

  /** Connections counted now (only those admitted while a cap was set). */
  get openCount(): number {
    return this.open;
  }

  /** Decides on a connection from `ip` (already normalized, see `peerIp`); counts refusals. */
  admit(ip: string, policy: GuardPolicy): Admission {
    if (policy.isOpen) return Admission.admitted;
    if (!policy.isAllowed(ip)) return this.refuse();
    if (!policy.isCounting) return Admission.admitted;
    if (this.open >= policy.maxConnections) return this.refuse();
    const fromSource = this.perSource.get(ip) ?? 0;
    if (fromSource >= policy.maxPerSource) return this.refuse();
    this.open++;
    this.perSource.set(ip, fromSource + 1);
    return Admission.counted;
  }

  /** Ends a connection that `admit` answered `counted` for. */
  release(ip: string): void {
    this.open--;
    const fromSource = this.perSource.get(ip) ?? 0;
    if (fromSource <= 1) this.perSource.delete(ip);
    else this.perSource.set(ip, fromSource - 1);
  }

  /**
   * `admit` for an accepted socket: a refused one is destroyed at once, a counted one is released
   * when it closes. Returns whether the connection may proceed.
   */
  admitSocket(socket: Socket, policy: GuardPolicy): boolean {
    if (policy.isOpen) return true;
    const ip = peerIp(socket);
    const admission = this.admit(ip, policy);
    if (admission === Admission.refused) {
      socket.destroy();
      return false;
    }
    // One listener per guarded connection (not per request); the ip is fixed for its life.
    if (admission === Admission.counted) socket.once('close', () => this.release(ip));
    return true;
  }

  private refuse(): Admission {
    this.counters.connectionsRefused++;
    return Admission.refused;
  }
}

/** The peer address of a socket as events and guards use it: IPv4-mapped IPv6 shown as IPv4. */
export function peerIp(socket: Socket): string {
  return normalizeIp(socket.remoteAddress ?? '');
}

/** `::ffff:10.1.2.3` → `10.1.2.3`; anything else unchanged. */
export function normalizeIp(ip: string): string {
  return ip.startsWith('::ffff:') && ip.indexOf('.') > 0 ? ip.slice(7) : ip;
}

const policies = new WeakMap<ProxySnapshot, Map<string, GuardPolicy>>();

/**
 * The guard policy of listener `config.name` in `snapshot`, compiled once per version. A reload
 * changes a listener's lists and caps without rebinding it; a listener not (yet) in the snapshot,
 * or one whose protocol differs there, keeps the config it was started with.
 */
export function guardPolicyFor(snapshot: ProxySnapshot | undefined, config: Readonly<ListenerConfig>): GuardPolicy {
  if (snapshot === undefined) return GuardPolicy.from(config);
  let byName = policies.get(snapshot);
  if (byName === undefined) {
    byName = new Map();
    policies.set(snapshot, byName);
  }
  let policy = byName.get(config.name);
  if (policy === undefined) {
    const current = snapshot.config.listeners.find((l) => l.name === config.name);
    policy = GuardPolicy.from(current !== undefined && current.protocol === config.protocol ? current : config);
    byName.set(config.name, policy);
  }
  return policy;
}
