// One HTTP probe: sends the request on a kept or fresh connection, judges the answer, keeps the connection when it may.
import net from 'node:net';
import type { Clock } from '@switchyard/core';
import { ChunkedDecoder } from '../http/chunked-decoder.js';
import type { IdleProbeConnections } from './idle-probe-connections.js';
import { formatAddress, socketErrorReason, timeoutReason, type ProbeResult, type ProbeTarget } from './prober.js';
import type { StatusMatcher } from './status-matcher.js';

/** What every exchange of one prober reads; computed once per prober. */
export interface ProbePlan {
  readonly statuses: StatusMatcher;
  readonly needle: Buffer | undefined;
  readonly expectBody: string | undefined;
  readonly maxBodyBytes: number;
  readonly isHead: boolean;
  readonly isReusing: boolean;
  readonly clock: Clock;
}

const MAX_HEAD_BYTES = 16 * 1024;
const HEAD_END = Buffer.from('\r\n\r\n', 'latin1');
const STATUS_LINE = /^HTTP\/1\.([01]) ([1-5]\d\d)(?: [^\r\n]*)?$/;
const EMPTY = Buffer.alloc(0);

type BodyFraming = { kind: 'length'; remaining: number } | { kind: 'chunked'; decoder: ChunkedDecoder; isEnded: boolean } | { kind: 'close' };

/**
 * Collects the head, then the body as far as the verdict or the connection's reuse needs it.
 * The verdict settles once (`settle`); the connection then ends once: parked for the next probe
 * when the response was complete and allowed it, destroyed otherwise (`close`).
 */
export class HttpProbeExchange {
  private readonly startedAt: number;
  private readonly key: string;
  private readonly epoch: number;
  private socket: net.Socket | undefined;
  private detachSocket: (() => void) | undefined;
  private timer: { cancel(): void } | undefined;
  private isReused = false;
  private isConnected = false;
  /** A response byte arrived on the current connection: past this point a failure is never retried. */
  private hasResponseBytes = false;
  private isSettled = false;
  private isClosed = false;
  /** The final head allows another request on this connection. */
  private isKeepAlive = false;
  private head: Buffer = EMPTY;
  private status = 0;
  private body: Buffer | undefined;
  private bodyLength = 0;
  /** Body bytes still allowed after the verdict, read only to reuse the connection. */
  private drainBudget = 0;
  private framing: BodyFraming | undefined;

  constructor(
    private readonly plan: ProbePlan,
    private readonly connections: IdleProbeConnections,
    private readonly target: ProbeTarget,
    private readonly request: string,
    private readonly timeoutMs: number,
    private readonly resolve: (result: ProbeResult) => void,
  ) {
    this.startedAt = plan.clock.monotonic();
    this.key = formatAddress(target.host, target.port);
    this.epoch = connections.epoch;
  }

  start(): void {
    this.timer = this.plan.clock.setTimer(this.timeoutMs, () => this.onTimeout());
    const kept = this.plan.isReusing ? this.connections.take(this.key) : undefined;
    if (kept === undefined) return this.connectFresh();
    this.isReused = true;
    this.isConnected = true;
    this.attach(kept);
    kept.write(this.request, 'latin1');
  }

  private connectFresh(): void {
    this.isReused = false;
    this.isConnected = false;
    this.hasResponseBytes = false;
    const socket = net.connect({ host: this.target.host, port: this.target.port });
    this.attach(socket);
    socket.once('connect', () => {
      if (this.socket !== socket) return;
      this.isConnected = true;
      socket.write(this.request, 'latin1');
    });
  }

  /** Listens on `socket` as the current connection; events of a replaced one are ignored. */
  private attach(socket: net.Socket): void {
    this.socket = socket;
    const onData = (chunk: Buffer): void => {
      if (this.socket === socket) this.onData(chunk);
    };
    const onEnd = (): void => {
      if (this.socket === socket) this.onEnd();
    };
    const onError = (error: Error): void => {
      if (this.socket === socket) this.onError(error);
    };
    socket.on('data', onData);
    socket.on('end', onEnd);
    socket.on('error', onError);
    this.detachSocket = () => {
      socket.removeListener('data', onData);
      socket.removeListener('end', onEnd);
      socket.removeListener('error', onError);
    };
  }

  /**
   * A kept connection the origin closed while it sat idle fails before any response byte: that
   * is the origin's idle timeout, not the target's health, so the probe goes again on a fresh one.
   */
  private isRetryable(): boolean {
    return this.isReused && !this.hasResponseBytes && !this.isSettled && !this.isClosed;
  }

  private retryFresh(): void {
    // Its listeners stay, ignoring what it still says (an 'error' with no listener would throw).
    this.socket?.destroy();
    this.connectFresh();
  }

  private onError(error: Error): void {
    if (this.isClosed) return;
    if (this.isRetryable()) return this.retryFresh();
    this.fail(socketErrorReason(this.isConnected ? 'read' : 'connect', error));
  }

  private onEnd(): void {
    if (this.isClosed) return;
    if (this.isRetryable()) return this.retryFresh();
    if (this.isSettled) return this.close();
    if (this.framing === undefined) return this.fail(this.status === 0 && this.head.length === 0 ? 'closed before a response' : 'closed inside the response head');
    if (this.framing.kind === 'close') {
      this.judgeBody(true);
      return this.close();
    }
    this.fail('closed before the body ended');
  }

  private onTimeout(): void {
    this.settle(false, timeoutReason(this.timeoutMs));
    this.close();
  }

  private onData(chunk: Buffer): void {
    if (this.isClosed) return;
    this.hasResponseBytes = true;
    if (this.framing === undefined) {
      this.head = this.head.length === 0 ? chunk : Buffer.concat([this.head, chunk]);
      this.readHeads();
    } else {
      this.readBody(chunk);
    }
    // Once judged, a connection that cannot be reused has nothing more to give.
    if (this.isSettled && !this.isClosed && !this.isKeepAlive) this.close();
  }

  /** Reads heads until a final (non-1xx) one; then judges the status and sets up the body. */
  private readHeads(): void {
    for (;;) {
      const end = this.head.indexOf(HEAD_END);
      if (end < 0) {
        if (this.head.length > MAX_HEAD_BYTES) this.fail('response head too large');
        return;
      }
      const text = this.head.toString('latin1', 0, end);
      const rest = this.head.subarray(end + HEAD_END.length);
      const lines = text.split('\r\n');
      const match = STATUS_LINE.exec(lines[0] ?? '');
      if (match === null) return this.fail(`malformed status line ${JSON.stringify((lines[0] ?? '').slice(0, 64))}`);
      const status = Number(match[2]);
      if (status >= 100 && status < 200 && status !== 101) {
        // Interim responses (RFC 9110 §15.2) precede the final one: skip them.
        this.head = rest;
        continue;
      }
      this.status = status;
      this.head = EMPTY;
      return this.onFinalHead(lines, match[1] === '1', rest);
    }
  }

  private onFinalHead(lines: string[], isHttp11: boolean, rest: Buffer): void {
    const { plan, status } = this;
    const framing = this.framingOf(lines, status);
    this.framing = framing;
    // Reusable only when the body's end is known from its framing, not from the close (RFC 9112 §9.3).
    this.isKeepAlive = plan.isReusing && isHttp11 && status !== 101 && framing.kind !== 'close' && !saysClose(lines);
    if (!plan.statuses.matches(status)) this.settle(false, `status ${status} not in ${plan.statuses.text}`);
    else if (plan.needle === undefined) this.settle(true, `status ${status}`);
    else this.body = Buffer.alloc(plan.maxBodyBytes);
    if (framing.kind === 'length' && framing.remaining === 0) return this.bodyEnded(rest.length === 0);
    if (rest.length > 0) this.readBody(rest);
  }

  private framingOf(lines: string[], status: number): BodyFraming {
    if (this.plan.isHead || status === 204 || status === 304) return { kind: 'length', remaining: 0 };
    let length: number | undefined;
    let isChunked = false;
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i] as string;
      const colon = line.indexOf(':');
      if (colon <= 0) continue;
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      if (name === 'transfer-encoding') isChunked = value.toLowerCase().split(',').pop()?.trim() === 'chunked';
      else if (name === 'content-length' && /^\d+$/.test(value)) length = Number(value);
    }
    if (isChunked) {
      const framing: BodyFraming = { kind: 'chunked', isEnded: false, decoder: undefined as unknown as ChunkedDecoder };
      framing.decoder = new ChunkedDecoder({
        onData: (data) => this.takeBody(data),
        onEnd: () => (framing.isEnded = true),
        onError: () => this.fail('malformed chunked body'),
      });
      return framing;
    }
    if (length !== undefined) return { kind: 'length', remaining: length };
    return { kind: 'close' };
  }

  private readBody(chunk: Buffer): void {
    const framing = this.framing;
    if (framing === undefined || this.isClosed) return;
    switch (framing.kind) {
      case 'chunked': {
        const used = framing.decoder.feed(chunk);
        if (framing.isEnded) this.bodyEnded(used === chunk.length);
        return;
      }
      case 'length': {
        const take = Math.min(chunk.length, framing.remaining);
        framing.remaining -= take;
        this.takeBody(chunk.subarray(0, take));
        if (framing.remaining === 0) this.bodyEnded(take === chunk.length);
        return;
      }
      case 'close':
        this.takeBody(chunk);
        return;
    }
  }

  /** Body bytes: searched while the verdict waits on them, then only counted against the drain budget. */
  private takeBody(data: Buffer): void {
    if (this.isClosed) return;
    if (this.isSettled) {
      this.drainBudget -= data.length;
      if (this.drainBudget < 0) this.close();
      return;
    }
    this.append(data);
  }

  /** The body ended by its framing; `isExact` when no byte followed it (nothing pipelined or stray). */
  private bodyEnded(isExact: boolean): void {
    if (this.isClosed) return;
    if (!this.isSettled) this.judgeBody(true);
    if (this.isKeepAlive && isExact) return this.park();
    this.close();
  }

  /** Copies body bytes into the bounded buffer and settles as soon as the substring shows up. */
  private append(data: Buffer): void {
    const body = this.body;
    if (body === undefined) return;
    const room = body.length - this.bodyLength;
    const take = Math.min(room, data.length);
    data.copy(body, this.bodyLength, 0, take);
    this.bodyLength += take;
    if (this.hasNeedle()) return this.settle(true, `status ${this.status}`);
    if (this.bodyLength === body.length) this.judgeBody(false);
  }

  private hasNeedle(): boolean {
    const needle = this.plan.needle;
    return needle !== undefined && (this.body as Buffer).subarray(0, this.bodyLength).includes(needle);
  }

  private judgeBody(isComplete: boolean): void {
    if (this.isSettled) return;
    if (this.hasNeedle()) return this.settle(true, `status ${this.status}`);
    const expect = JSON.stringify(this.plan.expectBody);
    this.settle(false, isComplete ? `body lacks ${expect}` : `body lacks ${expect} in its first ${this.bodyLength} bytes`);
  }

  /** The verdict, once. The connection may still be read to its body's end, for reuse. */
  private settle(ok: boolean, reason: string): void {
    if (this.isSettled) return;
    this.isSettled = true;
    this.drainBudget = this.plan.maxBodyBytes;
    const result: ProbeResult = { ok, latencyMs: Math.max(0, this.plan.clock.monotonic() - this.startedAt), reason };
    this.resolve(this.status === 0 ? result : { ...result, status: this.status });
  }

  private fail(reason: string): void {
    this.settle(false, reason);
    this.close();
  }

  /** Keeps the connection for the next probe of this address. */
  private park(): void {
    const socket = this.socket;
    if (socket === undefined) return this.close();
    this.isClosed = true;
    this.timer?.cancel();
    this.detachSocket?.();
    this.connections.park(this.key, socket, this.epoch);
  }

  private close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.timer?.cancel();
    this.socket?.destroy();
  }
}

/** The final head carries `Connection: close` (tokens compared case-insensitively, RFC 9110 §7.6.1). */
function saysClose(lines: string[]): boolean {
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i] as string;
    const colon = line.indexOf(':');
    if (colon <= 0 || line.slice(0, colon).trim().toLowerCase() !== 'connection') continue;
    if (line.slice(colon + 1).split(',').some((token) => token.trim().toLowerCase() === 'close')) return true;
  }
  return false;
}
