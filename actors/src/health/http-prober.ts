// The HTTP prober: a hand-written HTTP/1.1 request over node:net, judged by status and optionally body.
import net from 'node:net';
import { realClock, type Clock } from '@switchyard/core';
import { ChunkedDecoder } from '../http/chunked-decoder.js';
import { formatAddress, socketErrorReason, timeoutReason, type ProbeResult, type ProbeTarget, type Prober } from './prober.js';
import { compileStatusMatcher, type StatusMatcher } from './status-matcher.js';

export interface HttpProbeOptions {
  readonly method: 'GET' | 'HEAD' | 'OPTIONS';
  readonly path: string;
  /** Host header; the target address when absent. */
  readonly host?: string | undefined;
  /** Statuses that count as healthy: numbers, or inclusive ranges such as "200-399". */
  readonly expectStatus: readonly (number | string)[];
  /** A substring the body must contain, within the first `maxBodyBytes`. */
  readonly expectBody?: string | undefined;
  /** Default 64 KiB. */
  readonly maxBodyBytes?: number;
  /**
   * In a cluster: the probing node, sent as `X-Switchyard-Node` so an origin (and a test) can tell
   * which node probes it. Only names of token characters are sent.
   */
  readonly node?: string | undefined;
}

const NODE_NAME = /^[A-Za-z0-9._:-]{1,128}$/;

const MAX_HEAD_BYTES = 16 * 1024;
const DEFAULT_MAX_BODY_BYTES = 64 * 1024;
const HEAD_END = Buffer.from('\r\n\r\n', 'latin1');
const STATUS_LINE = /^HTTP\/1\.[01] ([1-5]\d\d)(?: [^\r\n]*)?$/;

/**
 * Sends `METHOD path HTTP/1.1` with Host, `Connection: close` and `User-Agent: switchyard-health`,
 * reads the status line and, only when `expectBody` asks for it, up to 64 KiB of body (framed by
 * Content-Length, chunked, or the close). The timeout covers connect and response together.
 * @example
 * const prober = new HttpProber({ method: 'GET', path: '/healthz', expectStatus: ['200-399'] });
 * const result = await prober.probe({ address: '10.0.0.5:8080', host: '10.0.0.5', port: 8080 }, 1000);
 */
export class HttpProber implements Prober {
  /** @internal What every exchange of this prober reads; computed once. */
  readonly plan: ProbePlan;

  constructor(
    private readonly options: HttpProbeOptions,
    clock: Clock = realClock,
  ) {
    this.plan = {
      statuses: compileStatusMatcher(options.expectStatus),
      needle: options.expectBody === undefined ? undefined : Buffer.from(options.expectBody, 'utf8'),
      expectBody: options.expectBody,
      maxBodyBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
      isHead: options.method === 'HEAD',
      clock,
    };
  }

  /** The request bytes for one target. */
  requestFor(target: ProbeTarget): string {
    const host = this.options.host ?? formatAddress(target.host, target.port);
    const node = this.options.node !== undefined && NODE_NAME.test(this.options.node) ? `X-Switchyard-Node: ${this.options.node}\r\n` : '';
    return `${this.options.method} ${this.options.path} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\nUser-Agent: switchyard-health\r\n${node}\r\n`;
  }

  probe(target: ProbeTarget, timeoutMs: number): Promise<ProbeResult> {
    return new Promise((resolve) => new HttpExchange(this, target, timeoutMs, resolve).start());
  }

}

interface ProbePlan {
  readonly statuses: StatusMatcher;
  readonly needle: Buffer | undefined;
  readonly expectBody: string | undefined;
  readonly maxBodyBytes: number;
  readonly isHead: boolean;
  readonly clock: Clock;
}

type BodyFraming = { kind: 'length'; remaining: number } | { kind: 'chunked'; decoder: ChunkedDecoder } | { kind: 'close' };

/** One probe's connection: collects the head, then (if needed) the body, and settles once. */
class HttpExchange {
  private readonly plan: ProbePlan;
  private readonly startedAt: number;
  private socket: net.Socket | undefined;
  private timer: { cancel(): void } | undefined;
  private isConnected = false;
  private isDone = false;
  private head: Buffer = Buffer.alloc(0);
  private status = 0;
  private body: Buffer | undefined;
  private bodyLength = 0;
  private framing: BodyFraming | undefined;

  constructor(
    private readonly prober: HttpProber,
    private readonly target: ProbeTarget,
    private readonly timeoutMs: number,
    private readonly resolve: (result: ProbeResult) => void,
  ) {
    this.plan = prober.plan;
    this.startedAt = this.plan.clock.monotonic();
  }

  start(): void {
    const cfg = this.plan;
    this.timer = cfg.clock.setTimer(this.timeoutMs, () => this.finish(false, timeoutReason(this.timeoutMs)));
    const socket = net.connect({ host: this.target.host, port: this.target.port });
    this.socket = socket;
    socket.once('connect', () => {
      this.isConnected = true;
      socket.write(this.prober.requestFor(this.target), 'latin1');
    });
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('end', () => this.onEnd());
    socket.on('error', (error) => this.finish(false, socketErrorReason(this.isConnected ? 'read' : 'connect', error)));
  }

  private onData(chunk: Buffer): void {
    if (this.isDone) return;
    if (this.framing === undefined) {
      this.head = this.head.length === 0 ? chunk : Buffer.concat([this.head, chunk]);
      this.readHeads();
      return;
    }
    this.readBody(chunk);
  }

  /** Reads heads until a final (non-1xx) one; then judges the status and sets up the body. */
  private readHeads(): void {
    for (;;) {
      const end = this.head.indexOf(HEAD_END);
      if (end < 0) {
        if (this.head.length > MAX_HEAD_BYTES) this.finish(false, 'response head too large');
        return;
      }
      const text = this.head.toString('latin1', 0, end);
      const rest = this.head.subarray(end + HEAD_END.length);
      const lines = text.split('\r\n');
      const match = STATUS_LINE.exec(lines[0] ?? '');
      if (match === null) return this.finish(false, `malformed status line ${JSON.stringify((lines[0] ?? '').slice(0, 64))}`);
      const status = Number(match[1]);
      if (status >= 100 && status < 200 && status !== 101) {
        // Interim responses (RFC 9110 §15.2) precede the final one: skip them.
        this.head = rest;
        continue;
      }
      this.status = status;
      this.head = Buffer.alloc(0);
      const cfg = this.plan;
      if (!cfg.statuses.matches(status)) return this.finish(false, `status ${status} not in ${cfg.statuses.text}`);
      if (cfg.needle === undefined) return this.finish(true, `status ${status}`);
      this.body = Buffer.alloc(cfg.maxBodyBytes);
      this.framing = this.framingOf(lines, status);
      if (this.framing.kind === 'length' && this.framing.remaining === 0) return this.judgeBody(true);
      if (rest.length > 0) this.readBody(rest);
      return;
    }
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
      const decoder = new ChunkedDecoder({
        onData: (data) => this.append(data),
        onEnd: () => this.judgeBody(true),
        onError: () => this.finish(false, 'malformed chunked body'),
      });
      return { kind: 'chunked', decoder };
    }
    if (length !== undefined) return { kind: 'length', remaining: length };
    return { kind: 'close' };
  }

  private readBody(chunk: Buffer): void {
    const framing = this.framing;
    if (framing === undefined || this.isDone) return;
    switch (framing.kind) {
      case 'chunked':
        framing.decoder.feed(chunk);
        return;
      case 'length': {
        const take = Math.min(chunk.length, framing.remaining);
        framing.remaining -= take;
        this.append(chunk.subarray(0, take));
        if (!this.isDone && framing.remaining === 0) this.judgeBody(true);
        return;
      }
      case 'close':
        this.append(chunk);
        return;
    }
  }

  /** Copies body bytes into the bounded buffer and settles as soon as the substring shows up. */
  private append(data: Buffer): void {
    const body = this.body;
    if (body === undefined || this.isDone) return;
    const room = body.length - this.bodyLength;
    const take = Math.min(room, data.length);
    data.copy(body, this.bodyLength, 0, take);
    this.bodyLength += take;
    if (this.hasNeedle()) return this.finish(true, `status ${this.status}`);
    if (this.bodyLength === body.length) this.judgeBody(false);
  }

  private hasNeedle(): boolean {
    const needle = this.plan.needle;
    return needle !== undefined && (this.body as Buffer).subarray(0, this.bodyLength).includes(needle);
  }

  private judgeBody(isComplete: boolean): void {
    if (this.isDone) return;
    if (this.hasNeedle()) return this.finish(true, `status ${this.status}`);
    const expect = JSON.stringify(this.plan.expectBody);
    this.finish(false, isComplete ? `body lacks ${expect}` : `body lacks ${expect} in its first ${this.bodyLength} bytes`);
  }

  private onEnd(): void {
    if (this.isDone) return;
    if (this.framing === undefined) return this.finish(false, this.status === 0 && this.head.length === 0 ? 'closed before a response' : 'closed inside the response head');
    if (this.framing.kind === 'close') return this.judgeBody(true);
    this.finish(false, 'closed before the body ended');
  }

  private finish(ok: boolean, reason: string): void {
    if (this.isDone) return;
    this.isDone = true;
    this.timer?.cancel();
    this.socket?.destroy();
    const result: ProbeResult = { ok, latencyMs: Math.max(0, this.plan.clock.monotonic() - this.startedAt), reason };
    this.resolve(this.status === 0 ? result : { ...result, status: this.status });
  }
}
