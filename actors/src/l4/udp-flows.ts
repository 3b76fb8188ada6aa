// A udp listener: client flows keyed by address and port, each pinned to a target, datagrams relayed both ways.
import dgram from 'node:dgram';
import { isIPv6 } from 'node:net';
import { ConnOpened, type CloseCause } from '@switchyard/core';
import { publishConnClosed } from '../proxy/conn-closed.js';
import type { ListenerConfig } from '@switchyard/config';
import { Admission, guardPolicyFor, normalizeIp, type ConnectionGuard } from '../listener/connection-guard.js';
import type { Timed } from '../proxy/deadline-sweeper.js';
import type { ListenerContext } from '../proxy/listener-context.js';
import type { ProxySnapshot, TargetRuntime, UpstreamRuntime } from '../proxy/proxy-snapshot.js';
import type { Picker } from '../balancer/picker.js';
import { L4Facts, l4PolicyFor, type L4Policy } from './l4-policy.js';
import { isStillPickable, pickTarget, targetAt } from './pick-target.js';

/** Datagrams held per flow while its socket towards the target connects; more are dropped. */
const MAX_QUEUED_DATAGRAMS = 64;

/**
 * The listener's socket and its flows. A flow is one client `address:port`; its first datagram
 * routes it (forward routes naming the listener, `sourceCidr` against the client address) and
 * picks a target once, and the flow gets its own socket connected to that target: datagrams from
 * the client go out on it, and what the target sends back to it is relayed to the client from the
 * listener's socket, so the client sees replies from the address it wrote to.
 *
 * Bounded: `maxFlows` (datagrams of new flows beyond it are dropped and counted in
 * `flowsDropped`), the listener guard (allow/deny, caps counting flows as connections), and the
 * flow idle timeout (`server.timeouts.udpFlowIdle`, either direction). A flow whose target left
 * the upstream's picker (health, drain, a reload without it) moves to a newly picked target on
 * its next datagram; one whose target is still there stays pinned, whatever else changed.
 */
export class UdpListener {
  private readonly socket: dgram.Socket;
  private readonly flows = new Map<string, UdpFlow>();
  private isSocketBound = false;
  private isClosed = false;

  constructor(
    readonly config: Readonly<ListenerConfig>,
    readonly context: ListenerContext,
    readonly guard: ConnectionGuard,
  ) {
    this.socket = dgram.createSocket({ type: isIPv6(config.address.host) ? 'udp6' : 'udp4' });
    this.socket.on('message', (message, remote) => this.onMessage(message, remote));
  }

  get port(): number {
    return this.socket.address().port;
  }

  bind(host: string, port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const onError = (error: Error): void => reject(error);
      this.socket.once('error', onError);
      this.socket.bind(port, host, () => {
        this.socket.off('error', onError);
        // Errors after binding (a send to a vanished client, EMFILE) must not crash the node.
        this.socket.on('error', () => undefined);
        this.isSocketBound = true;
        resolve();
      });
    });
  }

  /** Number of live flows. */
  get size(): number {
    return this.flows.size;
  }

  /** Closes the socket and every flow; resolves with the number of flows cut. */
  async close(): Promise<number> {
    if (this.isClosed) return 0;
    this.isClosed = true;
    const cut = this.flows.size;
    for (const flow of [...this.flows.values()]) flow.close('server-shutdown');
    if (this.isSocketBound) await new Promise<void>((resolve) => this.socket.close(() => resolve()));
    return cut;
  }

  /** Relays a reply from a flow's target to its client, from the listener's address. */
  sendToClient(message: Buffer, port: number, address: string): void {
    if (!this.isClosed) this.socket.send(message, port, address);
  }

  forget(flow: UdpFlow): void {
    if (this.flows.get(flow.key) === flow) this.flows.delete(flow.key);
  }

  private onMessage(message: Buffer, remote: dgram.RemoteInfo): void {
    if (this.isClosed) return;
    const key = `${remote.address}|${remote.port}`;
    const snapshot = this.context.snapshot.current;
    const flow = this.flows.get(key) ?? this.openFlow(key, remote, snapshot);
    if (flow === undefined) return;
    flow.relay(message, snapshot);
  }

  private openFlow(key: string, remote: dgram.RemoteInfo, snapshot: ProxySnapshot): UdpFlow | undefined {
    const counters = this.context.counters;
    const ip = normalizeIp(remote.address);
    const admission = this.guard.admit(ip, guardPolicyFor(snapshot, this.config));
    if (admission === Admission.refused) return undefined;
    const policy = l4PolicyFor(snapshot, this.config);
    if (this.flows.size >= policy.maxFlows) {
      if (admission === Admission.counted) this.guard.release(ip);
      counters.flowsDropped++;
      return undefined;
    }
    const flow = new UdpFlow(this, key, remote.address, remote.port, ip, admission === Admission.counted);
    if (!flow.pin(snapshot, policy)) {
      flow.close('no-route');
      counters.flowsDropped++;
      return undefined;
    }
    this.flows.set(key, flow);
    return flow;
  }
}

/**
 * One client flow. Its socket towards the target is connected (so only that target's replies
 * are taken) and opened anew when the flow moves to another target.
 */
class UdpFlow implements Timed {
  deadline = 0;
  /** Index in the sweeper's SlotSet (-1 outside); the sweeper writes it. */
  sweepSlot = -1;
  private readonly connId: number;
  private readonly openedAt: number;
  private readonly facts: L4Facts;
  private snapshot: ProxySnapshot | undefined;
  private policy: L4Policy | undefined;
  private upstreamName = '';
  private upstream: UpstreamRuntime | undefined;
  /** The picker the target was last confirmed against; a new one means: check the target again. */
  private picker: Picker<TargetRuntime> | undefined;
  private target: TargetRuntime | undefined;
  private socket: dgram.Socket | undefined;
  private isConnected = false;
  private queue: Buffer[] = [];
  private hasTraffic = false;
  private isClosed = false;
  private bytesIn = 0;
  private bytesOut = 0;

  constructor(
    private readonly listener: UdpListener,
    readonly key: string,
    private readonly clientAddress: string,
    private readonly clientPort: number,
    private readonly clientIp: string,
    private readonly isCounted: boolean,
  ) {
    const ctx = listener.context;
    this.connId = ctx.nextConnId();
    this.openedAt = ctx.sweeper.time();
    this.facts = new L4Facts(listener.config.name, clientIp);
    ctx.counters.connectionsOpened++;
    ctx.counters.connectionsOpen++;
    if (ctx.bus.hasSubscribers(ConnOpened)) {
      ctx.bus.publish(ConnOpened.make({ connId: this.connId, listener: ctx.name, clientAddress: clientIp, clientPort, at: Date.now() }));
    }
  }

  /** Routes the flow and picks its target under `snapshot`; false when no route or target exists. */
  pin(snapshot: ProxySnapshot, policy: L4Policy): boolean {
    this.snapshot = snapshot;
    this.policy = policy;
    const route = policy.match(this.facts);
    if (route === undefined) return false;
    const upstream = snapshot.upstreams.get(route.forward.pick());
    if (upstream === undefined) return false;
    this.upstreamName = upstream.name;
    this.upstream = upstream;
    const target = pickTarget(upstream, this.facts);
    if (target === undefined) return false;
    this.useTarget(upstream, target);
    this.listener.context.sweeper.add(this);
    this.arm();
    return true;
  }

  /** Sends a client datagram to the flow's target, moving the flow first if its target is gone. */
  relay(message: Buffer, snapshot: ProxySnapshot): void {
    if (snapshot !== this.snapshot || (this.upstream as UpstreamRuntime).picker !== this.picker) {
      if (!this.follow(snapshot)) return this.close('no-route');
    }
    this.hasTraffic = true;
    this.bytesIn += message.length;
    this.listener.context.counters.bytesIn += message.length;
    if (this.isConnected) (this.socket as dgram.Socket).send(message);
    else if (this.queue.length < MAX_QUEUED_DATAGRAMS) this.queue.push(message);
  }

  /**
   * Brings the flow up to date with a newer snapshot or picker: the same target (found by address
   * in the new version) stays if the picker may still choose it; otherwise the flow is routed and
   * picked afresh. False when the flow has nowhere to go.
   */
  private follow(snapshot: ProxySnapshot): boolean {
    const current = this.target as TargetRuntime;
    if (snapshot !== this.snapshot) {
      const upstream = snapshot.upstreams.get(this.upstreamName);
      const same = upstream === undefined ? undefined : targetAt(upstream, current.address);
      this.snapshot = snapshot;
      this.policy = l4PolicyFor(snapshot, this.listener.config);
      if (upstream === undefined || same === undefined) return this.repin(snapshot);
      // The same target in the new version: carry this flow's share of its load over.
      current.inflight--;
      same.inflight++;
      this.target = same;
      this.upstream = upstream;
    }
    const upstream = this.upstream as UpstreamRuntime;
    if (!isStillPickable(upstream, this.target as TargetRuntime, this.facts)) return this.repin(snapshot);
    this.picker = upstream.picker;
    return true;
  }

  private repin(snapshot: ProxySnapshot): boolean {
    this.dropSocket();
    this.releaseTarget();
    return this.pin(snapshot, this.policy ?? l4PolicyFor(snapshot, this.listener.config));
  }

  private useTarget(upstream: UpstreamRuntime, target: TargetRuntime): void {
    this.target = target;
    this.picker = upstream.picker;
    target.inflight++;
    const { host, port } = target.pool.endpoint;
    const socket = dgram.createSocket({ type: host.includes(':') ? 'udp6' : 'udp4' });
    this.socket = socket;
    this.isConnected = false;
    socket.on('message', (reply) => this.onReply(reply));
    socket.on('error', (error: NodeJS.ErrnoException) => this.onSocketError(socket, error));
    socket.connect(port, host, () => {
      if (socket !== this.socket) return;
      this.isConnected = true;
      for (const queued of this.queue) socket.send(queued);
      this.queue = [];
    });
  }

  private onReply(reply: Buffer): void {
    if (this.isClosed) return;
    this.hasTraffic = true;
    this.bytesOut += reply.length;
    this.listener.context.counters.bytesOut += reply.length;
    this.listener.sendToClient(reply, this.clientPort, this.clientAddress);
  }

  /** An ICMP unreachable comes back as ECONNREFUSED on a connected socket: passive health hears it. */
  private onSocketError(socket: dgram.Socket, error: NodeJS.ErrnoException): void {
    if (socket !== this.socket || this.target === undefined) return;
    this.upstream?.outlier?.recordConnectFailure(this.target.index, error.code ?? 'error');
  }

  private dropSocket(): void {
    const socket = this.socket;
    this.socket = undefined;
    this.isConnected = false;
    if (socket === undefined) return;
    try {
      socket.close();
    } catch {
      // Closed already (a failed connect): nothing to release.
    }
  }

  private releaseTarget(): void {
    const target = this.target;
    this.target = undefined;
    if (target !== undefined) target.inflight--;
  }

  close(cause: CloseCause): void {
    if (this.isClosed) return;
    this.isClosed = true;
    const ctx = this.listener.context;
    ctx.sweeper.remove(this);
    this.deadline = 0;
    this.dropSocket();
    this.releaseTarget();
    this.queue = [];
    this.listener.forget(this);
    if (this.isCounted) this.listener.guard.release(this.clientIp);
    ctx.counters.connectionsOpen--;
    publishConnClosed(ctx, { connId: this.connId, openedAt: this.openedAt, requests: 0, bytesIn: this.bytesIn, bytesOut: this.bytesOut }, cause);
  }

  private arm(): void {
    const idleMs = (this.policy as L4Policy).udpFlowIdleMs;
    this.deadline = this.listener.context.sweeper.time() + idleMs;
  }

  onDeadline(): void {
    if (this.hasTraffic) {
      this.hasTraffic = false;
      this.arm();
      return;
    }
    this.close('idle-timeout');
  }
}
