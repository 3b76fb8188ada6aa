// Load generators of the L4 bench, one mode per run, in a process of their own pinned to the load core.
// Usage: node load.js <mode> --port <port> [options]; prints one line "L4_RESULT {json}" and exits.
//   tcp-bulk     --bytes <n> --streams <n>: sends n bytes (split over the streams), half-closes, checks the
//                origin's byte count; ops = bytes
//   tcp-connect  --connections <n> --duration <s>: loops of connect, 1 byte, FIN, 1-line answer, close
//   ws           --connections <n> --duration <s> --size <bytes>: one message in flight per connection,
//                the next one sent when its echo arrives
//   udp          --connections <n> (flows) --duration <s> --size <bytes>: one datagram in flight per flow
//   tls-connect  --connections <n> --duration <s> --servername <name>: a new TLS connection (full
//                handshake, no session offered) per `GET /` with Connection: close
// Every loop stops at the deadline; the harness kills the process if it overruns.
import { createHash, randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import http from 'node:http';
import net from 'node:net';
import tls from 'node:tls';
import { parseArgs } from 'node:util';

const HOST = '127.0.0.1';
const RESULT_MARKER = 'L4_RESULT ';
const BULK_CHUNK_BYTES = 1024 * 1024;
/** A connection or exchange taking longer than this counts as an error. */
const OP_TIMEOUT_MS = 5000;
/** A udp flow with no reply for this long counts its datagram as lost and sends the next one. */
const UDP_LOSS_AFTER_MS = 100;
/** Latency samples kept; beyond it a uniform reservoir keeps the percentiles honest. */
const MAX_SAMPLES = 1_000_000;
/** Loops opening connections before a measurement (WebSocket handshakes) at once. */
const OPEN_CONCURRENCY = 20;
const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

export interface LoadResult {
  /** Completed operations: connections, echoed messages, datagram round trips, or bytes for tcp-bulk. */
  ops: number;
  durationSec: number;
  opsPerSec: number;
  errors: number;
  /** Per operation, or null when the mode has none (tcp-bulk). */
  latencyMs: { p50: number; p90: number; p99: number; max: number } | null;
  /** Mode-specific facts (lost datagrams, negotiated TLS, …). */
  detail: Record<string, unknown>;
}

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    port: { type: 'string' },
    bytes: { type: 'string', default: String(1024 ** 3) },
    streams: { type: 'string', default: '1' },
    connections: { type: 'string', default: '50' },
    duration: { type: 'string', default: '3' },
    size: { type: 'string', default: '64' },
    servername: { type: 'string', default: 'localhost' },
  },
});

const port = positiveInt(values.port, 'port');
const durationMs = Number(values.duration) * 1000;
const connections = positiveInt(values.connections, 'connections');
const size = positiveInt(values.size, 'size');

// The harness keeps our stdin open; when it goes away (even by SIGKILL) we go too.
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();


function run(): Promise<LoadResult> {
  switch (mode) {
    case 'tcp-bulk':
      return tcpBulk(positiveInt(values.bytes, 'bytes'), positiveInt(values.streams, 'streams'));
    case 'tcp-connect':
      return closedLoops((latency) => tcpExchange(latency));
    case 'ws':
      return wsEcho();
    case 'udp':
      return udpRoundTrips();
    case 'tls-connect':
      return tlsRequests(values.servername);
    default:
      process.stderr.write(`load: unknown mode ${String(mode)}\n`);
      process.exit(2);
  }
}

// ---------------------------------------------------------------------------------------------
// tcp-bulk

async function tcpBulk(bytes: number, streams: number): Promise<LoadResult> {
  const chunk = Buffer.alloc(BULK_CHUNK_BYTES, 0x61);
  const share = Math.floor(bytes / streams);
  const started = performance.now();
  const counts = await Promise.all(Array.from({ length: streams }, (_, i) => bulkStream(chunk, i === 0 ? bytes - share * (streams - 1) : share)));
  const durationSec = (performance.now() - started) / 1000;
  const ops = counts.reduce((a, b) => a + b, 0);
  return { ops, durationSec, opsPerSec: ops / durationSec, errors: 0, latencyMs: null, detail: { streams, bytesPerStream: share } };
}

/** Sends `bytes`, half-closes, and resolves with the origin's count once it matches. */
function bulkStream(chunk: Buffer, bytes: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: HOST, port, allowHalfOpen: true });
    const timer = setTimeout(() => socket.destroy(new Error('tcp-bulk: no answer within the time limit')), Math.max(durationMs, 60_000));
    let sent = 0;
    let answer = '';
    const pump = (): void => {
      while (sent < bytes) {
        const n = Math.min(chunk.length, bytes - sent);
        sent += n;
        if (!socket.write(n === chunk.length ? chunk : chunk.subarray(0, n))) {
          socket.once('drain', pump);
          return;
        }
      }
      socket.end();
    };
    socket.once('connect', pump);
    socket.setEncoding('utf8');
    socket.on('data', (text: string) => (answer += text));
    socket.on('end', () => {
      clearTimeout(timer);
      socket.destroy();
      const counted = Number(answer.trim());
      if (counted === bytes) resolve(bytes);
      else reject(new Error(`tcp-bulk: the origin counted ${answer.trim() || 'nothing'} of ${bytes} bytes`));
    });
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

// ---------------------------------------------------------------------------------------------
// closed loops: `connections` loops, each starting its next operation when the last one ends

async function closedLoops(op: (latency: Samples) => Promise<void>, detail: Record<string, unknown> = {}): Promise<LoadResult> {
  const latency = new Samples();
  const deadline = performance.now() + durationMs;
  let ops = 0;
  let errors = 0;
  const started = performance.now();
  const loop = async (): Promise<void> => {
    while (performance.now() < deadline) {
      try {
        await op(latency);
        ops++;
      } catch {
        errors++;
        // A refused connection fails at once; do not spin on it.
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    }
  };
  await Promise.all(Array.from({ length: connections }, loop));
  const durationSec = (performance.now() - started) / 1000;
  return { ops, durationSec, opsPerSec: ops / durationSec, errors, latencyMs: latency.percentiles(), detail };
}

/** One connection: connect, send "x" with a FIN, expect "1\n" and the origin's FIN, close. */
function tcpExchange(latency: Samples): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const socket = net.connect({ host: HOST, port, noDelay: true });
    let answer = '';
    socket.setTimeout(OP_TIMEOUT_MS, () => socket.destroy(new Error('timeout')));
    socket.once('connect', () => socket.end('x'));
    socket.setEncoding('utf8');
    socket.on('data', (text: string) => (answer += text));
    socket.on('error', reject);
    socket.on('close', (hadError) => {
      if (hadError) return;
      if (answer !== '1\n') return reject(new Error(`unexpected answer ${JSON.stringify(answer)}`));
      latency.add(performance.now() - started);
      resolve();
    });
  });
}

/** One TLS connection (full handshake) carrying one `GET /` with Connection: close. */
function tlsRequests(servername: string): Promise<LoadResult> {
  const request = `GET / HTTP/1.1\r\nHost: ${servername}\r\nConnection: close\r\n\r\n`;
  const detail: Record<string, unknown> = {};
  return closedLoops(
    (latency) =>
      new Promise((resolve, reject) => {
        const started = performance.now();
        // No `session` is offered, so every connection is a full handshake. The client does not
        // verify the chain (self-signed); the handshake's signature is still checked.
        const socket = tls.connect({ host: HOST, port, servername, rejectUnauthorized: false });
        let answer = '';
        socket.setTimeout(OP_TIMEOUT_MS, () => socket.destroy(new Error('timeout')));
        socket.once('secureConnect', () => {
          if (detail['protocol'] === undefined) {
            detail['protocol'] = socket.getProtocol();
            detail['cipher'] = socket.getCipher().name;
            detail['sessionReused'] = socket.isSessionReused();
          }
          socket.write(request);
        });
        socket.setEncoding('utf8');
        socket.on('data', (text: string) => (answer += text));
        socket.on('error', reject);
        socket.on('close', (hadError) => {
          if (hadError) return;
          if (!answer.startsWith('HTTP/1.1 200')) return reject(new Error(`unexpected answer ${JSON.stringify(answer.slice(0, 40))}`));
          latency.add(performance.now() - started);
          resolve();
        });
      }),
    detail,
  );
}

// ---------------------------------------------------------------------------------------------
// ws: a minimal client (fixed masked frame, unmasked frames parsed by length) so the load core
// spends its time on the traffic, not on a WebSocket library

async function wsEcho(): Promise<LoadResult> {
  const payload = Buffer.alloc(size, 0x61);
  const frame = maskedTextFrame(payload);
  const sockets: net.Socket[] = [];
  let next = 0;
  const opener = async (): Promise<void> => {
    while (next < connections) {
      next++;
      sockets.push(await wsUpgrade());
    }
  };
  await Promise.all(Array.from({ length: Math.min(OPEN_CONCURRENCY, connections) }, opener));

  const latency = new Samples();
  let ops = 0;
  let errors = 0;
  let running = true;
  const started = performance.now();
  for (const socket of sockets) {
    let pending: Buffer = Buffer.alloc(0);
    let sentAt = performance.now();
    socket.on('data', (chunk: Buffer) => {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      for (;;) {
        const head = frameAt(pending);
        if (head === undefined || pending.length < head.total) break;
        const opcode = (pending[0] ?? 0) & 0x0f;
        pending = pending.subarray(head.total);
        if (opcode !== 0x1 && opcode !== 0x2) continue;
        if (head.payload !== payload.length) errors++;
        ops++;
        latency.add(performance.now() - sentAt);
        if (running) {
          sentAt = performance.now();
          socket.write(frame);
        }
      }
    });
    socket.on('error', () => errors++);
    socket.write(frame);
  }
  await new Promise((resolve) => setTimeout(resolve, durationMs));
  running = false;
  const durationSec = (performance.now() - started) / 1000;
  for (const socket of sockets) socket.destroy();
  return { ops, durationSec, opsPerSec: ops / durationSec, errors, latencyMs: latency.percentiles(), detail: { connections, messageBytes: size } };
}

/** Opens a WebSocket with a plain HTTP/1.1 upgrade and checks the server's accept key. */
function wsUpgrade(): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const key = randomBytes(16).toString('base64');
    const req = http.request({
      host: HOST,
      port,
      path: '/',
      headers: { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': key },
      timeout: OP_TIMEOUT_MS,
    });
    req.on('upgrade', (res, socket, head) => {
      const expected = createHash('sha1').update(key + WS_GUID).digest('base64');
      if (res.headers['sec-websocket-accept'] !== expected || head.length > 0) {
        socket.destroy();
        reject(new Error('ws: bad upgrade answer'));
        return;
      }
      socket.setNoDelay(true);
      resolve(socket);
    });
    req.on('response', (res) => {
      res.resume();
      reject(new Error(`ws: upgrade answered ${res.statusCode}`));
    });
    req.on('timeout', () => req.destroy(new Error('ws: upgrade timed out')));
    req.on('error', reject);
    req.end();
  });
}

/** A final text frame with a fixed mask (any mask is valid; it only has to be present). */
function maskedTextFrame(payload: Buffer): Buffer {
  const mask = Buffer.from([0x12, 0x34, 0x56, 0x78]);
  const lengthBytes = payload.length < 126 ? [0x80 | payload.length] : payload.length < 65536 ? [0x80 | 126, payload.length >> 8, payload.length & 0xff] : undefined;
  if (lengthBytes === undefined) throw new Error('ws: --size must be below 64 KiB');
  const masked = Buffer.from(payload.map((byte, i) => byte ^ (mask[i % 4] ?? 0)));
  return Buffer.concat([Buffer.from([0x81, ...lengthBytes]), mask, masked]);
}

/** Payload and total length of the unmasked frame at the start of `buf`; undefined until its header is there. */
function frameAt(buf: Buffer): { payload: number; total: number } | undefined {
  if (buf.length < 2) return undefined;
  const len7 = (buf[1] ?? 0) & 0x7f;
  if (len7 < 126) return { payload: len7, total: 2 + len7 };
  if (len7 === 126) return buf.length < 4 ? undefined : { payload: buf.readUInt16BE(2), total: 4 + buf.readUInt16BE(2) };
  if (buf.length < 10) return undefined;
  const payload = Number(buf.readBigUInt64BE(2));
  return { payload, total: 10 + payload };
}

// ---------------------------------------------------------------------------------------------
// udp: `connections` flows, each with one datagram in flight

async function udpRoundTrips(): Promise<LoadResult> {
  const payload = Buffer.alloc(size, 0x61);
  const latency = new Samples();
  let ops = 0;
  let lost = 0;
  let wrongSize = 0;
  let running = true;
  interface Flow {
    socket: dgram.Socket;
    sentAt: number;
  }
  const flows: Flow[] = [];
  for (let i = 0; i < connections; i++) {
    const socket = dgram.createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.connect(port, HOST, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    const flow: Flow = { socket, sentAt: 0 };
    socket.on('message', (message) => {
      if (message.length !== payload.length) wrongSize++;
      ops++;
      latency.add(performance.now() - flow.sentAt);
      if (running) send(flow);
    });
    socket.on('error', () => lost++);
    flows.push(flow);
  }
  const send = (flow: Flow): void => {
    flow.sentAt = performance.now();
    flow.socket.send(payload);
  };
  const started = performance.now();
  for (const flow of flows) send(flow);
  // A lost datagram (either way) would stall its flow: after a while, count it and send again.
  const lossTimer = setInterval(() => {
    const now = performance.now();
    for (const flow of flows) {
      if (running && now - flow.sentAt > UDP_LOSS_AFTER_MS) {
        lost++;
        send(flow);
      }
    }
  }, UDP_LOSS_AFTER_MS / 2);
  await new Promise((resolve) => setTimeout(resolve, durationMs));
  running = false;
  clearInterval(lossTimer);
  const durationSec = (performance.now() - started) / 1000;
  for (const flow of flows) flow.socket.close();
  return {
    ops,
    durationSec,
    opsPerSec: ops / durationSec,
    errors: lost + wrongSize,
    latencyMs: latency.percentiles(),
    detail: { flows: connections, datagramBytes: size, lost, wrongSize },
  };
}

// ---------------------------------------------------------------------------------------------

/** Latency samples in ms, a uniform reservoir beyond {@link MAX_SAMPLES}. */
class Samples {
  private readonly values: number[] = [];
  private seen = 0;

  add(ms: number): void {
    this.seen++;
    if (this.values.length < MAX_SAMPLES) this.values.push(ms);
    else {
      const slot = Math.floor(Math.random() * this.seen);
      if (slot < MAX_SAMPLES) this.values[slot] = ms;
    }
  }

  percentiles(): LoadResult['latencyMs'] {
    if (this.values.length === 0) return null;
    const sorted = Float64Array.from(this.values).sort();
    const at = (p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
    return { p50: at(50), p90: at(90), p99: at(99), max: sorted[sorted.length - 1] ?? 0 };
  }
}

function positiveInt(text: string | undefined, name: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0) {
    process.stderr.write(`load: --${name} must be a positive integer\n`);
    process.exit(2);
  }
  return value;
}

// Last, so every class above is initialized before the run starts.
const mode = positionals[0];
const result = await run();
process.stdout.write(`${RESULT_MARKER}${JSON.stringify(result)}\n`);
process.exit(0);
