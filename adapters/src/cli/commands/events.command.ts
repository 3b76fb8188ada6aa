// `switchyard events`: a live tail of a running proxy's event stream, one readable line per event.
import { WebSocket } from 'ws';
import { ExitCode, parseFlags, UsageError } from '../args.js';
import { ADMIN_FLAGS, AdminRequestError, errorFromBody, resolveAdmin } from '../admin-client.js';
import { println, type CliIo } from '../cli-io.js';
import type { EventFrame } from '../../events/event-frame.js';

const FILTERS = ['type', 'listener', 'route', 'upstream', 'target', 'status', 'client', 'sample'] as const;

const FLAGS = {
  ...ADMIN_FLAGS,
  type: { type: 'string', short: 't' },
  listener: { type: 'string' },
  route: { type: 'string' },
  upstream: { type: 'string' },
  target: { type: 'string' },
  status: { type: 'string' },
  client: { type: 'string' },
  sample: { type: 'string' },
  json: { type: 'boolean' },
  count: { type: 'string', short: 'n' },
  cluster: { type: 'boolean' },
} as const;

/**
 * Follows `/events` until SIGINT/SIGTERM (exit 0), `--count` events (exit 0), or the stream ends or
 * is refused (exit 1).
 */
export async function eventsCommand(args: readonly string[], io: CliIo): Promise<ExitCode> {
  const flags = parseFlags(args, FLAGS);
  const admin = resolveAdmin(flags);
  let count: number | undefined;
  if (flags.count !== undefined) {
    if (!/^[1-9]\d*$/.test(flags.count)) throw new UsageError(`--count expects a positive whole number, got "${flags.count}"`);
    count = Number(flags.count);
  }
  const query = new URLSearchParams();
  for (const name of FILTERS) if (flags[name] !== undefined) query.set(name, flags[name]);
  // Every node's events, each tagged with its node (the node relays its peers' while this stream is open).
  if (flags.cluster === true) query.set('scope', 'cluster');
  const wsUrl = `${admin.baseUrl.replace(/^http/, 'ws')}/events${query.size === 0 ? '' : `?${query.toString()}`}`;
  const isJson = flags.json === true;

  return new Promise<ExitCode>((resolve) => {
    const ws = new WebSocket(wsUrl, { headers: admin.token === undefined ? {} : { authorization: `Bearer ${admin.token}` }, handshakeTimeout: 10_000 });
    let seen = 0;
    let isDone = false;
    const offs: (() => void)[] = [];
    const finish = (code: ExitCode, message?: string): void => {
      if (isDone) return;
      isDone = true;
      for (const off of offs) off();
      if (message !== undefined) println(io.stderr, message);
      if (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING) ws.terminate();
      resolve(code);
    };
    const stop = (): void => finish(ExitCode.Ok);
    offs.push(io.onSignal('SIGINT', stop), io.onSignal('SIGTERM', stop));

    ws.on('open', () => {
      if (!isJson) println(io.stderr, `switchyard events: following ${admin.baseUrl}/events${query.size === 0 ? '' : `?${query.toString()}`} (Ctrl-C to stop)`);
    });
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (isDone || isBinary) return;
      // A text frame holds one event per line (newline-delimited JSON); --json prints the lines as they are.
      for (const line of data.toString('utf8').split('\n')) {
        if (isJson) println(io.stdout, line);
        else {
          let frame: EventFrame;
          try {
            frame = JSON.parse(line) as EventFrame;
          } catch {
            continue;
          }
          println(io.stdout, flags.cluster === true ? `[${String(frame['node'])}] ${formatEventLine(frame)}` : formatEventLine(frame));
        }
        seen++;
        if (count !== undefined && seen >= count) return finish(ExitCode.Ok);
      }
    });
    ws.on('unexpected-response', (_req, res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        let body: unknown;
        try {
          body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        } catch {
          body = undefined;
        }
        const error = errorFromBody(res.statusCode ?? 0, body, admin);
        const lines = [`switchyard events: the event stream refused: ${error.message}`, ...error.problems.map((p) => `  ${p.path}: ${p.message}`)];
        finish(ExitCode.Failure, lines.join('\n'));
      });
    });
    ws.on('error', (err: Error & { code?: string }) => {
      finish(ExitCode.Failure, `switchyard events: ${new AdminRequestError(`cannot reach the admin API at ${admin.baseUrl}: ${err.code ?? err.message}`, undefined).message}`);
    });
    ws.on('close', (code: number, reason: Buffer) => {
      finish(ExitCode.Failure, `switchyard events: the stream closed (${code}${reason.length === 0 ? '' : ` ${reason.toString('utf8')}`})`);
    });
  });
}

/**
 * One line for one event: local time, type, then what a person scans for first.
 * @example
 * formatEventLine({ type: 'request.completed', ts, requestId: 'a-1', method: 'GET', target: '/x', status: 200, route: 'api', totalMs: 1.2 })
 * // '12:00:01.234 request.completed        a-1 GET /x → 200 route=api 1.2ms'
 */
export function formatEventLine(frame: EventFrame): string {
  const f = frame as Record<string, unknown>;
  const time = typeof f['ts'] === 'number' ? clockTime(f['ts']) : '--:--:--.---';
  const rest = describe(frame);
  return `${time} ${frame.type.padEnd(26)} ${rest}`.trimEnd();
}

function describe(frame: EventFrame): string {
  const f = frame as Record<string, unknown>;
  const s = (k: string): string => (f[k] === undefined ? '' : String(f[k]));
  const req = f['requestId'] === undefined ? '' : `${s('requestId')} `;
  switch (frame.type) {
    case 'conn.opened':
      return `conn ${s('connId')} ${s('listener')} from ${s('clientAddress')}:${s('clientPort')}`;
    case 'conn.closed':
      return `conn ${s('connId')} ${s('listener')} closed (${s('cause')}) requests=${s('requests')} in=${s('bytesIn')}B out=${s('bytesOut')}B ${ms(f['durationMs'])}`;
    case 'request.received':
      return `${req}conn ${s('connId')} ${s('method')} ${s('host')}${s('target')}`;
    case 'request.routed':
      return `${req}route=${s('route')} (${s('action')})`;
    case 'request.target-picked':
      return `${req}→ ${s('upstream')}/${s('target')}`;
    case 'request.upstream-connected':
      return `${req}${s('target')} ${f['isReused'] === true ? 'reused' : `connected in ${ms(f['connectMs'])}`}`;
    case 'request.response-started':
      return `${req}${s('status')} after ${ms(f['upstreamHeaderMs'])}`;
    case 'request.completed': {
      const where = [f['route'] === undefined ? '' : `route=${s('route')}`, f['targetAddress'] === undefined ? '' : `target=${s('targetAddress')}`].filter((x) => x !== '').join(' ');
      const termination = f['termination'] === 'ok' ? '' : ` ${s('termination')}`;
      return `${req}${s('method')} ${s('target')} → ${s('status')}${where === '' ? '' : ` ${where}`} ${ms(f['totalMs'])}${termination}`;
    }
    case 'request.failed':
      return `${req}${s('status')} ${s('termination')}: ${s('reason')}`;
    case 'target.health-changed':
      return `${s('upstream')}/${s('target')} ${s('from')} → ${s('to')} (${s('source')}): ${s('reason')}`;
    case 'target.ejected':
      return `${s('upstream')}/${s('target')} ejected for ${ms(f['untilMs'])} (#${s('ejections')}): ${s('reason')}`;
    case 'target.restored':
      return `${s('upstream')}/${s('target')} back in rotation`;
    case 'config.applied':
      return `version ${s('version')} from ${s('source')}`;
    case 'config.rejected':
      return `from ${s('source')}, still serving version ${s('keptVersion')}`;
    case 'stream.dropped':
      return `${s('count')} events dropped (this client fell behind)`;
    default:
      return keyValues(f);
  }
}

function keyValues(f: Record<string, unknown>): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(f)) {
    if (key === 'type' || key === 'node' || key === 'ts') continue;
    const text = typeof value === 'string' ? (/[\s"=]/.test(value) || value === '' ? JSON.stringify(value) : value) : JSON.stringify(value);
    parts.push(`${key}=${text}`);
  }
  return parts.join(' ');
}

function ms(value: unknown): string {
  if (typeof value !== 'number') return '?ms';
  return value >= 10_000 ? `${(value / 1000).toFixed(1)}s` : `${value < 10 ? value.toFixed(1) : Math.round(value)}ms`;
}

function clockTime(epochMs: number): string {
  const d = new Date(epochMs);
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}.${String(d.getMilliseconds()).padStart(3, '0')}`;
}
