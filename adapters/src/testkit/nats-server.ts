// Test kit: a real nats-server as a child process on a free local port, stoppable and restartable (for users' and our own cluster tests).
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';

const HOST = '127.0.0.1';
const MISSING =
  'nats-server is not installed: run `bash scripts/ensure-test-deps.sh` (installs the Debian package nats-server). ' +
  'The NATS tests never skip.';

/**
 * A nats-server bound to 127.0.0.1 on a free port. `start` fails loudly when the binary is missing
 * or the server does not accept connections in time; `restart` comes back on the same port.
 * @example
 * const server = await NatsServer.start();
 * after(() => server.stop());
 */
export class NatsServer {
  private child: ChildProcess | undefined;
  private output = '';

  private constructor(readonly port: number) {}

  static async start(): Promise<NatsServer> {
    const server = new NatsServer(await freePort());
    await server.launch();
    return server;
  }

  get url(): string {
    return `nats://${HOST}:${this.port}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get isRunning(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Stops the server by its pid (SIGTERM, then SIGKILL after 3 s); harmless when already stopped. */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (child === undefined || child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    process.kill(child.pid, 'SIGTERM');
    const timer = setTimeout(() => {
      if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) process.kill(child.pid, 'SIGKILL');
    }, 3000);
    await exited;
    clearTimeout(timer);
  }

  /** Stops the server, waits `downMs`, and starts it again on the same port. */
  async restart(downMs = 0): Promise<void> {
    await this.stop();
    if (downMs > 0) await new Promise((resolve) => setTimeout(resolve, downMs));
    await this.launch();
  }

  private async launch(): Promise<void> {
    this.output = '';
    const child = spawn('nats-server', ['-a', HOST, '-p', String(this.port)], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    const keep = (chunk: Buffer): void => {
      this.output = (this.output + chunk.toString()).slice(-4000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    const failed = new Promise<never>((_, reject) => {
      child.once('error', (error: NodeJS.ErrnoException) =>
        reject(error.code === 'ENOENT' ? new Error(MISSING, { cause: error }) : new Error(`nats-server failed to start: ${error.message}`, { cause: error })),
      );
      child.once('exit', (code, signal) => reject(new Error(`nats-server exited (${code ?? signal}) before accepting:\n${this.output}`)));
    });
    failed.catch(() => undefined);
    await Promise.race([failed, this.waitUntilAccepting(5000)]);
  }

  private async waitUntilAccepting(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (await canConnect(this.port)) return;
      if (Date.now() > deadline) {
        await this.stop();
        throw new Error(`nats-server did not accept on ${HOST}:${this.port} within ${timeoutMs} ms:\n${this.output}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: HOST, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** A port the kernel just handed out on 127.0.0.1 (nats-server takes a number, not 0). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
