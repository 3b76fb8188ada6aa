// One-exchange correctness checks run against an L4 target before it is measured.
import dgram from 'node:dgram';
import net from 'node:net';
import tls from 'node:tls';
import WebSocket from 'ws';

const HOST = '127.0.0.1';
const PROBE_TIMEOUT_MS = 5000;
const UDP_TRIES = 5;
const UDP_TRY_MS = 300;

/**
 * Sends `bytes` through the TCP target, half-closes, and checks the tcp-origin's count (so both
 * directions and the FIN were relayed). Resolves with a problem or undefined.
 */
export function probeTcpCount(port: number, bytes: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: HOST, port, allowHalfOpen: true });
    let answer = '';
    socket.setTimeout(PROBE_TIMEOUT_MS, () => {
      socket.destroy();
      resolve(`no answer within ${PROBE_TIMEOUT_MS} ms (a half-close not passed on?)`);
    });
    socket.once('connect', () => socket.end(Buffer.alloc(bytes, 0x62)));
    socket.setEncoding('utf8');
    socket.on('data', (text: string) => (answer += text));
    socket.on('end', () => {
      socket.destroy();
      resolve(answer === `${bytes}\n` ? undefined : `origin answered ${JSON.stringify(answer)} for ${bytes} bytes`);
    });
    socket.on('error', (err) => resolve(err.message));
  });
}

/** Opens a WebSocket through the target, sends a message, expects it back. */
export function probeWsEcho(port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://${HOST}:${port}/`, { perMessageDeflate: false, handshakeTimeout: PROBE_TIMEOUT_MS });
    const timer = setTimeout(() => finish('no echo in time'), PROBE_TIMEOUT_MS);
    const finish = (problem: string | undefined): void => {
      clearTimeout(timer);
      ws.terminate();
      resolve(problem);
    };
    ws.on('open', () => ws.send('probe'));
    ws.on('message', (data) => finish(String(data) === 'probe' ? undefined : `echo was ${JSON.stringify(String(data))}`));
    ws.on('error', (err) => finish(err.message));
  });
}

/** Sends a datagram through the target (a few tries: UDP may drop one) and expects the echo. */
export async function probeUdpEcho(port: number): Promise<string | undefined> {
  const socket = dgram.createSocket('udp4');
  let socketError: Error | undefined;
  // A connected UDP socket reports an ICMP port unreachable as ECONNREFUSED, at any time.
  socket.on('error', (err) => (socketError = err));
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.connect(port, HOST, () => resolve());
    });
    for (let i = 0; i < UDP_TRIES; i++) {
      const reply = await new Promise<string | undefined>((resolve) => {
        const timer = setTimeout(() => resolve(undefined), UDP_TRY_MS);
        socket.once('message', (message) => {
          clearTimeout(timer);
          resolve(message.toString('utf8'));
        });
        socket.send(`probe ${i}`);
      });
      if (reply !== undefined) return reply === `probe ${i}` ? undefined : `echo was ${JSON.stringify(reply)}`;
    }
    return `no echo after ${UDP_TRIES} datagrams${socketError === undefined ? '' : ` (${socketError.message})`}`;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  } finally {
    socket.close();
  }
}

export interface TlsProbeResult {
  problem: string | undefined;
  /** Negotiated protocol and cipher, e.g. `TLSv1.3 TLS_AES_256_GCM_SHA384`. */
  negotiated: string;
}

/** `GET /` with Connection: close over a new TLS connection; expects `200` and `body`. */
export function probeTlsGet(port: number, servername: string, ca: Buffer, body: string): Promise<TlsProbeResult> {
  return new Promise((resolve) => {
    let negotiated = '';
    let answer = '';
    const socket = tls.connect({ host: HOST, port, servername, ca }, () => {
      negotiated = `${socket.getProtocol() ?? '?'} ${socket.getCipher().name}`;
      socket.write(`GET / HTTP/1.1\r\nHost: ${servername}\r\nConnection: close\r\n\r\n`);
    });
    socket.setTimeout(PROBE_TIMEOUT_MS, () => socket.destroy(new Error(`no answer within ${PROBE_TIMEOUT_MS} ms`)));
    socket.setEncoding('utf8');
    socket.on('data', (text: string) => (answer += text));
    socket.on('error', (err) => resolve({ problem: err.message, negotiated }));
    socket.on('close', (hadError) => {
      if (hadError) return;
      const ok = answer.startsWith('HTTP/1.1 200') && answer.endsWith(`\r\n\r\n${body}`);
      resolve({ problem: ok ? undefined : `answer ${JSON.stringify(answer.slice(0, 80))}`, negotiated });
    });
  });
}
