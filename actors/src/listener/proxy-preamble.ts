// Reads (or screens for) a PROXY protocol header before an http or https listener speaks HTTP or TLS.
import type net from 'node:net';
import type { ListenerConfig } from '@switchyard/config';
import { parseProxyHeader, type ProxyEndpoint, type ProxyVersionsAccepted } from '../proxy-protocol/index.js';
import type { ProxySnapshot } from '../proxy/proxy-snapshot.js';
import { CidrSet } from './connection-guard.js';

/** A listener's `proxyProtocol`, compiled: what versions, from whom, how long to wait. */
export interface PreamblePolicy {
  readonly accept: ProxyVersionsAccepted;
  readonly trusted: CidrSet | undefined;
  readonly timeoutMs: number;
}

/** Compiles `listener.proxyProtocol`; undefined when the listener takes no PROXY header. */
export function compileProxyAccept(listener: Readonly<ListenerConfig>): PreamblePolicy | undefined {
  const proxy = listener.proxyProtocol;
  if (proxy === undefined) return undefined;
  return {
    accept: { v1: proxy.accept.includes('v1'), v2: proxy.accept.includes('v2') },
    trusted: proxy.trustedSources.length === 0 ? undefined : new CidrSet(proxy.trustedSources),
    timeoutMs: proxy.timeout,
  };
}

/** The client as the PROXY header names it; undefined for LOCAL headers and UNKNOWN families. */
export type ProxiedClient = ProxyEndpoint | undefined;

const ANY_VERSION: ProxyVersionsAccepted = { v1: true, v2: true };
/** A PROXY header is at most this long (v2 with TLVs); screening never buffers more. */
const MAX_PREAMBLE_BYTES = 4096;

const policies = new WeakMap<ProxySnapshot, Map<string, PreamblePolicy | undefined>>();

/** The listener's `proxyProtocol`, compiled once per config version. */
export function preamblePolicyFor(snapshot: ProxySnapshot, listener: Readonly<ListenerConfig>): PreamblePolicy | undefined {
  let byName = policies.get(snapshot);
  if (byName === undefined) {
    byName = new Map();
    policies.set(snapshot, byName);
  }
  if (byName.has(listener.name)) return byName.get(listener.name);
  const current = snapshot.config.listeners.find((l) => l.name === listener.name && l.protocol === listener.protocol) ?? listener;
  const policy = compileProxyAccept(current);
  byName.set(listener.name, policy);
  return policy;
}

/**
 * Never guessed (ARCHITECTURE §8, HAProxy's rule): a peer in `trustedSources` must open with a
 * PROXY header, which is read and stripped; any other peer that opens with one is cut. Bytes after
 * the header are put back on the socket for the HTTP (or TLS) layer. `onReady` gets the client the
 * header named (undefined: use the TCP peer); a refused connection is destroyed and `onReady` is
 * never called.
 */
export function readProxyPreamble(socket: net.Socket, policy: PreamblePolicy, peerIp: string, onReady: (client: ProxiedClient) => void): void {
  const isTrusted = policy.trusted?.has(peerIp) ?? false;
  let pending: Buffer | null = null;
  const timer = setTimeout(() => finish(false), policy.timeoutMs);
  const onData = (chunk: Buffer): void => {
    pending = pending === null ? chunk : Buffer.concat([pending, chunk]);
    const result = parseProxyHeader(pending, 0, pending.length, isTrusted ? policy.accept : ANY_VERSION);
    if (result.kind === 'incomplete') {
      if (pending.length > MAX_PREAMBLE_BYTES) finish(false);
      return;
    }
    if (result.kind === 'none') {
      // A trusted peer must send a header; anyone else just sent their first bytes.
      if (isTrusted) return finish(false);
      return finish(true, pending, undefined);
    }
    if (result.kind !== 'header' || !isTrusted) return finish(false);
    const header = result.header;
    const client = header.command === 'proxy' ? header.source : undefined;
    finish(true, result.consumed < pending.length ? pending.subarray(result.consumed) : null, client);
  };
  const onEnd = (): void => finish(false);
  function finish(isOk: boolean, leftover?: Buffer | null, client?: ProxiedClient): void {
    clearTimeout(timer);
    socket.off('data', onData);
    socket.off('end', onEnd);
    socket.off('error', onEnd);
    if (!isOk) {
      socket.destroy();
      return;
    }
    // Paused while the bytes after the header go back and the next layer attaches, then flowing again.
    socket.pause();
    if (leftover !== null && leftover !== undefined && leftover.length > 0) socket.unshift(leftover);
    onReady(client);
    socket.resume();
  }
  socket.on('data', onData);
  socket.on('end', onEnd);
  socket.on('error', onEnd);
}
