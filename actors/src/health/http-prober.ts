// The HTTP prober: a hand-written HTTP/1.1 request over node:net, judged by status and optionally body.
import { realClock, type Clock } from '@switchyard/core';
import { HttpProbeExchange, type ProbePlan } from './http-probe-exchange.js';
import { IdleProbeConnections } from './idle-probe-connections.js';
import { formatAddress, type ProbeResult, type ProbeTarget, type Prober } from './prober.js';
import { compileStatusMatcher } from './status-matcher.js';

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
   * Keep one idle keep-alive connection per target between probes (default true, as Envoy's
   * `reuse_connection`); false sends `Connection: close` and connects anew for every probe.
   */
  readonly reuseConnection?: boolean | undefined;
  /**
   * In a cluster: the probing node, sent as `X-Switchyard-Node` so an origin (and a test) can tell
   * which node probes it. Only names of token characters are sent.
   */
  readonly node?: string | undefined;
}

const NODE_NAME = /^[A-Za-z0-9._:-]{1,128}$/;
const DEFAULT_MAX_BODY_BYTES = 64 * 1024;

/**
 * Sends `METHOD path HTTP/1.1` with Host and `User-Agent: switchyard-health`, reads the status line
 * and, only when `expectBody` asks for it, up to 64 KiB of body (framed by Content-Length, chunked,
 * or the close). The timeout covers connect and response together.
 *
 * With `reuseConnection` (the default) the connection stays open for the next probe of the same
 * address when the answer allows it: HTTP/1.1 without `Connection: close`, its body read to the end
 * of its Content-Length or chunked framing. A probe whose kept connection fails before any response
 * byte (the origin closed it while idle: a reset, EPIPE or a close) is retried once on a fresh
 * connection, so an origin's idle timeout never counts as a failed probe. `close()` closes the idle
 * connections. Without it every request says `Connection: close`.
 * @example
 * const prober = new HttpProber({ method: 'GET', path: '/healthz', expectStatus: ['200-399'] });
 * const result = await prober.probe({ address: '10.0.0.5:8080', host: '10.0.0.5', port: 8080 }, 1000);
 * prober.close();
 */
export class HttpProber implements Prober {
  /** @internal What every exchange of this prober reads; computed once. */
  readonly plan: ProbePlan;
  /** @internal Idle connections kept between probes (none without `reuseConnection`). */
  readonly connections = new IdleProbeConnections();

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
      isReusing: options.reuseConnection ?? true,
      clock,
    };
  }

  /** The request bytes for one target. */
  requestFor(target: ProbeTarget): string {
    const host = this.options.host ?? formatAddress(target.host, target.port);
    const node = this.options.node !== undefined && NODE_NAME.test(this.options.node) ? `X-Switchyard-Node: ${this.options.node}\r\n` : '';
    // HTTP/1.1 connections persist unless a side says close (RFC 9112 §9.3).
    const connection = this.plan.isReusing ? '' : 'Connection: close\r\n';
    return `${this.options.method} ${this.options.path} HTTP/1.1\r\nHost: ${host}\r\n${connection}User-Agent: switchyard-health\r\n${node}\r\n`;
  }

  probe(target: ProbeTarget, timeoutMs: number): Promise<ProbeResult> {
    return new Promise((resolve) => new HttpProbeExchange(this.plan, this.connections, target, this.requestFor(target), timeoutMs, resolve).start());
  }

  /** Closes the idle connections; a probe in flight closes its own when it ends. The prober stays usable. */
  close(): void {
    this.connections.closeAll();
  }
}
